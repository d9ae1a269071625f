package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
	"github.com/trustpub/trustpub/publisher/gateway"
)

// world is a test issuer playing GitHub Actions, two registered publishers
// of octo-org/hello (release.yml and nightly.yml), and a verifier.
type world struct {
	iss   *providertest.Issuer
	store *publisher.MemoryStore
	v     *publisher.Verifier
}

func newWorld(t *testing.T) *world {
	t.Helper()
	iss := providertest.New(t, oidctest.Options{})
	policy := func(file string) *publisher.GitHub {
		return &publisher.GitHub{IssuerURL: iss.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: file}
	}
	store, err := publisher.NewMemoryStore(
		publisher.Registered{ID: "release", Policy: policy("release.yml")},
		publisher.Registered{ID: "nightly", Policy: policy("nightly.yml")},
	)
	if err != nil {
		t.Fatal(err)
	}
	return &world{iss: iss, store: store, v: newVerifier(t, iss, store)}
}

func newVerifier(t *testing.T, iss *providertest.Issuer, store publisher.Store) *publisher.Verifier {
	t.Helper()
	v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience,
		Providers: []providers.Provider{iss.GitHub()}, Publishers: store, HTTPClient: iss.Client()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func workflow(file string) *claims.GitHub {
	return providertest.GitHubWorkflow("octo-org/hello", "9919", file, "refs/tags/v1.0.0")
}

func (w *world) mint(t *testing.T, c *claims.GitHub, opts ...oidctest.MintOption) string {
	t.Helper()
	tok, err := w.iss.MintGitHub(c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// seen is what the handler behind the gateway saw.
type seen struct {
	calls  int
	res    *publisher.Result
	auth   []string
	method string
}

func (s *seen) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls++
		s.res, _ = gateway.ResultFrom(r.Context())
		s.auth = r.Header.Values("Authorization")
		s.method = r.Method
		io.WriteString(w, "ok")
	})
}

func newGateway(t *testing.T, cfg gateway.Config) *gateway.Gateway {
	t.Helper()
	g, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// serve sends a request through h over a real server, with the given
// Authorization headers.
func serve(t *testing.T, h http.Handler, auth ...string) (*http.Response, map[string]string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/upload", strings.NewReader("artifact"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var fields map[string]string
	if resp.StatusCode != http.StatusOK {
		if err := json.Unmarshal(body, &fields); err != nil {
			t.Fatalf("status %d, body %q is not a JSON object of strings: %v", resp.StatusCode, body, err)
		}
	}
	return resp, fields
}

func TestGatewayLetsThrough(t *testing.T) {
	w := newWorld(t)
	var s seen
	h := newGateway(t, gateway.Config{Verifier: w.v, Allow: gateway.AnyPublisher}).Wrap(s.handler())
	resp, _ := serve(t, h, "bearer "+w.mint(t, workflow("release.yml")))
	if resp.StatusCode != http.StatusOK || s.calls != 1 {
		t.Fatalf("status %d, %d calls; want 200, 1", resp.StatusCode, s.calls)
	}
	if s.res == nil {
		t.Fatal("ResultFrom found no result")
	}
	if got := []string{s.res.Publishers[0].ID}; len(s.res.Publishers) != 1 || got[0] != "release" {
		t.Errorf("publishers %v, want [release]", s.res.Publishers)
	}
	if got := s.res.Workload().Workflow; got != ".github/workflows/release.yml" {
		t.Errorf("workload's workflow %q", got)
	}
	if len(s.auth) != 0 || s.method != http.MethodPost {
		t.Errorf("the next handler saw Authorization %q, method %s", s.auth, s.method)
	}
}

func TestGatewayRefuses(t *testing.T) {
	w := newWorld(t)
	var s seen
	h := newGateway(t, gateway.Config{Verifier: w.v, Allow: gateway.Publishers("release"), Realm: "uploads"}).Wrap(s.handler())
	replayed := w.mint(t, workflow("release.yml"))
	if resp, _ := serve(t, h, "Bearer "+replayed); resp.StatusCode != http.StatusOK {
		t.Fatalf("first use: status %d", resp.StatusCode)
	}
	s.calls = 0

	invalid := func(msg string) (string, map[string]string) {
		return `Bearer realm="uploads", error="invalid_token", error_description="` + msg + `"`,
			map[string]string{"error": "invalid_token", "error_description": msg}
	}
	tests := []struct {
		name      string
		auth      []string
		status    int
		challenge string
		body      map[string]string
	}{
		{name: "no token", status: 401, challenge: `Bearer realm="uploads"`,
			body: map[string]string{"error_description": "A bearer token is required."}},
		{name: "another scheme", auth: []string{"Basic dXNlcjpwYXNz"}, status: 401, challenge: `Bearer realm="uploads"`,
			body: map[string]string{"error_description": "A bearer token is required."}},
		{name: "two headers", auth: []string{"Bearer a", "Bearer b"}, status: 400,
			body: map[string]string{"error": "invalid_request", "error_description": "Send exactly one Authorization header."}},
		{name: "too large", auth: []string{"Bearer " + strings.Repeat("a", oidc.MaxTokenSizeLimit+1)}, status: 401},
		{name: "too large for the verifier", auth: []string{"Bearer " + strings.Repeat("a", oidc.DefaultMaxTokenSize+1)}, status: 401},
		{name: "not b64token", auth: []string{"Bearer a;b"}, status: 401},
		{name: "not a JWT", auth: []string{"Bearer abc"}, status: 401},
		{name: "expired", auth: []string{"Bearer " + w.mint(t, workflow("release.yml"), oidctest.Expired())}, status: 401},
		{name: "wrong audience", auth: []string{"Bearer " + w.mint(t, workflow("release.yml"), oidctest.Audience("other"))}, status: 401},
		{name: "no publisher", auth: []string{"Bearer " + w.mint(t, workflow("ci.yml"))}, status: 401},
		{name: "replayed", auth: []string{"Bearer " + replayed}, status: 401},
		{name: "refused by the rule", auth: []string{"Bearer " + w.mint(t, workflow("nightly.yml"))}, status: 403,
			challenge: `Bearer realm="uploads", error="insufficient_scope", error_description="The token's trusted publisher may not use this service."`,
			body:      map[string]string{"error": "insufficient_scope", "error_description": "The token's trusted publisher may not use this service."}},
	}
	messages := map[string]string{
		"too large":                  "The token is too large.",
		"too large for the verifier": "The token is too large.",
		"not b64token":               "The token is not a well-formed signed JWT.",
		"not a JWT":                  "The token is not a well-formed signed JWT.",
		"expired":                    "The token has expired; request a new one.",
		"wrong audience":             "The token is not meant for this registry: wrong audience.",
		"no publisher":               "The token is valid, but no trusted publisher registered here accepts it.",
		"replayed":                   "The token has already been used; request a new one.",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if msg, ok := messages[tt.name]; ok {
				tt.challenge, tt.body = invalid(msg)
			}
			resp, body := serve(t, h, tt.auth...)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.challenge)
			}
			if diff := cmp.Diff(tt.body, body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	if s.calls != 0 {
		t.Errorf("the next handler ran %d times for refused requests", s.calls)
	}
}

// failingStore is a publisher store that is down.
type failingStore struct{}

func (failingStore) Lookup(context.Context, string, string) ([]publisher.Registered, error) {
	return nil, errors.New("connection refused")
}

// An outage is the registry's, not the client's: 503 with Retry-After and
// no challenge, and the request goes no further.
func TestGatewayOutage(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name  string
		setup func() *publisher.Verifier
	}{
		{"store down", func() *publisher.Verifier { return newVerifier(t, w.iss, failingStore{}) }},
		{"issuer's keys unavailable", func() *publisher.Verifier {
			w.iss.Fail(http.StatusInternalServerError)
			return newVerifier(t, w.iss, w.store) // a new key cache that never fetched the keys
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s seen
			h := newGateway(t, gateway.Config{Verifier: tt.setup(), Allow: gateway.AnyPublisher, RetryAfter: 90_500_000_000}).Wrap(s.handler())
			resp, body := serve(t, h, "Bearer "+w.mint(t, workflow("release.yml")))
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "91" ||
				resp.Header.Get("WWW-Authenticate") != "" || body["error"] != "temporarily_unavailable" || s.calls != 0 {
				t.Errorf("status %d, Retry-After %q, WWW-Authenticate %q, body %v, %d calls",
					resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("WWW-Authenticate"), body, s.calls)
			}
		})
	}
}

// The log records who passed and why others did not, and never the token.
func TestGatewayLog(t *testing.T) {
	w := newWorld(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	var s seen
	h := newGateway(t, gateway.Config{Verifier: w.v, Allow: gateway.Publishers("release"), Logger: logger}).Wrap(s.handler())
	toks := []string{w.mint(t, workflow("release.yml")), w.mint(t, workflow("nightly.yml")), w.mint(t, workflow("ci.yml"))}
	for _, tok := range toks {
		serve(t, h, "Bearer "+tok)
	}
	serve(t, h, "Bearer "+toks[0]) // replayed
	log := buf.String()
	for _, want := range []string{
		`msg="gateway: accepted" method=POST path=/upload workload.provider=github`,
		`workload.repository=octo-org/hello`, `publishers=[release]`,
		`msg="gateway: refused by the rule"`, `publishers=[nightly]`,
		`class=no-publisher`, `the token was issued to \".github/workflows/ci.yml\"`,
		`class=token-reused`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
	for _, tok := range toks {
		sig := tok[strings.LastIndexByte(tok, '.')+1:]
		if strings.Contains(log, sig) {
			t.Errorf("the log holds a token:\n%s", log)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	w := newWorld(t)
	for name, cfg := range map[string]gateway.Config{
		"no verifier":       {Allow: gateway.AnyPublisher},
		"no rule":           {Verifier: w.v},
		"negative retry":    {Verifier: w.v, Allow: gateway.AnyPublisher, RetryAfter: -1},
		"realm with quote":  {Verifier: w.v, Allow: gateway.AnyPublisher, Realm: `a"b`},
		"realm with break":  {Verifier: w.v, Allow: gateway.AnyPublisher, Realm: "a\nb"},
		"realm not ASCII":   {Verifier: w.v, Allow: gateway.AnyPublisher, Realm: "réalm"},
		"realm with escape": {Verifier: w.v, Allow: gateway.AnyPublisher, Realm: `a\b`},
	} {
		if g, err := gateway.New(cfg); err == nil || g != nil {
			t.Errorf("%s: New = %v, %v; want an error", name, g, err)
		}
	}
}

func TestResultFrom(t *testing.T) {
	if res, ok := gateway.ResultFrom(context.Background()); ok || res != nil {
		t.Errorf("ResultFrom(empty) = %v, %v", res, ok)
	}
	if res, ok := gateway.ResultFrom(gateway.NewContext(context.Background(), nil)); ok || res != nil {
		t.Errorf("ResultFrom(nil result) = %v, %v", res, ok)
	}
	want := &publisher.Result{}
	if res, ok := gateway.ResultFrom(gateway.NewContext(context.Background(), want)); !ok || res != want {
		t.Errorf("ResultFrom = %v, %v", res, ok)
	}
}
