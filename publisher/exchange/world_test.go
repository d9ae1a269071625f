package exchange_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// world is a test issuer playing GitHub Actions, publishers of
// octo-org/hello, a verifier and a recording Minter.
type world struct {
	iss   *providertest.Issuer
	store *publisher.MemoryStore
	v     *publisher.Verifier
	mint  *minter
	log   bytes.Buffer
}

const audience = oidctest.DefaultAudience

// newWorld registers rows(w), or by default octo-org/hello's release.yml
// as the publisher "hello" of hello, @octo/hello and JSONStream.
func newWorld(t *testing.T, rows ...func(*world) []publisher.Registered) *world {
	t.Helper()
	w := &world{iss: providertest.New(t, oidctest.Options{}), mint: &minter{exp: time.Now().Add(15 * time.Minute)}}
	pubs := []publisher.Registered{{ID: "hello", Policy: w.policy("release.yml"), Packages: []string{"hello", "@octo/hello", "JSONStream"}}}
	if len(rows) > 0 {
		pubs = rows[0](w)
	}
	var err error
	if w.store, err = publisher.NewMemoryStore(pubs...); err != nil {
		t.Fatal(err)
	}
	w.v = newVerifier(t, w.iss, w.store)
	return w
}

func newVerifier(t *testing.T, iss *providertest.Issuer, store publisher.Store) *publisher.Verifier {
	t.Helper()
	v, err := publisher.New(publisher.Config{Audience: audience,
		Providers: []providers.Provider{iss.GitHub()}, Publishers: store, HTTPClient: iss.Client()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// policy is octo-org/hello's workflow file.
func (w *world) policy(file string) *publisher.GitHub {
	return &publisher.GitHub{IssuerURL: w.iss.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: file}
}

func (w *world) logger() *slog.Logger { return slog.New(slog.NewTextHandler(&w.log, nil)) }

func workflow(file string) *claims.GitHub {
	return providertest.GitHubWorkflow("octo-org/hello", "9919", file, "refs/tags/v1.0.0")
}

func (w *world) token(t *testing.T, c *claims.GitHub, opts ...oidctest.MintOption) string {
	t.Helper()
	tok, err := w.iss.MintGitHub(c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// minted is one call of the Minter.
type minted struct {
	Publishers []string
	Packages   []string
}

// minter records its calls and mints "minted-<n>", or fails with err.
type minter struct {
	mu    sync.Mutex
	calls []minted
	err   error
	exp   time.Time
	empty bool // mint an empty token
}

func (m *minter) Mint(_ context.Context, res *publisher.Result, pkgs []string) (string, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for _, p := range res.Publishers {
		ids = append(ids, p.ID)
	}
	m.calls = append(m.calls, minted{ids, pkgs})
	if m.err != nil {
		return "", time.Time{}, m.err
	}
	if m.empty {
		return "", m.exp, nil
	}
	return fmt.Sprintf("minted-%d", len(m.calls)), m.exp, nil
}

func (m *minter) called() []minted {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]minted(nil), m.calls...)
}

// do sends a request through h over a real server and decodes the JSON
// answer. path is sent as written, escapes included.
func do(t *testing.T, h http.Handler, method, path string, header http.Header, body string) (*http.Response, map[string]any) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if method != http.MethodHead {
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("status %d, body %q: %v", resp.StatusCode, raw, err)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
	}
	return resp, v
}

// failingStore is a publisher store that is down.
type failingStore struct{}

func (failingStore) Lookup(context.Context, string, string) ([]publisher.Registered, error) {
	return nil, errors.New("connection refused")
}

// noTokens checks that the log holds none of the tokens.
func noTokens(t *testing.T, log string, toks ...string) {
	t.Helper()
	for _, tok := range toks {
		if i := strings.LastIndexByte(tok, '.'); i >= 0 {
			tok = tok[i+1:] // a JWT's signature
		}
		if strings.Contains(log, tok) {
			t.Errorf("the log holds a token:\n%s", log)
		}
	}
}
