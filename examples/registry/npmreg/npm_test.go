package npmreg_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/examples/registry/npmreg"
	"github.com/trustpub/trustpub/internal/npmtest"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
	"github.com/trustpub/trustpub/publisher/exchange"
)

// What npm logs at --loglevel verbose when the exchange worked, and when
// it did not (then it falls back, silently otherwise).
const (
	oidcUsed   = "npm verbose oidc Successfully retrieved and set token"
	oidcFailed = "npm verbose oidc Failed token exchange request with body message: "
)

// staticToken is a token in the npmrc, as a user's own would be.
const staticToken = "static-user-token"

// npmWorld is the real npm CLI, a CI provider of the test issuer, and
// npmreg behind trustpub's npm exchange (publisher/exchange), all over
// HTTPS trusted through the issuer's CA certificate.
type npmWorld struct {
	cli      *npmtest.CLI
	iss      *providertest.Issuer
	reg      *npmreg.Registry
	exchange *uploadTokens
	runner   *providertest.Runner // GitHub Actions' (newNPMWorld)
	opts     npmtest.Options

	mu   sync.Mutex
	puts []string // how each authorized PUT was authenticated: "oidc" or "static"
}

// release is the workflow registered as hello's trusted publisher.
func release() *claims.GitHub {
	return providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0")
}

// newNPMWorld is GitHub Actions: octo-org/hello's release.yml publishes
// hello and @octo/hello, its other.yml publishes other, and npm runs in a
// job of release.yml.
func newNPMWorld(t *testing.T) *npmWorld {
	t.Helper()
	gh := providertest.New(t, oidctest.Options{})
	policy := func(file string) *publisher.GitHub {
		return &publisher.GitHub{IssuerURL: gh.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: file}
	}
	w := startNPMWorld(t, gh, gh.GitHub(),
		publisher.Registered{ID: "hello-release", Policy: policy("release.yml"), Packages: []string{"hello", "@octo/hello"}},
		publisher.Registered{ID: "other-release", Policy: policy("other.yml"), Packages: []string{"other"}})
	w.runner = gh.ActionsRunner(t, release())
	w.opts.Env = w.runner.Env()
	return w
}

// startNPMWorld serves npmreg and the npm exchange with iss's certificate,
// the exchange trusting provider and pubs. w.opts has no environment: the
// world's CI gives it one.
func startNPMWorld(t *testing.T, iss *providertest.Issuer, provider providers.Provider, pubs ...publisher.Registered) *npmWorld {
	t.Helper()
	cli := npmtest.Install(t)
	store, err := publisher.NewMemoryStore(pubs...)
	if err != nil {
		t.Fatal(err)
	}
	// npm asks GitHub Actions for audience npm:<registry host>, without
	// port; a CircleCI job mints NPM_ID_TOKEN for it.
	v, err := publisher.New(publisher.Config{Audience: "npm:127.0.0.1",
		Providers: []providers.Provider{provider}, Publishers: store, HTTPClient: iss.Client()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	w := &npmWorld{cli: cli, iss: iss, exchange: &uploadTokens{tokens: map[string][]string{}}}
	npmExchange, err := exchange.NewNPM(exchange.Config{Verifier: v, Mint: w.exchange.mint})
	if err != nil {
		t.Fatal(err)
	}
	w.reg, err = npmreg.New(npmreg.Config{Authorize: w.authorize})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(exchange.NPMPattern, w.exchange.record(npmExchange))
	mux.Handle("/", w.reg)
	srv := iss.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	w.opts = npmtest.Options{Registry: srv.URL + "/", CACerts: [][]byte{iss.CACertPEM()}}
	return w
}

func (w *npmWorld) authorize(r *http.Request, pkg string) error {
	how := ""
	switch tok := npmreg.BearerToken(r); {
	case tok == "":
		return fmt.Errorf("log in to publish %s: %w", pkg, npmreg.ErrUnauthenticated)
	case tok == staticToken:
		how = "static"
	case w.exchange.mayPublish(tok, pkg):
		how = "oidc"
	default:
		return errors.New("this token may not publish " + pkg)
	}
	w.mu.Lock()
	w.puts = append(w.puts, how)
	w.mu.Unlock()
	return nil
}

func (w *npmWorld) authorized() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.puts...)
}

// published reports whether the registry stored name at version.
func (w *npmWorld) published(name, version string) bool {
	_, ok := w.reg.Tarball(name, version)
	return ok
}

// A user's static token in the npmrc, no CI: the PUT protocol works with
// the real CLI, and so do the packument and tarball it installs from.
func TestNPMPublishStaticToken(t *testing.T) {
	w := newNPMWorld(t)
	o := w.opts
	o.Env = nil // not in CI: npm does not try the exchange
	o.Npmrc = []string{npmtest.AuthToken(o.Registry, staticToken)}
	res := w.cli.Publish(t, npmtest.WritePackage(t, "hello", "1.0.0"), o)
	if res.ExitCode != 0 {
		t.Fatal(res)
	}
	if !w.published("hello", "1.0.0") || strings.Contains(res.Stderr, "npm verbose oidc") {
		t.Errorf("not published with the static token alone:\n%s", res)
	}
	if got := w.exchange.asked(); len(got) != 0 {
		t.Errorf("the exchange was asked outside CI: %v", got)
	}

	// npm installs it back: GET /hello, the tarball, its integrity.
	project := t.TempDir()
	res = w.cli.Run(t, project, o, "install", "--no-package-lock", "hello@1.0.0")
	if res.ExitCode != 0 {
		t.Fatal(res)
	}
	got, err := os.ReadFile(filepath.Join(project, "node_modules", "hello", "index.js"))
	if err != nil || !bytes.Contains(got, []byte(`"hello@1.0.0"`)) {
		t.Errorf("installed index.js %q, %v", got, err)
	}
}

// In GitHub Actions without a token: npm exchanges the runner's OIDC token
// for a registry token and publishes with it.
func TestNPMTrustedPublishing(t *testing.T) {
	w := newNPMWorld(t)
	for _, name := range []string{"hello", "@octo/hello"} {
		res := w.cli.Publish(t, npmtest.WritePackage(t, name, "1.0.0"), w.opts)
		if res.ExitCode != 0 || !strings.Contains(res.Stderr, oidcUsed) {
			t.Fatalf("%s: the exchange was not used:\n%s", name, res)
		}
		if !w.published(name, "1.0.0") {
			t.Errorf("%s: not stored", name)
		}
	}
	want := []string{exchange.NPMPattern + "hello", exchange.NPMPattern + "@octo%2fhello"}
	if diff := cmp.Diff(want, w.exchange.asked()); diff != "" {
		t.Errorf("exchange requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"npm:127.0.0.1", "npm:127.0.0.1"}, w.runner.Audiences()); diff != "" {
		t.Errorf("audiences asked of the runner (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"oidc", "oidc"}, w.authorized()); diff != "" {
		t.Errorf("PUTs authorized by (-want +got):\n%s", diff)
	}
}

// Refusals: npm logs the registry's message at verbose, falls back to no
// credential, and fails with ENEEDAUTH.
func TestNPMTrustedPublishingRefused(t *testing.T) {
	w := newNPMWorld(t)
	tests := []struct {
		name    string
		pkg     string
		claims  *claims.GitHub
		message string
	}{
		{"unregistered workflow", "hello", providertest.GitHubWorkflow("octo-org/hello", "9919", "ci.yml", "refs/heads/main"),
			`No trusted publisher of "hello" accepts this token of "octo-org/hello" on https://127.0.0.1:`},
		{"publisher of another package", "other", release(),
			`No trusted publisher of "other" accepts this token of "octo-org/hello" on https://127.0.0.1:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.runner.SetClaims(tt.claims)
			res := w.cli.Publish(t, npmtest.WritePackage(t, tt.pkg, "1.0.0"), w.opts)
			if res.ExitCode == 0 || !strings.Contains(res.Stderr, oidcFailed+tt.message) ||
				!strings.Contains(res.Stderr, "ENEEDAUTH") || strings.Contains(res.Stderr, oidcUsed) {
				t.Errorf("want a refusal with %q:\n%s", tt.message, res)
			}
			if w.published(tt.pkg, "1.0.0") {
				t.Error("published")
			}
		})
	}
	if got := w.authorized(); len(got) != 0 {
		t.Errorf("PUTs authorized: %v", got)
	}
}

// A token refused for a package its publisher may not publish is not
// spent: npm, asking again with a token of the same identity (jti), then
// publishes the package the publisher may.
func TestNPMRefusedTokenNotSpent(t *testing.T) {
	w := newNPMWorld(t)
	w.runner.SetClaims(release(), oidctest.JWTID("one-run-one-token"))
	res := w.cli.Publish(t, npmtest.WritePackage(t, "other", "1.0.0"), w.opts)
	want := oidcFailed + `No trusted publisher of "other" accepts this token of "octo-org/hello"`
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, want) ||
		!strings.Contains(res.Stderr, `workflow: the publisher expects other.yml, the token was issued to ".github/workflows/release.yml" (claim workflow_ref)`) {
		t.Fatalf("want a refusal for other:\n%s", res)
	}
	if strings.Contains(res.Stderr, "hello-release") || strings.Contains(res.Stderr, "@octo/hello") {
		t.Errorf("the refusal names another package's publisher:\n%s", res)
	}
	res = w.cli.Publish(t, npmtest.WritePackage(t, "hello", "1.0.0"), w.opts)
	if res.ExitCode != 0 || !strings.Contains(res.Stderr, oidcUsed) || !w.published("hello", "1.0.0") {
		t.Fatalf("the same token was spent:\n%s", res)
	}
	// Now it is: a third publish with the same identity is refused.
	res = w.cli.Publish(t, npmtest.WritePackage(t, "hello", "1.0.1"), w.opts)
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, oidcFailed+"The token has already been used; request a new one.") {
		t.Errorf("want the reused token refused:\n%s", res)
	}
}

// npm falls back silently: with the exchange refused and a token in the
// npmrc, it publishes with that token and exits 0. Only the verbose log
// tells, which is why the tests above read it.
func TestNPMFallsBackSilently(t *testing.T) {
	w := newNPMWorld(t)
	w.runner.SetClaims(providertest.GitHubWorkflow("octo-org/hello", "9919", "ci.yml", "refs/heads/main"))
	o := w.opts
	o.Npmrc = []string{npmtest.AuthToken(o.Registry, staticToken)}
	res := w.cli.Publish(t, npmtest.WritePackage(t, "hello", "1.0.0"), o)
	if res.ExitCode != 0 || !strings.Contains(res.Stderr, oidcFailed) || strings.Contains(res.Stderr, oidcUsed) {
		t.Fatalf("want a publish after a failed exchange:\n%s", res)
	}
	if diff := cmp.Diff([]string{"static"}, w.authorized()); diff != "" {
		t.Errorf("PUTs authorized by (-want +got):\n%s", diff)
	}
}
