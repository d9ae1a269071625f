// Package gateway is HTTP middleware that lets through only requests
// carrying a CI token of a trusted publisher: for an internal artifact
// store, a deployment API or any service that CI workflows call.
//
// A request must carry exactly one "Authorization: Bearer <token>" header.
// The token is verified with a *publisher.Verifier (one-time: a token
// passes once), then a Rule of the caller's decides which of the
// publishers it proves may pass. The next handler finds the
// *publisher.Result with ResultFrom, and no longer sees the token: the
// Authorization header is removed, so a proxy or a log downstream cannot
// leak or replay it.
//
// Refusals follow RFC 6750 and publisher.Classify:
//
//	request                                   status  WWW-Authenticate / body "error"
//	no Authorization header, another scheme   401     Bearer (no error code)
//	two Authorization headers                 400     invalid_request
//	token too large, malformed, not valid,    401     Bearer error="invalid_token"
//	  or satisfying no registered publisher
//	refused by the Rule                       403     Bearer error="insufficient_scope"
//	outage (keys, store, replay store)        503     Retry-After; temporarily_unavailable
//	misconfiguration, unknown error           500     server_error
//
// The body is JSON, {"error": …, "error_description": …}, and the
// description is Classify's message, safe for anonymous clients; the
// detailed error goes to Config.Logger. The token is never logged.
package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trustpub/trustpub/internal/bearer"
	"github.com/trustpub/trustpub/internal/quote"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/publisher"
)

// Rule decides whether a verified token may pass: nil lets it, an error
// refuses it with 403 insufficient_scope. The error is logged, not sent.
type Rule func(*publisher.Result) error

// AnyPublisher lets through every token that satisfies a registered
// publisher of the Verifier's store.
func AnyPublisher(*publisher.Result) error { return nil }

// Publishers lets a token through when one of the publishers it satisfies
// has one of ids (publisher.Registered.ID).
func Publishers(ids ...string) Rule {
	ids = slices.Clone(ids)
	return func(res *publisher.Result) error {
		for _, p := range res.Publishers {
			if slices.Contains(ids, p.ID) {
				return nil
			}
		}
		return errors.New("gateway: none of the token's publishers is allowed")
	}
}

// DefaultRetryAfter is the Retry-After of a 503 unless Config says
// otherwise.
const DefaultRetryAfter = 30 * time.Second

// Config configures a Gateway.
type Config struct {
	// Verifier verifies the tokens. Required.
	Verifier *publisher.Verifier
	// Allow decides which verified tokens pass. Required: AnyPublisher
	// lets every registered publisher through.
	Allow Rule
	// Realm, when set, is the challenge's realm: printable ASCII without
	// '"' or '\'.
	Realm string
	// RetryAfter is what a 503 asks clients to wait, in whole seconds.
	// Default DefaultRetryAfter.
	RetryAfter time.Duration
	// Logger, when set, records each decision: the workload and publishers
	// let through, the class and detailed error of a refusal. Never the
	// token.
	Logger *slog.Logger
}

// Gateway verifies requests' bearer tokens. It is safe for concurrent use.
type Gateway struct {
	cfg   Config
	retry string // Retry-After, in seconds
}

// New checks cfg and builds a Gateway.
func New(cfg Config) (*Gateway, error) {
	switch {
	case cfg.Verifier == nil:
		return nil, errors.New("gateway: Config.Verifier is required")
	case cfg.Allow == nil:
		return nil, errors.New("gateway: Config.Allow is required (AnyPublisher lets every registered publisher through)")
	case cfg.RetryAfter < 0:
		return nil, fmt.Errorf("gateway: Config.RetryAfter %v is negative", cfg.RetryAfter)
	case strings.ContainsFunc(cfg.Realm, func(r rune) bool { return r < 0x20 || r > 0x7e || r == '"' || r == '\\' }):
		return nil, fmt.Errorf("gateway: Config.Realm %s must be printable ASCII without '\"' or '\\'", quote.Value(cfg.Realm))
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	return &Gateway{cfg: cfg, retry: strconv.Itoa(int(max(1, cfg.RetryAfter.Round(time.Second)/time.Second)))}, nil
}

// Wrap returns a handler that serves next only requests whose token
// verifies and passes the Rule, with the *publisher.Result in their
// context (ResultFrom) and without their Authorization header.
func (g *Gateway) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, ok := g.check(w, r)
		if !ok {
			return
		}
		r = r.Clone(NewContext(r.Context(), res))
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r)
	})
}

// check verifies r's token; on a refusal it answers and returns false.
func (g *Gateway) check(w http.ResponseWriter, r *http.Request) (*publisher.Result, bool) {
	// The header is capped at the largest token any Verifier accepts; the
	// Verifier applies its own Config.MaxTokenSize.
	tok, err := bearer.Token(r.Header, oidc.MaxTokenSizeLimit)
	switch {
	case errors.Is(err, bearer.ErrMissing):
		g.log(r, slog.LevelInfo, "refused", "reason", "no bearer token")
		g.refuse(w, http.StatusUnauthorized, "", "A bearer token is required.")
		return nil, false
	case errors.Is(err, bearer.ErrRepeated):
		g.log(r, slog.LevelInfo, "refused", "reason", err.Error())
		g.refuse(w, http.StatusBadRequest, "invalid_request", "Send exactly one Authorization header.")
		return nil, false
	case err == nil:
		var res *publisher.Result
		if res, err = g.cfg.Verifier.Verify(r.Context(), tok); err == nil {
			if rerr := g.cfg.Allow(res); rerr != nil {
				g.log(r, slog.LevelInfo, "refused by the rule", "workload", res.Workload(), "publishers", ids(res), "err", rerr)
				g.refuse(w, http.StatusForbidden, "insufficient_scope", "The token's trusted publisher may not use this service.")
				return nil, false
			}
			g.log(r, slog.LevelInfo, "accepted", "workload", res.Workload(), "publishers", ids(res))
			return res, true
		}
	}
	c := publisher.Classify(err)
	switch {
	case c.Status == http.StatusServiceUnavailable:
		g.log(r, slog.LevelError, "unavailable", "class", c.Name, "err", err)
		w.Header().Set("Retry-After", g.retry)
		g.refuse(w, c.Status, "temporarily_unavailable", c.Message)
	case c.Status >= 500:
		g.log(r, slog.LevelError, "failed", "class", c.Name, "err", err)
		g.refuse(w, http.StatusInternalServerError, "server_error", c.Message)
	default: // the token's fault: 401 and 403 alike are an invalid token here
		g.log(r, slog.LevelInfo, "refused", "class", c.Name, "err", err)
		g.refuse(w, http.StatusUnauthorized, "invalid_token", c.Message)
	}
	return nil, false
}

// refuse answers with status, a challenge for 401 and 403, and the JSON
// body. An empty code is RFC 6750's bare challenge to a request without
// credentials.
func (g *Gateway) refuse(w http.ResponseWriter, status int, code, desc string) {
	h := w.Header()
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		var params []string
		if g.cfg.Realm != "" {
			params = append(params, `realm="`+g.cfg.Realm+`"`)
		}
		if code != "" {
			params = append(params, `error="`+code+`"`, `error_description="`+description(desc)+`"`)
		}
		h.Set("WWW-Authenticate", strings.TrimSpace("Bearer "+strings.Join(params, ", ")))
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	body := map[string]string{"error_description": desc}
	if code != "" {
		body["error"] = code
	}
	json.NewEncoder(w).Encode(body)
}

// description makes s an RFC 6750 error_description: only %x20-21,
// %x23-5B and %x5D-7E. Classify's messages are plain ASCII already; any
// other byte is replaced, never passed through.
func description(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r == '\\':
			return '/'
		case r < 0x20 || r > 0x7e:
			return '?'
		}
		return r
	}, s)
}

func (g *Gateway) log(r *http.Request, level slog.Level, msg string, args ...any) {
	if g.cfg.Logger == nil {
		return
	}
	args = append([]any{"method", quote.Text(r.Method), "path", quote.Text(r.URL.Path)}, args...)
	g.cfg.Logger.Log(r.Context(), level, "gateway: "+msg, args...)
}

// ids lists the ids of the publishers res satisfies, for logs.
func ids(res *publisher.Result) []string {
	out := make([]string, len(res.Publishers))
	for i, p := range res.Publishers {
		out[i] = quote.Text(p.ID)
	}
	return out
}

type ctxKey struct{}

// NewContext returns ctx carrying res, as Wrap passes it to the next
// handler; for tests of handlers that run behind a Gateway.
func NewContext(ctx context.Context, res *publisher.Result) context.Context {
	return context.WithValue(ctx, ctxKey{}, res)
}

// ResultFrom returns the verified token a Gateway let through, or false
// when ctx carries none.
func ResultFrom(ctx context.Context) (*publisher.Result, bool) {
	res, ok := ctx.Value(ctxKey{}).(*publisher.Result)
	return res, ok && res != nil
}
