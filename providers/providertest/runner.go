package providertest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc/oidctest"
)

// Runner is a GitHub Actions runner's ID-token endpoint, what a job with
// "permissions: id-token: write" finds in ACTIONS_ID_TOKEN_REQUEST_URL:
//
//	GET <RequestURL>&audience=<aud>
//	Authorization: Bearer <RequestToken>
//
// answers 200 {"value": "<jwt>"}, a GitHub token of the runner's claims for
// that audience, minted by the Issuer (GitHub's default audience,
// https://github.com/<owner>, when none is asked). It refuses a missing
// request token (401), a wrong one (403), a missing api-version or a
// repeated audience (400) and any method but GET (405), with a JSON
// {"message": …}. It serves HTTPS with the issuer's certificate, so clients
// that are not Go trust it through the issuer's CA file (WriteCAFile), as
// npm does through NODE_EXTRA_CA_CERTS.
type Runner struct {
	iss   *Issuer
	srv   *httptest.Server
	path  string
	token string

	mu        sync.Mutex
	claims    *claims.GitHub
	opts      []oidctest.MintOption
	audiences []string
}

// ActionsRunner starts a runner endpoint serving tokens of c (nil:
// GitHubClaims) for the test, stopped when the test ends.
func (i *Issuer) ActionsRunner(tb testing.TB, c *claims.GitHub) *Runner {
	tb.Helper()
	r := i.NewActionsRunner(c)
	tb.Cleanup(r.Close)
	return r
}

// NewActionsRunner starts a runner endpoint serving tokens of c (nil:
// GitHubClaims). Close stops it.
func (i *Issuer) NewActionsRunner(c *claims.GitHub) *Runner {
	r := &Runner{iss: i, token: randomHex(20)}
	r.SetClaims(c)
	// A path of its own, as GitHub's names the job: clients must use the
	// URL as given, not build one.
	r.path = "/" + randomHex(8) + "/_apis/distributedtask/idtoken"
	r.srv = i.NewTLSServer(http.HandlerFunc(r.serve))
	return r
}

// Close stops the endpoint.
func (r *Runner) Close() { r.srv.Close() }

// RequestURL is ACTIONS_ID_TOKEN_REQUEST_URL: it already carries
// ?api-version=2.0, so clients append &audience=….
func (r *Runner) RequestURL() string { return r.srv.URL + r.path + "?api-version=2.0" }

// RequestToken is ACTIONS_ID_TOKEN_REQUEST_TOKEN, the bearer token the
// endpoint requires.
func (r *Runner) RequestToken() string { return r.token }

// Env is the job's environment for a client run as a subprocess:
// GITHUB_ACTIONS=true, CI=true and the two ACTIONS_ID_TOKEN_REQUEST_*
// variables, as "KEY=value" for os/exec.Cmd.Env.
func (r *Runner) Env() []string {
	return []string{
		"GITHUB_ACTIONS=true",
		"CI=true",
		"ACTIONS_ID_TOKEN_REQUEST_URL=" + r.RequestURL(),
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN=" + r.token,
	}
}

// Client is an HTTP client that trusts the endpoint's certificate.
func (r *Runner) Client() *http.Client { return r.srv.Client() }

// SetClaims changes the claims of the tokens served from now on (nil:
// GitHubClaims), minted with opts after the requested audience: e.g.
// oidctest.Expired() or oidctest.Audience("other") to serve a bad token.
func (r *Runner) SetClaims(c *claims.GitHub, opts ...oidctest.MintOption) {
	if c == nil {
		c = GitHubClaims()
	}
	cc := *c
	cc.Extra = maps.Clone(c.Extra)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.claims, r.opts = &cc, opts
}

// Audiences lists the audience of each token served, in order: what the
// client asked for, or GitHub's default.
func (r *Runner) Audiences() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.audiences...)
}

func (r *Runner) serve(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	q := req.URL.Query()
	auth, hasBearer := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	switch {
	case req.Method != http.MethodGet:
		w.Header().Set("Allow", http.MethodGet)
		refuse(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	case req.URL.Path != r.path:
		refuse(w, http.StatusNotFound, "not found")
		return
	case !hasBearer || auth == "":
		w.Header().Set("WWW-Authenticate", "Bearer")
		refuse(w, http.StatusUnauthorized, "a bearer request token is required")
		return
	case subtle.ConstantTimeCompare([]byte(auth), []byte(r.token)) != 1:
		refuse(w, http.StatusForbidden, "the request token is not valid for this job")
		return
	case q.Get("api-version") == "":
		refuse(w, http.StatusBadRequest, "api-version is required")
		return
	case len(q["audience"]) > 1:
		refuse(w, http.StatusBadRequest, "one audience at most")
		return
	}
	r.mu.Lock()
	c, opts := r.claims, r.opts
	aud := q.Get("audience")
	if aud == "" {
		aud = "https://github.com/" + c.RepositoryOwner
	}
	r.audiences = append(r.audiences, aud)
	r.mu.Unlock()
	tok, err := r.iss.MintGitHub(c, append([]oidctest.MintOption{oidctest.Audience(aud)}, opts...)...)
	if err != nil {
		refuse(w, http.StatusInternalServerError, err.Error())
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"value": tok})
}

func refuse(w http.ResponseWriter, status int, msg string) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
