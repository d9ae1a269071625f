package exchange_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/publisher"
	"github.com/trustpub/trustpub/publisher/exchange"
)

func newNPM(t *testing.T, w *world, v *publisher.Verifier) *exchange.NPM {
	t.Helper()
	n, err := exchange.NewNPM(exchange.Config{Verifier: v, Mint: w.mint.Mint, Logger: w.logger()})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// Scoped names arrive escaped as npm sends them, or not; the Minter is
// asked for the named package alone.
func TestNPMExchangeNames(t *testing.T) {
	tests := []struct{ path, pkg string }{
		{"hello", "hello"},
		{"@octo%2fhello", "@octo/hello"},
		{"@octo%2Fhello", "@octo/hello"},
		{"%40octo%2fhello", "@octo/hello"},
		{"@octo/hello", "@octo/hello"},
		{"JSONStream", "JSONStream"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := newWorld(t)
			n := newNPM(t, w, w.v)
			tok := w.token(t, workflow("release.yml"))
			resp, body := do(t, n, http.MethodPost, exchange.NPMPattern+tt.path, bearer(tok), "")
			if diff := cmp.Diff(map[string]any{"token": "minted-1"}, body); resp.StatusCode != http.StatusCreated || diff != "" {
				t.Fatalf("status %d, body (-want +got):\n%s", resp.StatusCode, diff)
			}
			if diff := cmp.Diff([]minted{{Publishers: []string{"hello"}, Packages: []string{tt.pkg}}}, w.mint.called()); diff != "" {
				t.Errorf("mint calls (-want +got):\n%s", diff)
			}
			log := w.log.String()
			if !strings.Contains(log, `msg="trusted publishing exchange: minted"`) || !strings.Contains(log, "package="+tt.pkg) {
				t.Errorf("log:\n%s", log)
			}
			noTokens(t, log, tok, "minted-1")
		})
	}
}

func TestNPMExchangeRefusals(t *testing.T) {
	w := newWorld(t)
	n := newNPM(t, w, w.v)
	replayed := w.token(t, workflow("release.yml"))
	if resp, _ := do(t, n, http.MethodPost, exchange.NPMPattern+"hello", bearer(replayed), ""); resp.StatusCode != http.StatusCreated {
		t.Fatalf("first use: status %d", resp.StatusCode)
	}
	const badName = "The path does not name a valid npm package."
	good := func() http.Header { return bearer(w.token(t, workflow("release.yml"))) }
	tests := []struct {
		name   string
		method string
		path   string
		header http.Header
		body   string
		status int
		msg    string
	}{
		{"GET", "GET", "hello", good(), "", 405, "Use POST."},
		{"no name", "POST", "", good(), "", 400, badName},
		{"dot dot", "POST", "%2e%2e", good(), "", 400, badName},
		{"space", "POST", "hello%20world", good(), "", 400, badName},
		{"slash unscoped", "POST", "a%2fb", good(), "", 400, badName},
		{"empty scope", "POST", "@%2fhello", good(), "", 400, badName},
		{"scope alone", "POST", "@octo%2f", good(), "", 400, badName},
		{"two slashes", "POST", "@octo%2fa%2fb", good(), "", 400, badName},
		{"double escaped", "POST", "@octo%252fhello", good(), "", 400, badName},
		{"leading underscore", "POST", "_hello", good(), "", 400, badName},
		{"too long", "POST", strings.Repeat("a", 215), good(), "", 400, badName},
		{"a body", "POST", "hello", good(), "{}", 413, "The exchange takes no body."},
		{"no token", "POST", "hello", nil, "", 401, "An OIDC token is required: Authorization: Bearer <token>."},
		{"two tokens", "POST", "hello", http.Header{"Authorization": {"Bearer a", "Bearer b"}}, "", 400, "Send exactly one Authorization header."},
		{"token too large", "POST", "hello", bearer(strings.Repeat("a", oidc.MaxTokenSizeLimit+1)), "", 401, "The token is too large."},
		{"not a JWT", "POST", "hello", bearer("abc"), "", 401, "The token is not a well-formed signed JWT."},
		{"expired", "POST", "hello", bearer(w.token(t, workflow("release.yml"), oidctest.Expired())), "", 401, "The token has expired; request a new one."},
		{"replayed", "POST", "hello", bearer(replayed), "", 401, "The token has already been used; request a new one."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, n, tt.method, exchange.NPMPattern+tt.path, tt.header, tt.body)
			if diff := cmp.Diff(map[string]any{"message": tt.msg}, body); resp.StatusCode != tt.status || diff != "" {
				t.Errorf("status %d, want %d; body (-want +got):\n%s", resp.StatusCode, tt.status, diff)
			}
		})
	}
	if n := len(w.mint.called()); n != 1 {
		t.Errorf("minted %d times, want 1 (the first use)", n)
	}
	resp, _ := do(t, n, http.MethodPost, exchange.NPMPattern+"hello", nil, "")
	if resp.Header.Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("401 without a challenge")
	}
	resp, _ = do(t, n, http.MethodPut, exchange.NPMPattern+"hello", nil, "")
	if resp.Header.Get("Allow") != "POST" {
		t.Errorf("405 without Allow")
	}
}

// A token no publisher of the package accepts: 403 and why, from the
// package's own publishers.
func TestNPMExchangeExplains(t *testing.T) {
	w := newWorld(t)
	n := newNPM(t, w, w.v)
	resp, body := do(t, n, http.MethodPost, exchange.NPMPattern+"hello", bearer(w.token(t, workflow("ci.yml"))), "")
	want := fmt.Sprintf(`No trusted publisher of "hello" accepts this token of "octo-org/hello" on %s; publisher 1 of 1: `+
		`workflow: the publisher expects release.yml, the token was issued to ".github/workflows/ci.yml" (claim workflow_ref).`, w.iss.URL())
	if diff := cmp.Diff(map[string]any{"message": want}, body); resp.StatusCode != http.StatusForbidden || diff != "" {
		t.Errorf("status %d, body (-want +got):\n%s", resp.StatusCode, diff)
	}
}

// octoRows registers octo-org/hello's release.yml for hello, and its
// other.yml for other.
func octoRows(w *world) []publisher.Registered {
	return []publisher.Registered{
		{ID: "hello-release", Policy: w.policy("release.yml"), Packages: []string{"hello"}},
		{ID: "other-release", Policy: w.policy("other.yml"), Packages: []string{"other"}},
	}
}

// A token asked for a package its publisher may not publish is refused
// with that package's publishers' reasons alone, is not spent, and then
// works for the package its publisher may publish.
func TestNPMExchangeAnotherPackage(t *testing.T) {
	w := newWorld(t, octoRows)
	n := newNPM(t, w, w.v)
	tok := w.token(t, workflow("release.yml"))
	resp, body := do(t, n, http.MethodPost, exchange.NPMPattern+"other", bearer(tok), "")
	want := fmt.Sprintf(`No trusted publisher of "other" accepts this token of "octo-org/hello" on %s; publisher 1 of 1: `+
		`workflow: the publisher expects other.yml, the token was issued to ".github/workflows/release.yml" (claim workflow_ref).`, w.iss.URL())
	if diff := cmp.Diff(map[string]any{"message": want}, body); resp.StatusCode != http.StatusForbidden || diff != "" {
		t.Errorf("status %d, body (-want +got):\n%s", resp.StatusCode, diff)
	}
	// A package nobody registered, and one whose publishers are all on
	// another repository, say no more than that.
	resp, body = do(t, n, http.MethodPost, exchange.NPMPattern+"@octo%2funknown", bearer(tok), "")
	want = fmt.Sprintf(`No trusted publisher of "@octo/unknown" is registered for "octo-org/hello" on %s.`, w.iss.URL())
	if diff := cmp.Diff(map[string]any{"message": want}, body); resp.StatusCode != http.StatusForbidden || diff != "" {
		t.Errorf("status %d, body (-want +got):\n%s", resp.StatusCode, diff)
	}
	if len(w.mint.called()) != 0 {
		t.Fatalf("minted: %v", w.mint.called())
	}
	resp, body = do(t, n, http.MethodPost, exchange.NPMPattern+"hello", bearer(tok), "")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("the same token for hello: status %d, %v", resp.StatusCode, body)
	}
	if diff := cmp.Diff([]minted{{Publishers: []string{"hello-release"}, Packages: []string{"hello"}}}, w.mint.called()); diff != "" {
		t.Errorf("mint calls (-want +got):\n%s", diff)
	}
	// Now it is spent, for every package.
	resp, body = do(t, n, http.MethodPost, exchange.NPMPattern+"hello", bearer(tok), "")
	if resp.StatusCode != http.StatusUnauthorized || body["message"] != "The token has already been used; request a new one." {
		t.Errorf("reused: status %d, %v", resp.StatusCode, body)
	}
}

// An outage is a 503 with Retry-After, and the token is not spent.
func TestNPMExchangeOutage(t *testing.T) {
	w := newWorld(t)
	tok := w.token(t, workflow("release.yml"))
	resp, body := do(t, newNPM(t, w, newVerifier(t, w.iss, failingStore{})), http.MethodPost, exchange.NPMPattern+"hello", bearer(tok), "")
	want := map[string]any{"message": "The registry cannot verify tokens right now; try again later."}
	if diff := cmp.Diff(want, body); resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "30" || diff != "" {
		t.Errorf("status %d, Retry-After %q, body (-want +got):\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), diff)
	}
	if resp, _ := do(t, newNPM(t, w, w.v), http.MethodPost, exchange.NPMPattern+"hello", bearer(tok), ""); resp.StatusCode != http.StatusCreated {
		t.Errorf("after the outage: status %d", resp.StatusCode)
	}
}

// The Minter's failures, as npm's registry answers them.
func TestNPMExchangeMintFails(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
		msg    string
	}{
		{&exchange.Refusal{Message: "hello is deprecated"}, 403, "hello is deprecated"},
		{fmt.Errorf("db: %w", exchange.ErrUnavailable), 503, "The registry cannot issue upload tokens right now; try again later with a new token."},
		{fmt.Errorf("secret detail"), 500, "The registry could not issue an upload token because of an error on its side."},
	} {
		w := newWorld(t)
		w.mint.err = tt.err
		resp, body := do(t, newNPM(t, w, w.v), http.MethodPost, exchange.NPMPattern+"hello", bearer(w.token(t, workflow("release.yml"))), "")
		if diff := cmp.Diff(map[string]any{"message": tt.msg}, body); resp.StatusCode != tt.status || diff != "" {
			t.Errorf("%v: status %d, body (-want +got):\n%s", tt.err, resp.StatusCode, diff)
		}
	}
}
