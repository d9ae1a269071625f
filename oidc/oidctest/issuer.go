// Package oidctest is a local OIDC issuer for tests: real HTTPS (discovery,
// JWKS, real RSA keys, rotation and outages on demand) minting tokens of any
// claims, and broken ones on purpose, plus a contract test for replay stores.
//
// It knows no CI provider: package providertest builds provider tokens (the
// claims of GitHub, GitLab, Google, ActiveState, CircleCI, Semaphore and
// Buildkite runs) on top of it. A
// token minted here goes through exactly the verification a real one does.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustpub/trustpub/oidc"
)

// Options configures an Issuer. The zero value is usable.
type Options struct {
	// Path is appended to the server's URL to form the issuer, e.g.
	// "/_services/token" for a GitHub Enterprise Server layout.
	Path string
	// KeyBits is the RSA key size. Default 2048.
	KeyBits int
	// Now is the clock for minted tokens. Default time.Now.
	Now func() time.Time
	// Audience is the aud of minted tokens. Default DefaultAudience.
	Audience string
}

// DefaultAudience is the audience minted tokens carry unless told otherwise.
const DefaultAudience = "trustpub-test"

// Issuer is a local OIDC issuer on an httptest TLS server. One server can
// serve several issuers under different paths (AddIssuer), each with its
// own keys and state: the members of an issuer family.
type Issuer struct {
	srv      *httptest.Server
	host     *host  // routes the server's requests to its issuers
	base     string // the issuer's path on the server, "" or "/…"
	root     bool   // started the server (NewIssuer), not added to it
	url      string
	bits     int
	now      func() time.Time
	audience string

	mu        sync.Mutex
	keys      []*Key // published, current last
	signer    *Key
	jwks      []byte // overrides the published set when non-nil
	status    int    // JWKS answers with this status when non-zero
	cacheCtl  string
	discCtl   string
	delay     time.Duration
	requests  map[string]int
	discovery map[string]any // overrides the discovery document when non-nil
}

// Key is a signing key of the issuer.
type Key struct {
	ID      string          // the kid tokens signed with it carry
	Private *rsa.PrivateKey // the RSA signing key; its public half is published
}

// NewIssuer starts an issuer with one signing key. Close stops it.
func NewIssuer(opts Options) (*Issuer, error) {
	if opts.KeyBits == 0 {
		opts.KeyBits = 2048
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Audience == "" {
		opts.Audience = DefaultAudience
	}
	i := &Issuer{root: true, bits: opts.KeyBits, now: opts.Now, audience: opts.Audience, requests: make(map[string]int)}
	if _, err := i.Rotate(); err != nil {
		return nil, err
	}
	i.base = strings.TrimSuffix(opts.Path, "/")
	i.host = &host{issuers: map[string]*Issuer{i.base: i}}
	i.srv = httptest.NewTLSServer(i.host)
	i.url = i.srv.URL + i.base
	return i, nil
}

// AddIssuer starts serving another issuer on i's server, at path (e.g.
// "/org/<id>"), with its own signing key, outages and counters, and i's key
// size, clock and audience: a member of an issuer family beside i. Closing
// the new issuer stops serving it; closing i stops the server.
func (i *Issuer) AddIssuer(path string) (*Issuer, error) {
	path = strings.TrimSuffix(path, "/")
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#") || strings.Contains(path, "/.well-known") {
		return nil, fmt.Errorf("oidctest: issuer path %q: want /segment[/segment…]", path)
	}
	m := &Issuer{srv: i.srv, host: i.host, base: path, url: i.srv.URL + path, bits: i.bits, now: i.now,
		audience: i.audience, requests: make(map[string]int)}
	if _, err := m.Rotate(); err != nil {
		return nil, err
	}
	if err := i.host.add(m); err != nil {
		return nil, err
	}
	return m, nil
}

// IssuerAt returns the issuer served at path on i's server, added by
// AddIssuer on first use: the one issuer of a family member, however many
// tokens are minted for it.
func (i *Issuer) IssuerAt(path string) (*Issuer, error) {
	path = strings.TrimSuffix(path, "/")
	i.host.mu.Lock()
	m := i.host.issuers[path]
	i.host.mu.Unlock()
	if m != nil {
		return m, nil
	}
	m, err := i.AddIssuer(path)
	if err != nil { // added meanwhile by another goroutine?
		i.host.mu.Lock()
		defer i.host.mu.Unlock()
		if m := i.host.issuers[path]; m != nil {
			return m, nil
		}
	}
	return m, err
}

// host routes a server's requests to the issuer whose path they are under.
type host struct {
	mu      sync.Mutex
	issuers map[string]*Issuer // by base path
}

func (h *host) add(i *Issuer) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, dup := h.issuers[i.base]; dup {
		return fmt.Errorf("oidctest: an issuer is already served at %q", i.base)
	}
	h.issuers[i.base] = i
	return nil
}

func (h *host) remove(i *Issuer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.issuers[i.base] == i {
		delete(h.issuers, i.base)
	}
}

func (h *host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	base, ok := strings.CutSuffix(r.URL.Path, "/.well-known/openid-configuration")
	if !ok {
		base, _ = strings.CutSuffix(r.URL.Path, "/.well-known/jwks")
	}
	h.mu.Lock()
	i := h.issuers[base]
	h.mu.Unlock()
	if i == nil {
		http.NotFound(w, r)
		return
	}
	i.serve(w, r)
}

// New starts an issuer for a test and stops it when the test ends.
func New(tb testing.TB, opts Options) *Issuer {
	tb.Helper()
	i, err := NewIssuer(opts)
	if err != nil {
		tb.Fatalf("oidctest: %v", err)
	}
	tb.Cleanup(i.Close)
	return i
}

// Close stops the server; for an issuer of AddIssuer, it stops serving
// that issuer only.
func (i *Issuer) Close() {
	if i.root {
		i.srv.Close()
		return
	}
	i.host.remove(i)
}

// URL is the issuer: the iss of its tokens.
func (i *Issuer) URL() string { return i.url }

// JWKSURL is where the key set is served.
func (i *Issuer) JWKSURL() string { return i.url + "/.well-known/jwks" }

// Client is an HTTP client that trusts the issuer's certificate.
func (i *Issuer) Client() *http.Client { return i.srv.Client() }

// BareURL is the issuer's URL without its scheme: how GitLab names its
// instance in ci_config_ref_uri, and Google's legacy iss form.
func (i *Issuer) BareURL() string { return strings.TrimPrefix(i.url, "https://") }

// OIDC describes the issuer for package oidc, keys found by discovery.
func (i *Issuer) OIDC() oidc.Issuer { return oidc.Issuer{URL: i.url} }

// Rotate adds a fresh key, publishes it and signs with it from now on. The
// old keys stay published until Retire.
func (i *Issuer) Rotate() (*Key, error) {
	priv, err := rsa.GenerateKey(rand.Reader, i.bits)
	if err != nil {
		return nil, fmt.Errorf("oidctest: generating key: %w", err)
	}
	k := &Key{ID: randomID(), Private: priv}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append(i.keys, k)
	i.signer = k
	return k, nil
}

// Retire stops publishing every key but the current signing key.
func (i *Issuer) Retire() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = []*Key{i.signer}
}

// Signer returns the current signing key.
func (i *Issuer) Signer() *Key {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.signer
}

// ServeJWKS makes the issuer serve body as its key set (a hostile or broken
// set); nil restores the real one.
func (i *Issuer) ServeJWKS(body []byte) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.jwks = body
}

// ServeDiscovery makes the issuer serve doc as its discovery document; nil
// restores the real one.
func (i *Issuer) ServeDiscovery(doc map[string]any) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.discovery = doc
}

// Fail makes discovery and JWKS answer with this HTTP status (an outage);
// 0 restores service.
func (i *Issuer) Fail(status int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.status = status
}

// Delay makes every answer wait d (a slow issuer).
func (i *Issuer) Delay(d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.delay = d
}

// CacheControl sets the Cache-Control header of the key set.
func (i *Issuer) CacheControl(v string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.cacheCtl = v
}

// DiscoveryCacheControl sets the Cache-Control header of the discovery
// document.
func (i *Issuer) DiscoveryCacheControl(v string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.discCtl = v
}

// Requests counts the requests served at a path, e.g. "/.well-known/jwks".
func (i *Issuer) Requests(path string) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.requests[strings.TrimPrefix(i.url, i.srv.URL)+path]
}

// JWKSRequests counts the key set requests served.
func (i *Issuer) JWKSRequests() int { return i.Requests("/.well-known/jwks") }

func (i *Issuer) serve(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	i.requests[r.URL.Path]++
	status, delay, override, ctl, disc, discCtl := i.status, i.delay, i.jwks, i.cacheCtl, i.discovery, i.discCtl
	keys := append([]*Key(nil), i.keys...)
	i.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			// Abort rather than answer: net/http may still hand an empty
			// 200 to a client whose deadline is just passing.
			panic(http.ErrAbortHandler)
		}
	}
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	base := strings.TrimPrefix(i.url, i.srv.URL)
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case base + "/.well-known/openid-configuration":
		if disc == nil {
			disc = map[string]any{
				"issuer": i.url, "jwks_uri": i.JWKSURL(),
				"id_token_signing_alg_values_supported": []string{"RS256"},
				"response_types_supported":              []string{"id_token"},
				"subject_types_supported":               []string{"public", "pairwise"},
			}
		}
		if discCtl != "" {
			w.Header().Set("Cache-Control", discCtl)
		}
		json.NewEncoder(w).Encode(disc)
	case base + "/.well-known/jwks":
		if ctl != "" {
			w.Header().Set("Cache-Control", ctl)
		}
		if override != nil {
			w.Write(override)
			return
		}
		body, err := PublicJWKS(keys...)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(body)
	default:
		http.NotFound(w, r)
	}
}

func randomID() string {
	var b [12]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}
