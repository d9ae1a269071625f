package exchange_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/publisher"
	"github.com/trustpub/trustpub/publisher/exchange"
)

func newPyPI(t *testing.T, w *world, v *publisher.Verifier) *exchange.PyPI {
	t.Helper()
	p, err := exchange.NewPyPI(exchange.Config{Verifier: v, Mint: w.mint.Mint, Logger: w.logger()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

func tokenBody(tok string) string { return `{"token": "` + tok + `"}` }

// pypiError is PyPI's refusal body.
func pypiError(code, desc string) map[string]any {
	return map[string]any{"message": "Token request failed",
		"errors": []any{map[string]any{"code": code, "description": desc}}}
}

func TestPyPIMint(t *testing.T) {
	w := newWorld(t)
	w.mint.exp = time.Unix(1_900_000_000, 0)
	p := newPyPI(t, w, w.v)
	tok := w.token(t, workflow("release.yml"))
	resp, body := do(t, p, http.MethodPost, exchange.PyPIMintPath, http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		`{"token": "`+tok+`", "extra": [1, {"a": null}]}`)
	want := map[string]any{"success": true, "token": "minted-1", "expires": float64(1_900_000_000)}
	if diff := cmp.Diff(want, body); resp.StatusCode != http.StatusOK || diff != "" {
		t.Errorf("status %d, body (-want +got):\n%s", resp.StatusCode, diff)
	}
	if diff := cmp.Diff([]minted{{Publishers: []string{"hello"}, Packages: []string{"@octo/hello", "JSONStream", "hello"}}}, w.mint.called()); diff != "" {
		t.Errorf("mint calls (-want +got):\n%s", diff)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	log := w.log.String()
	for _, want := range []string{`msg="trusted publishing exchange: minted" path=/_/oidc/mint-token`,
		`workload.repository=octo-org/hello`, `publishers=[hello] packages="[@octo/hello JSONStream hello]" expires=2030-03-17T17:46:40Z`} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
	noTokens(t, log, tok, "minted-1")
}

func TestPyPIAudience(t *testing.T) {
	w := newWorld(t)
	p := newPyPI(t, w, w.v)
	resp, body := do(t, p, http.MethodGet, exchange.PyPIAudiencePath, nil, "")
	if diff := cmp.Diff(map[string]any{"audience": audience}, body); resp.StatusCode != http.StatusOK || diff != "" {
		t.Errorf("status %d, body (-want +got):\n%s", resp.StatusCode, diff)
	}
	if resp, _ := do(t, p, http.MethodHead, exchange.PyPIAudiencePath, nil, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD: status %d", resp.StatusCode)
	}
}

// Refusals: PyPI's body every time, its codes for the client's faults,
// nothing minted, and no detail that names publishers.
func TestPyPIRefusals(t *testing.T) {
	w := newWorld(t)
	p := newPyPI(t, w, w.v)
	replayed := w.token(t, workflow("release.yml"))
	if resp, _ := do(t, p, http.MethodPost, exchange.PyPIMintPath, jsonHeader, tokenBody(replayed)); resp.StatusCode != http.StatusOK {
		t.Fatalf("first use: status %d", resp.StatusCode)
	}
	const (
		notObject = `The request body must be a JSON object with a "token" string.`
		noToken   = `The request body has no "token".`
	)
	tests := []struct {
		name   string
		method string
		path   string
		header http.Header
		body   string
		status int
		code   string
		desc   string
	}{
		{"not JSON", "POST", exchange.PyPIMintPath, jsonHeader, "token=abc", 422, "invalid-payload", notObject},
		{"an array", "POST", exchange.PyPIMintPath, jsonHeader, `["abc"]`, 422, "invalid-payload", notObject},
		{"token a number", "POST", exchange.PyPIMintPath, jsonHeader, `{"token": 1}`, 422, "invalid-payload", notObject},
		{"token twice", "POST", exchange.PyPIMintPath, jsonHeader, `{"token": "a", "token": "b"}`, 422, "invalid-payload", notObject},
		{"trailing data", "POST", exchange.PyPIMintPath, jsonHeader, tokenBody("a") + "{}", 422, "invalid-payload", notObject},
		{"no token", "POST", exchange.PyPIMintPath, jsonHeader, `{"tok": "a"}`, 422, "invalid-payload", noToken},
		{"empty token", "POST", exchange.PyPIMintPath, jsonHeader, `{"token": ""}`, 422, "invalid-payload", noToken},
		{"no body", "POST", exchange.PyPIMintPath, jsonHeader, "", 422, "invalid-payload", notObject},
		{"form", "POST", exchange.PyPIMintPath, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, tokenBody("a"),
			415, "invalid-payload", "The request body must be JSON (Content-Type: application/json)."},
		{"no content type", "POST", exchange.PyPIMintPath, nil, tokenBody("a"),
			415, "invalid-payload", "The request body must be JSON (Content-Type: application/json)."},
		{"too large", "POST", exchange.PyPIMintPath, jsonHeader, tokenBody(strings.Repeat("a", exchange.MaxPyPIBody)),
			413, "invalid-payload", "The request body is too large."},
		{"not a JWT", "POST", exchange.PyPIMintPath, jsonHeader, tokenBody("abc"), 422, "invalid-token", "The token is not a well-formed signed JWT."},
		{"expired", "POST", exchange.PyPIMintPath, jsonHeader, tokenBody(w.token(t, workflow("release.yml"), oidctest.Expired())),
			422, "invalid-token", "The token has expired; request a new one."},
		{"no publisher", "POST", exchange.PyPIMintPath, jsonHeader, tokenBody(w.token(t, workflow("ci.yml"))),
			422, "invalid-publisher", "The token is valid, but no trusted publisher registered here accepts it."},
		{"replayed", "POST", exchange.PyPIMintPath, jsonHeader, tokenBody(replayed),
			422, "invalid-reuse-token", "The token has already been used; request a new one."},
		{"GET mint-token", "GET", exchange.PyPIMintPath, nil, "", 405, "method-not-allowed", "Use POST."},
		{"POST audience", "POST", exchange.PyPIAudiencePath, jsonHeader, tokenBody("a"), 405, "method-not-allowed", "Use GET."},
		{"another path", "POST", "/_/oidc/github/mint-token", jsonHeader, tokenBody("a"), 404, "not-found", "Not found."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, p, tt.method, tt.path, tt.header, tt.body)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if diff := cmp.Diff(pypiError(tt.code, tt.desc), body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
	if n := len(w.mint.called()); n != 1 {
		t.Errorf("minted %d times, want 1 (the first use)", n)
	}
	if allow := func(method, path string) string {
		resp, _ := do(t, p, method, path, nil, "")
		return resp.Header.Get("Allow")
	}; allow("GET", exchange.PyPIMintPath) != "POST" || allow("DELETE", exchange.PyPIAudiencePath) != "GET, HEAD" {
		t.Error("405 without the right Allow header")
	}
	log := w.log.String()
	for _, want := range []string{"class=invalid-payload", "class=token-expired", "class=no-publisher",
		`the token was issued to \".github/workflows/ci.yml\"`, "class=token-reused"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
	noTokens(t, log, replayed)
}

// An outage is never the client's fault: 503 with Retry-After, the class's
// name as the code, and the token can be used again once it is over.
func TestPyPIOutage(t *testing.T) {
	w := newWorld(t)
	p := newPyPI(t, w, newVerifier(t, w.iss, failingStore{}))
	tok := w.token(t, workflow("release.yml"))
	resp, body := do(t, p, http.MethodPost, exchange.PyPIMintPath, jsonHeader, tokenBody(tok))
	want := pypiError("store-unavailable", "The registry cannot verify tokens right now; try again later.")
	if diff := cmp.Diff(want, body); resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "30" || diff != "" {
		t.Errorf("status %d, Retry-After %q, body (-want +got):\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), diff)
	}
	if !strings.Contains(w.log.String(), "level=ERROR") {
		t.Errorf("an outage is not logged as an error:\n%s", w.log.String())
	}
	// The store is back: the token was not spent.
	resp, body = do(t, newPyPI(t, w, w.v), http.MethodPost, exchange.PyPIMintPath, jsonHeader, tokenBody(tok))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after the outage: status %d, %v", resp.StatusCode, body)
	}
}

func TestPyPIMintFails(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		empty  bool
		zero   bool
		status int
		code   string
		desc   string
	}{
		{"refused", &exchange.Refusal{Message: "Project \"hello\" is\nowned by someone else."}, false, false,
			422, "invalid-publisher", `Project \"hello\" is\nowned by someone else.`},
		{"unavailable", fmt.Errorf("db: %w", exchange.ErrUnavailable), false, false,
			503, "mint-unavailable", "The registry cannot issue upload tokens right now; try again later with a new token."},
		{"failed", errors.New("secret detail"), false, false,
			500, "mint-failed", "The registry could not issue an upload token because of an error on its side."},
		{"no token", nil, true, false,
			500, "mint-failed", "The registry could not issue an upload token because of an error on its side."},
		{"no expiry", nil, false, true,
			500, "mint-failed", "The registry could not issue an upload token because of an error on its side."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.mint.err, w.mint.empty = tt.err, tt.empty
			if tt.zero {
				w.mint.exp = time.Time{}
			}
			p := newPyPI(t, w, w.v)
			resp, body := do(t, p, http.MethodPost, exchange.PyPIMintPath, jsonHeader, tokenBody(w.token(t, workflow("release.yml"))))
			if diff := cmp.Diff(pypiError(tt.code, tt.desc), body); resp.StatusCode != tt.status || diff != "" {
				t.Errorf("status %d, want %d; body (-want +got):\n%s", resp.StatusCode, tt.status, diff)
			}
			if got := resp.Header.Get("Retry-After"); (got != "") != (tt.status == 503) {
				t.Errorf("Retry-After %q", got)
			}
			if tt.name == "failed" && !strings.Contains(w.log.String(), "secret detail") {
				t.Errorf("the Minter's error is not logged:\n%s", w.log.String())
			}
		})
	}
}

// PyPI's flow mints for every package of every publisher the token
// satisfies, pending ones included; a publisher of no package (a
// gateway's) mints nothing.
func TestPyPIPackages(t *testing.T) {
	tests := []struct {
		name string
		pubs func(w *world) []publisher.Registered
		want []string // the packages minted for; nil: refused
	}{
		{"two publishers, a pending one", func(w *world) []publisher.Registered {
			return []publisher.Registered{
				{ID: "release", Policy: w.policy("release.yml"), Packages: []string{"hello", "hello-cli"}},
				{ID: "release-ng", Policy: w.policy("release.yml"), Packages: []string{"hello-ng", "hello"}, Pending: true},
				{ID: "nightly", Policy: w.policy("nightly.yml"), Packages: []string{"hello-nightly"}},
			}
		}, []string{"hello", "hello-cli", "hello-ng"}},
		{"a publisher of no package", func(w *world) []publisher.Registered {
			return []publisher.Registered{{ID: "gateway", Policy: w.policy("release.yml")}}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, tt.pubs)
			p := newPyPI(t, w, w.v)
			resp, body := do(t, p, http.MethodPost, exchange.PyPIMintPath, jsonHeader, tokenBody(w.token(t, workflow("release.yml"))))
			if tt.want == nil {
				want := pypiError("invalid-publisher", "The token's trusted publisher may publish no project.")
				if diff := cmp.Diff(want, body); resp.StatusCode != 422 || diff != "" || len(w.mint.called()) != 0 {
					t.Errorf("status %d, %d mints, body (-want +got):\n%s", resp.StatusCode, len(w.mint.called()), diff)
				}
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %v", resp.StatusCode, body)
			}
			calls := w.mint.called()
			if len(calls) != 1 {
				t.Fatalf("%d mints", len(calls))
			}
			if diff := cmp.Diff(tt.want, calls[0].Packages); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewPyPIRefuses(t *testing.T) {
	w := newWorld(t)
	for name, cfg := range map[string]exchange.Config{
		"no verifier":    {Mint: w.mint.Mint},
		"no minter":      {Verifier: w.v},
		"negative retry": {Verifier: w.v, Mint: w.mint.Mint, RetryAfter: -time.Second},
	} {
		if p, err := exchange.NewPyPI(cfg); err == nil || p != nil {
			t.Errorf("%s: NewPyPI = %v, %v", name, p, err)
		}
		if n, err := exchange.NewNPM(cfg); err == nil || n != nil {
			t.Errorf("%s: NewNPM = %v, %v", name, n, err)
		}
	}
}
