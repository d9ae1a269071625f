// Package exchange serves the token exchanges of trusted publishing: a CI
// job sends its OIDC token and gets back an upload token of the registry's,
// minted by a function the registry supplies for the publishers the token
// proves and the packages they may publish.
//
// [PyPI] speaks PyPI's protocol (what pypa/gh-action-pypi-publish, uv and
// twine's helpers use), [NPM] the npm CLI's (npm 11.5.1 and later):
//
//	GET  /_/oidc/audience                                → 200 {"audience": …}
//	POST /_/oidc/mint-token  {"token": "<jwt>"}          → 200 {"success": true, "token": …, "expires": <unix>}
//	POST /-/npm/v1/oidc/token/exchange/package/<name>
//	     Authorization: Bearer <jwt>                     → 201 {"token": …}
//
// Both verify the token with a *publisher.Verifier whose audience is the
// protocol's (PyPI's "pypi", npm's "npm:<registry host name>", see
// publisher.Verifier.WithAudience), classify refusals with
// publisher.Classify (an outage is a 503 with Retry-After, never the
// client's fault), cap what they read, enforce methods and content types,
// and never log a token, neither the CI's nor the one minted.
package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/trustpub/trustpub/internal/quote"
	"github.com/trustpub/trustpub/publisher"
)

// Minter mints the registry's own upload token for the publishers res
// proves, allowed to publish packages and nothing else: for PyPI every
// package of res's publishers (res.Packages()), for npm the one package
// named in the request. expires is when the token stops working; PyPI's
// tokens live 15 minutes.
//
// An error wrapping ErrUnavailable answers 503 with Retry-After, a
// *Refusal refuses with its message, any other error is a 500 whose text
// is logged, not sent. Either way the CI token is spent (it was verified,
// so it is recorded as used): the client retries with a new one.
type Minter func(ctx context.Context, res *publisher.Result, packages []string) (token string, expires time.Time, err error)

// ErrUnavailable, wrapped by a Minter's error, says the registry cannot
// mint tokens right now (its database is down): a retryable 503.
var ErrUnavailable = errors.New("exchange: the registry cannot mint tokens right now")

// Refusal is a Minter's refusal to mint for these publishers or packages,
// e.g. a pending publisher whose project name someone else has taken since:
// 403 (PyPI: 422 invalid-publisher) with Message sent to the client, which
// the registry writes for them.
type Refusal struct {
	Message string
}

// Error implements error.
func (e *Refusal) Error() string { return "exchange: minting refused: " + e.Message }

// DefaultRetryAfter is the Retry-After of a 503 unless Config says
// otherwise.
const DefaultRetryAfter = 30 * time.Second

// Config configures an exchange handler.
type Config struct {
	// Verifier verifies the CI tokens; its audience is the one the
	// protocol asks CI providers for. Required.
	Verifier *publisher.Verifier
	// Mint mints the registry's upload tokens. Required.
	Mint Minter
	// RetryAfter is what a 503 asks clients to wait, in whole seconds.
	// Default DefaultRetryAfter.
	RetryAfter time.Duration
	// Logger, when set, records each exchange: the workload, publishers and
	// packages of a token minted, the class and detailed error of a
	// refusal. Never a token.
	Logger *slog.Logger
}

// handler is what PyPI and NPM share.
type handler struct {
	cfg   Config
	retry string // Retry-After, in seconds
}

func newHandler(cfg Config, name string) (handler, error) {
	switch {
	case cfg.Verifier == nil:
		return handler{}, fmt.Errorf("exchange: %s: Config.Verifier is required", name)
	case cfg.Mint == nil:
		return handler{}, fmt.Errorf("exchange: %s: Config.Mint is required", name)
	case cfg.RetryAfter < 0:
		return handler{}, fmt.Errorf("exchange: %s: Config.RetryAfter %v is negative", name, cfg.RetryAfter)
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	secs := max(1, int(cfg.RetryAfter.Round(time.Second)/time.Second))
	return handler{cfg: cfg, retry: strconv.Itoa(secs)}, nil
}

// failure is a refusal, or a failure on the registry's side, as the
// protocols answer it.
type failure struct {
	status int
	code   string // PyPI's error code, or the class's name when the client is not at fault
	msg    string // safe for an anonymous client
	class  string // for the log
	err    error  // for the log: the detailed error, never sent
}

// verifyFailure classifies an error of verification.
func verifyFailure(err error) failure {
	c := publisher.Classify(err)
	f := failure{status: c.Status, code: c.PyPICode, msg: c.Message, class: c.Name, err: err}
	if f.code == "" {
		f.code = c.Name
	}
	return f
}

// mintFailure classifies a Minter's error.
func mintFailure(err error) failure {
	var ref *Refusal
	switch {
	case errors.As(err, &ref):
		return failure{status: http.StatusForbidden, code: "invalid-publisher", msg: quote.Text(ref.Message), class: "mint-refused", err: err}
	case errors.Is(err, ErrUnavailable):
		return failure{status: http.StatusServiceUnavailable, code: "mint-unavailable",
			msg: "The registry cannot issue upload tokens right now; try again later with a new token.", class: "mint-unavailable", err: err}
	}
	return failure{status: http.StatusInternalServerError, code: "mint-failed",
		msg: "The registry could not issue an upload token because of an error on its side.", class: "mint-failed", err: err}
}

// clientFault reports whether f is the client's doing.
func (f failure) clientFault() bool { return f.status < 500 }

// refused logs f: the client's faults at Info, the registry's at Error.
func (h *handler) refused(r *http.Request, f failure, args ...any) {
	level := slog.LevelInfo
	if !f.clientFault() {
		level = slog.LevelError
	}
	args = append(args, "class", f.class)
	if f.err != nil {
		args = append(args, "err", f.err)
	}
	h.log(r, level, "refused", args...)
}

func (h *handler) log(r *http.Request, level slog.Level, msg string, args ...any) {
	if h.cfg.Logger == nil {
		return
	}
	args = append([]any{"path", quote.Text(r.URL.Path)}, args...)
	h.cfg.Logger.Log(r.Context(), level, "trusted publishing exchange: "+msg, args...)
}

// writeJSON answers with status and v; a 503 asks to retry later.
func (h *handler) writeJSON(w http.ResponseWriter, status int, v any) {
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable {
		hd.Set("Retry-After", h.retry)
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// ids lists the ids of the publishers res satisfies, for logs.
func ids(res *publisher.Result) []string {
	out := make([]string, len(res.Publishers))
	for i, p := range res.Publishers {
		out[i] = quote.Text(p.ID)
	}
	return out
}

// texts quotes each of ss for a log.
func texts(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quote.Text(s)
	}
	return out
}
