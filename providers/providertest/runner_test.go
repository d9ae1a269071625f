package providertest_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// fetchIDToken does what a client in the job does (actions/toolkit's
// getIDToken, npm's oidc): GET the request URL plus an audience.
func fetchIDToken(t *testing.T, r *providertest.Runner, audience string) (int, map[string]string) {
	t.Helper()
	u := r.RequestURL()
	if audience != "" {
		u += "&audience=" + url.QueryEscape(audience)
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+r.RequestToken())
	return do(t, r.Client(), req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (int, map[string]string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: body: %v", resp.Status, err)
	}
	return resp.StatusCode, body
}

// payload decodes a token's claims without verifying it.
func payload(t *testing.T, tok string) map[string]any {
	t.Helper()
	p := strings.Split(tok, ".")
	if len(p) != 3 {
		t.Fatalf("not a JWS: %q", tok)
	}
	b, err := base64.RawURLEncoding.DecodeString(p[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestActionsRunner(t *testing.T) {
	gh := providertest.New(t, oidctest.Options{})
	run := providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0")
	r := gh.ActionsRunner(t, run)

	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "hello", Policy: &publisher.GitHub{
		IssuerURL: gh.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml",
	}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := publisher.New(publisher.Config{Audience: "npm:127.0.0.1",
		Providers: []providers.Provider{gh.GitHub()}, Publishers: store, HTTPClient: gh.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()

	status, body := fetchIDToken(t, r, "npm:127.0.0.1")
	if status != http.StatusOK || body["value"] == "" {
		t.Fatalf("%d %v", status, body)
	}
	res, err := v.Verify(context.Background(), body["value"])
	if err != nil {
		t.Fatalf("the runner's token does not verify: %v", err)
	}
	if len(res.Publishers) != 1 || res.Publishers[0].ID != "hello" {
		t.Errorf("publishers %+v", res.Publishers)
	}

	// Without an audience, GitHub's default: the owner's URL.
	_, body = fetchIDToken(t, r, "")
	if aud := payload(t, body["value"])["aud"]; aud != "https://github.com/octo-org" {
		t.Errorf("default audience %v", aud)
	}

	// Claims changed between requests: another workflow no longer matches.
	r.SetClaims(providertest.GitHubWorkflow("octo-org/hello", "9919", "ci.yml", "refs/heads/main"))
	_, body = fetchIDToken(t, r, "npm:127.0.0.1")
	var nm *publisher.NoMatchError
	if _, err := v.Verify(context.Background(), body["value"]); !errors.As(err, &nm) {
		t.Errorf("another workflow's token: %v", err)
	}
	// Mint options after the audience: a broken token on purpose.
	r.SetClaims(run, oidctest.Expired())
	_, body = fetchIDToken(t, r, "npm:127.0.0.1")
	if _, err := v.Verify(context.Background(), body["value"]); !errors.Is(err, oidc.ErrExpired) {
		t.Errorf("expired token: %v", err)
	}
	// SetClaims copies: editing the caller's value changes nothing served.
	r.SetClaims(run)
	run.Repository = "mallory/hello"
	_, body = fetchIDToken(t, r, "npm:127.0.0.1")
	if repo := payload(t, body["value"])["repository"]; repo != "octo-org/hello" {
		t.Errorf("repository %v after the caller edited its claims", repo)
	}

	want := []string{"npm:127.0.0.1", "https://github.com/octo-org", "npm:127.0.0.1", "npm:127.0.0.1", "npm:127.0.0.1"}
	if diff := cmp.Diff(want, r.Audiences()); diff != "" {
		t.Errorf("Audiences (-want +got):\n%s", diff)
	}
}

func TestActionsRunnerRefusals(t *testing.T) {
	gh := providertest.New(t, oidctest.Options{})
	r := gh.ActionsRunner(t, nil)
	u := r.RequestURL() + "&audience=npm:127.0.0.1"
	base, _, _ := strings.Cut(r.RequestURL(), "?")
	tests := []struct {
		name, method, url, auth string
		want                    int
		header                  string // a header the refusal must carry
	}{
		{"no request token", "GET", u, "", http.StatusUnauthorized, "WWW-Authenticate"},
		{"empty bearer", "GET", u, "Bearer ", http.StatusUnauthorized, "WWW-Authenticate"},
		{"basic auth", "GET", u, "Basic " + r.RequestToken(), http.StatusUnauthorized, "WWW-Authenticate"},
		{"wrong request token", "GET", u, "Bearer x" + r.RequestToken(), http.StatusForbidden, ""},
		{"token prefix", "GET", u, "Bearer " + r.RequestToken()[:10], http.StatusForbidden, ""},
		{"POST", "POST", u, "Bearer " + r.RequestToken(), http.StatusMethodNotAllowed, "Allow"},
		{"HEAD", "HEAD", u, "Bearer " + r.RequestToken(), http.StatusMethodNotAllowed, "Allow"},
		{"no api-version", "GET", base + "?audience=x", "Bearer " + r.RequestToken(), http.StatusBadRequest, ""},
		{"two audiences", "GET", u + "&audience=other", "Bearer " + r.RequestToken(), http.StatusBadRequest, ""},
		{"another path", "GET", strings.Replace(u, "/_apis/", "/x/", 1), "Bearer " + r.RequestToken(), http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := r.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %s, want %d", resp.Status, tt.want)
			}
			if tt.header != "" && resp.Header.Get(tt.header) == "" {
				t.Errorf("no %s header", tt.header)
			}
			var body map[string]string
			if tt.method != "HEAD" {
				if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body["message"] == "" || body["value"] != "" {
					t.Errorf("body %v, %v", body, err)
				}
			}
		})
	}
	if got := r.Audiences(); len(got) != 0 {
		t.Errorf("refused requests were served tokens: %v", got)
	}
}

func TestActionsRunnerEnv(t *testing.T) {
	gh := providertest.New(t, oidctest.Options{})
	r := gh.ActionsRunner(t, nil)
	env := map[string]string{}
	for _, kv := range r.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	want := map[string]string{"GITHUB_ACTIONS": "true", "CI": "true",
		"ACTIONS_ID_TOKEN_REQUEST_URL": r.RequestURL(), "ACTIONS_ID_TOKEN_REQUEST_TOKEN": r.RequestToken()}
	if diff := cmp.Diff(want, env); diff != "" {
		t.Errorf("Env (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(r.RequestURL(), "https://127.0.0.1:") || !strings.HasSuffix(r.RequestURL(), "?api-version=2.0") {
		t.Errorf("RequestURL %s", r.RequestURL())
	}
	if len(r.RequestToken()) < 32 || r.RequestToken() == gh.ActionsRunner(t, nil).RequestToken() {
		t.Errorf("request token %q is short or shared", r.RequestToken())
	}
	// Trusted through the issuer's CA certificate alone, as node would.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(gh.CACertPEM())
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, err := http.NewRequest(http.MethodGet, r.RequestURL()+"&audience=x", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+r.RequestToken())
	if status, _ := do(t, c, req); status != http.StatusOK {
		t.Errorf("status %d", status)
	}
}
