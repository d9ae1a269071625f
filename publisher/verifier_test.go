package publisher_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustpub/trustpub/internal/leakcheck"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// The workload most tests mint tokens for.
const (
	repo    = "octo-org/hello"
	ownerID = "9919"
	tagRef  = "refs/tags/v1.0.0"
)

// ghPolicy is a GitHub publisher of repo on the kit's issuer.
func ghPolicy(iss *providertest.Issuer, workflow, env string) *publisher.GitHub {
	return &publisher.GitHub{IssuerURL: iss.URL(), Owner: "octo-org", OwnerID: ownerID,
		Repository: "hello", Workflow: workflow, Environment: env}
}

// release is the claims of a run of release.yml in repo on a tag, in the
// environment "Production" (the real run's).
func release() *claims.GitHub {
	return providertest.GitHubWorkflow(repo, ownerID, "release.yml", tagRef)
}

// countingReplay records the claims made on a real MemoryReplayStore.
type countingReplay struct {
	mu     sync.Mutex
	claims map[string]time.Time
	inner  *oidc.MemoryReplayStore
}

func newCountingReplay() *countingReplay {
	return &countingReplay{claims: map[string]time.Time{},
		inner: oidc.NewMemoryReplayStore(oidc.MemoryReplayConfig{})}
}

func (c *countingReplay) Claim(ctx context.Context, id string, until time.Time) error {
	c.mu.Lock()
	c.claims[id] = until
	c.mu.Unlock()
	return c.inner.Claim(ctx, id, until)
}

func (c *countingReplay) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.claims)
}

// storeFunc is a Store written inline, for stores that fail or lie.
type storeFunc func(ctx context.Context, issuer, key string) ([]publisher.Registered, error)

func (f storeFunc) Lookup(ctx context.Context, issuer, key string) ([]publisher.Registered, error) {
	return f(ctx, issuer, key)
}

// kit is a local issuer and a Verifier trusting it.
type kit struct {
	iss    *providertest.Issuer
	store  *publisher.MemoryStore
	replay *countingReplay
	v      *publisher.Verifier
}

// newKit starts an issuer and a Verifier over a MemoryStore holding pubs,
// unless edit replaces the store.
func newKit(t *testing.T, edit func(*providertest.Issuer, *publisher.Config), pubs ...func(*providertest.Issuer) publisher.Registered) *kit {
	t.Helper()
	k := &kit{iss: providertest.New(t, oidctest.Options{}), replay: newCountingReplay()}
	k.store = new(publisher.MemoryStore)
	for _, p := range pubs {
		if err := k.store.Add(p(k.iss)); err != nil {
			t.Fatal(err)
		}
	}
	cfg := publisher.Config{Audience: oidctest.DefaultAudience, Providers: []providers.Provider{k.iss.GitHub()},
		Publishers: k.store, HTTPClient: k.iss.Client(), Replay: k.replay}
	if edit != nil {
		edit(k.iss, &cfg)
	}
	v, err := publisher.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	k.v = v
	return k
}

func pub(id, workflow, env string) func(*providertest.Issuer) publisher.Registered {
	return func(iss *providertest.Issuer) publisher.Registered {
		return publisher.Registered{ID: id, Policy: ghPolicy(iss, workflow, env)}
	}
}

func (k *kit) mint(t *testing.T, c *claims.GitHub, opts ...oidctest.MintOption) string {
	t.Helper()
	tok, err := k.iss.MintGitHub(c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func ids(rs []publisher.Registered) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestVerifyAcceptsEveryMatchingPublisher(t *testing.T) {
	t.Parallel()
	k := newKit(t, nil,
		pub("any-env", "release.yml", ""),
		pub("build", "build.yml", ""),
		pub("prod", "release.yml", "production"), // environments compare case-insensitively
		func(iss *providertest.Issuer) publisher.Registered {
			p := ghPolicy(iss, "release.yml", "")
			p.Repository = "other"
			return publisher.Registered{ID: "other-repo", Policy: p}
		})
	c := release()
	tok := k.mint(t, c)
	res, err := k.v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	// The environment-pinned publisher first: the most specific.
	if diff := cmp.Diff([]string{"prod", "any-env"}, ids(res.Publishers)); diff != "" {
		t.Errorf("publishers (-want +got):\n%s", diff)
	}
	if res.Publishers[0].Policy.(*publisher.GitHub).Environment != "production" {
		t.Errorf("the result does not carry the registered policy: %+v", res.Publishers[0])
	}
	wantClaims := *c
	wantClaims.Subject = providertest.GitHubSubject(c)
	got, ok := res.Claims.(*claims.GitHub)
	if !ok {
		t.Fatalf("claims are a %T", res.Claims)
	}
	if diff := cmp.Diff(&wantClaims, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	if res.Token == nil || res.Token.Issuer != k.iss.URL() || res.Token.Subject != wantClaims.Subject ||
		res.Token.ID == "" || res.Token.Payload == "" {
		t.Errorf("token = %+v", res.Token)
	}
	if res.Provider == nil || res.Provider.Kind() != claims.KindGitHub || res.Provider.Issuer().URL != k.iss.URL() {
		t.Errorf("provider = %v", res.Provider)
	}
	if k.replay.count() != 1 {
		t.Errorf("%d replay claims, want 1", k.replay.count())
	}
}

// TestVerifyResultIsTheCallers changes and extends the publishers of a
// result, one and several: the store is unchanged.
func TestVerifyResultIsTheCallers(t *testing.T) {
	k := newKit(t, nil, pub("a", "release.yml", ""), pub("b", "release.yml", ""), pub("other", "build.yml", ""))
	lookup := func() []string {
		rs, err := k.store.Lookup(context.Background(), k.iss.URL(), repo)
		if err != nil {
			t.Fatal(err)
		}
		return ids(rs)
	}
	before := lookup()
	for _, only := range []bool{false, true} {
		if only && !k.store.Remove("b") {
			t.Fatal("Remove(b) = false")
		}
		res, err := k.v.Verify(context.Background(), k.mint(t, release()))
		if err != nil {
			t.Fatal(err)
		}
		res.Publishers[0].ID = "changed"
		res.Publishers = append(res.Publishers, publisher.Registered{ID: "injected", Policy: ghPolicy(k.iss, "release.yml", "")})
		want := before
		if only {
			want = []string{"a", "other"}
		}
		if diff := cmp.Diff(want, lookup()); diff != "" {
			t.Errorf("store after the result was changed (-want +got):\n%s", diff)
		}
	}
}

func TestVerifyNoMatch(t *testing.T) {
	t.Parallel()
	k := newKit(t, nil,
		pub("build", "build.yml", ""),
		func(iss *providertest.Issuer) publisher.Registered {
			p := ghPolicy(iss, "release.yml", "pypi")
			p.OwnerID = "1"
			return publisher.Registered{ID: "pinned", Policy: p}
		})
	tok := k.mint(t, release())
	res, err := k.v.Verify(context.Background(), tok)
	var nm *publisher.NoMatchError
	if !errors.Is(err, publisher.ErrNoPublisher) || !errors.As(err, &nm) || res != nil {
		t.Fatalf("Verify = %v, %v; want a *NoMatchError", res, err)
	}
	want := &publisher.NoMatchError{Issuer: k.iss.URL(), Key: repo, Rejected: []publisher.Rejection{
		{ID: "build", Mismatches: []publisher.Mismatch{
			{Rule: "workflow", Claim: "workflow_ref", Want: "build.yml", Got: ".github/workflows/release.yml"},
		}},
		{ID: "pinned", Mismatches: []publisher.Mismatch{
			{Rule: "owner_id", Claim: "repository_owner_id", Want: "1", Got: ownerID},
			{Rule: "environment", Claim: "environment", Want: "pypi", Got: "Production"},
		}},
	}}
	if diff := cmp.Diff(want, nm); diff != "" {
		t.Errorf("NoMatchError (-want +got):\n%s", diff)
	}
	msg := err.Error()
	for _, s := range []string{
		`"` + repo + `"`, k.iss.URL(), `publisher "build"`, `publisher "pinned"`,
		`workflow: the publisher expects build.yml, the token was issued to ".github/workflows/release.yml"`,
		`owner_id: the publisher expects 1, the token was issued to "9919"`,
		`environment: the publisher expects pypi, the token was issued to "Production"`,
	} {
		if !strings.Contains(msg, s) {
			t.Errorf("message does not contain %q:\n%s", s, msg)
		}
	}
	if k.replay.count() != 0 {
		t.Fatal("a refused token was recorded as used")
	}

	// The maintainer fixes the registration: the very same token now passes,
	// once, because it was not burnt by the refusal.
	if err := k.store.Add(pub("release", "release.yml", "")(k.iss)); err != nil {
		t.Fatal(err)
	}
	res, err = k.v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("after registering: %v", err)
	}
	if diff := cmp.Diff([]string{"release"}, ids(res.Publishers)); diff != "" {
		t.Errorf("publishers (-want +got):\n%s", diff)
	}
	if _, err := k.v.Verify(context.Background(), tok); !errors.Is(err, oidc.ErrReplayed) {
		t.Errorf("second use: %v, want ErrReplayed", err)
	}
}

func TestVerifyMissingEnvironment(t *testing.T) {
	t.Parallel()
	k := newKit(t, nil, pub("prod", "release.yml", "pypi"))
	c := release()
	c.Environment, c.EnvironmentNodeID = "", ""
	_, err := k.v.Verify(context.Background(), k.mint(t, c))
	var nm *publisher.NoMatchError
	if !errors.As(err, &nm) || len(nm.Rejected) != 1 {
		t.Fatalf("err = %v, want one rejection", err)
	}
	if !strings.Contains(err.Error(), "the token was issued to no environment") {
		t.Errorf("message %q does not say the environment is absent", err)
	}
}

func TestVerifyNothingRegistered(t *testing.T) {
	t.Parallel()
	k := newKit(t, nil, pub("other", "release.yml", ""))
	if !k.store.Remove("other") {
		t.Fatal("Remove = false")
	}
	_, err := k.v.Verify(context.Background(), k.mint(t, release()))
	var nm *publisher.NoMatchError
	if !errors.As(err, &nm) || !errors.Is(err, publisher.ErrNoPublisher) {
		t.Fatalf("err = %v, want a *NoMatchError", err)
	}
	if len(nm.Rejected) != 0 || nm.Key != repo || nm.Issuer != k.iss.URL() {
		t.Errorf("NoMatchError = %+v", nm)
	}
	want := `publisher: no trusted publisher is registered for "` + repo + `" on issuer ` + k.iss.URL()
	if err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
}

func TestVerifyPassesOIDCErrorsThrough(t *testing.T) {
	t.Parallel()
	k := newKit(t, nil, pub("release", "release.yml", ""))
	rogue, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	good := k.mint(t, release())
	for _, tc := range []struct {
		name string
		tok  string
		want error
	}{
		{"expired", k.mint(t, release(), oidctest.Expired()), oidc.ErrExpired},
		{"other audience", k.mint(t, release(), oidctest.Audience("npm")), oidc.ErrAudience},
		{"other issuer", k.mint(t, release(), oidctest.IssuerURL(providers.GitHubIssuer)), oidc.ErrIssuer},
		{"unpublished key", k.mint(t, release(), oidctest.SignWith(&oidctest.Key{ID: "rogue", Private: rogue})), oidc.ErrUnknownKey},
		{"alg none", k.mint(t, release(), oidctest.Header("alg", "none")), oidc.ErrAlgorithm},
		{"HS256 with the public key", k.mint(t, release(), oidctest.Header("alg", "HS256")), oidc.ErrAlgorithm},
		{"bad signature", good[:len(good)-4] + "AAAA", oidc.ErrSignature},
		{"not yet valid", k.mint(t, release(), oidctest.IssuedAt(time.Now().Add(time.Hour))), oidc.ErrNotYetValid},
		{"garbage", "not a token", oidc.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := k.v.Verify(context.Background(), tc.tok)
			if res != nil || !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, %v; want %v", res, err, tc.want)
			}
			oe, ok := err.(*oidc.Error)
			if !ok || oe.Err != tc.want {
				t.Errorf("err is %T %v, want the *oidc.Error unchanged", err, err)
			}
		})
	}
	if k.replay.count() != 0 {
		t.Errorf("%d rejected tokens recorded as used", k.replay.count())
	}
	if _, err := k.v.Verify(context.Background(), good); err != nil {
		t.Errorf("the good token after the bad ones: %v", err)
	}
}

func TestVerifyInvalidClaims(t *testing.T) {
	t.Parallel()
	k := newKit(t, nil, pub("release", "release.yml", ""))
	for _, tc := range []struct {
		name  string
		opt   oidctest.MintOption
		class error
		claim string
	}{
		{"owner id a number", oidctest.Claim("repository_owner_id", 9919), claims.ErrType, "repository_owner_id"},
		{"owner id absent", oidctest.Claim("repository_owner_id", nil), claims.ErrMissing, "repository_owner_id"},
		{"workflow_ref absent", oidctest.Claim("workflow_ref", nil), claims.ErrMissing, "workflow_ref"},
		{"repository not owner/name", oidctest.Claim("repository", "hello"), claims.ErrInvalid, "repository"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := k.v.Verify(context.Background(), k.mint(t, release(), tc.opt))
			var ce *claims.Error
			if res != nil || !errors.Is(err, publisher.ErrClaims) || !errors.Is(err, tc.class) ||
				!errors.As(err, &ce) || ce.Claim != tc.claim {
				t.Fatalf("Verify = %v, %v; want ErrClaims, %v on %s", res, err, tc.class, tc.claim)
			}
		})
	}
	if k.replay.count() != 0 {
		t.Errorf("%d tokens with invalid claims recorded as used", k.replay.count())
	}
}

func TestVerifyStoreFailureFailsClosed(t *testing.T) {
	t.Parallel()
	outage := errors.New("database is down")
	k := newKit(t, func(iss *providertest.Issuer, cfg *publisher.Config) {
		cfg.Publishers = storeFunc(func(ctx context.Context, issuer, key string) ([]publisher.Registered, error) {
			// Even with a matching publisher beside the error, never accept.
			return []publisher.Registered{pub("release", "release.yml", "")(iss)}, outage
		})
	})
	res, err := k.v.Verify(context.Background(), k.mint(t, release()))
	if res != nil || !errors.Is(err, publisher.ErrStore) || !errors.Is(err, outage) {
		t.Fatalf("Verify = %v, %v; want ErrStore wrapping the outage", res, err)
	}
	if k.replay.count() != 0 {
		t.Error("a token was recorded as used during a store outage")
	}
}

// acceptAll is a policy of another provider kind that matches everything:
// a token must never be checked against it.
type acceptAll struct{ issuer, key string }

func (acceptAll) Provider() claims.Kind                 { return claims.KindGitLab }
func (p acceptAll) Issuer() string                      { return p.issuer }
func (p acceptAll) LookupKey() string                   { return p.key }
func (acceptAll) Check(claims.Set) []publisher.Mismatch { return nil }
func (acceptAll) Validate() error                       { return nil }

// TestVerifyDistrustsTheStore hands Verify a store that ignores the issuer
// and key it is asked for and returns broken rows: only the candidates that
// really are the token's may match.
func TestVerifyDistrustsTheStore(t *testing.T) {
	t.Parallel()
	var asked []string
	var mu sync.Mutex
	k := newKit(t, func(iss *providertest.Issuer, cfg *publisher.Config) {
		cfg.Publishers = storeFunc(func(_ context.Context, issuer, key string) ([]publisher.Registered, error) {
			mu.Lock()
			asked = append(asked, issuer+" "+key)
			mu.Unlock()
			dotcom := ghPolicy(iss, "release.yml", "")
			dotcom.IssuerURL = "" // github.com: another trust domain
			other := ghPolicy(iss, "release.yml", "")
			other.Repository = "other"
			zero := ghPolicy(iss, "release.yml", "")
			zero.OwnerID = "" // must not read as "any owner"
			return []publisher.Registered{
				{ID: "dotcom", Policy: dotcom},
				{ID: "other-repo", Policy: other},
				{ID: "nil", Policy: nil},
				{ID: "typed-nil", Policy: (*publisher.GitHub)(nil)},
				{ID: "other-kind", Policy: acceptAll{issuer: iss.URL(), key: repo}},
				{ID: "zero-owner-id", Policy: zero},
			}, nil
		})
	})
	res, err := k.v.Verify(context.Background(), k.mint(t, release()))
	var nm *publisher.NoMatchError
	if res != nil || !errors.As(err, &nm) {
		t.Fatalf("Verify = %v, %v; want a *NoMatchError", res, err)
	}
	if diff := cmp.Diff([]string{k.iss.URL() + " " + repo}, asked); diff != "" {
		t.Errorf("lookups (-want +got):\n%s", diff)
	}
	if len(nm.Rejected) != 1 || nm.Rejected[0].ID != "zero-owner-id" || !errors.Is(nm.Rejected[0].Err, publisher.ErrPolicy) {
		t.Fatalf("rejected = %+v, want only the invalid policy, as invalid", nm.Rejected)
	}
	if !strings.Contains(err.Error(), `publisher "zero-owner-id": the registered policy is invalid`) {
		t.Errorf("message %q does not explain the invalid policy", err)
	}
}

func TestVerifyRecordsUntilExpiryPlusLeewayAndMargin(t *testing.T) {
	t.Parallel()
	k := newKit(t, func(_ *providertest.Issuer, cfg *publisher.Config) {
		cfg.Leeway, cfg.ReplayMargin = 10*time.Second, 2*time.Minute
	}, pub("release", "release.yml", ""))
	res, err := k.v.Verify(context.Background(), k.mint(t, release()))
	if err != nil {
		t.Fatal(err)
	}
	want := res.Token.Expiry.Add(10*time.Second + 2*time.Minute)
	if got := k.replay.claims[res.Token.ReplayID()]; !got.Equal(want) {
		t.Errorf("recorded until %v, want %v", got, want)
	}
}

func TestVerifyReplayed(t *testing.T) {
	t.Parallel()
	k := newKit(t, nil, pub("release", "release.yml", ""))
	tok := k.mint(t, release())
	if _, err := k.v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	res, err := k.v.Verify(context.Background(), tok)
	if res != nil || !errors.Is(err, oidc.ErrReplayed) {
		t.Fatalf("second use: %v, %v; want ErrReplayed", res, err)
	}
	// Another token of the same run (a fresh jti) is not a replay.
	if _, err := k.v.Verify(context.Background(), k.mint(t, release())); err != nil {
		t.Errorf("a second token: %v", err)
	}
}

func TestVerifyConcurrent(t *testing.T) {
	t.Parallel()
	k := newKit(t, func(_ *providertest.Issuer, cfg *publisher.Config) { cfg.Replay = nil },
		pub("release", "release.yml", ""))
	const n = 50
	toks := make([]string, n)
	for i := range toks {
		toks[i] = k.mint(t, release()) // each with a fresh jti
	}
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for _, tok := range toks {
		wg.Go(func() {
			res, err := k.v.Verify(context.Background(), tok)
			if err == nil && (len(res.Publishers) != 1 || res.Publishers[0].ID != "release") {
				err = errors.New("wrong publishers")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := k.iss.JWKSRequests(); got != 1 {
		t.Errorf("%d key set fetches for 50 concurrent tokens, want 1", got)
	}
}

const cacheMarker = "oidc.(*KeyCache)"

func waitCacheGoroutines(t *testing.T, want int) {
	t.Helper()
	leakcheck.Wait(t, cacheMarker, want)
}

func TestVerifierCloseStopsKeyCache(t *testing.T) {
	iss := providertest.New(t, oidctest.Options{})
	store, err := publisher.NewMemoryStore(pub("release", "release.yml", "")(iss))
	if err != nil {
		t.Fatal(err)
	}
	waitCacheGoroutines(t, 0) // other tests' verifiers are closed
	baseline := runtime.NumGoroutine()
	v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience,
		Providers: []providers.Provider{iss.GitHub()}, Publishers: store, HTTPClient: iss.Client()})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.MintGitHub(release())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if leakcheck.Count(cacheMarker) == 0 {
		t.Fatal("no KeyCache goroutine before Close: the test would prove nothing")
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	waitCacheGoroutines(t, 0)
	iss.Client().CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > baseline {
		t.Errorf("%d goroutines after Close, %d before New", got, baseline)
	}
	// After Close nothing is verified any more, and nothing panics.
	if _, err := v.Verify(context.Background(), tok); err == nil {
		t.Error("Verify after Close accepted a token")
	}
}

func TestNewBadConfig(t *testing.T) {
	iss := providertest.New(t, oidctest.Options{})
	store := new(publisher.MemoryStore)
	good := publisher.Config{Audience: "pypi", Providers: []providers.Provider{iss.GitHub()}, Publishers: store}
	for name, edit := range map[string]func(*publisher.Config){
		"no audience":     func(c *publisher.Config) { c.Audience = "" },
		"no providers":    func(c *publisher.Config) { c.Providers = nil },
		"nil provider":    func(c *publisher.Config) { c.Providers = []providers.Provider{nil} },
		"no store":        func(c *publisher.Config) { c.Publishers = nil },
		"typed nil store": func(c *publisher.Config) { c.Publishers = (*publisher.MemoryStore)(nil) },
		// A failed constructor's nil must not be swapped for a weaker default.
		"typed nil replay store":   func(c *publisher.Config) { c.Replay = (*oidc.MemoryReplayStore)(nil) },
		"typed nil key source":     func(c *publisher.Config) { c.Keys = (*oidc.KeyCache)(nil) },
		"typed nil shared key set": func(c *publisher.Config) { c.Cache.Shared = (*sharedNil)(nil) },
		"issuer twice":             func(c *publisher.Config) { c.Providers = append(c.Providers, iss.GitHub()) },
		"http issuer": func(c *publisher.Config) {
			c.Providers = []providers.Provider{providers.NewGitHub(oidc.Issuer{URL: "http://insecure.example"})}
		},
		"unknown algorithm": func(c *publisher.Config) {
			c.Providers = []providers.Provider{providers.NewGitHub(oidc.Issuer{URL: iss.URL(), Algorithms: []string{"HS256"}})}
		},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := good
			edit(&cfg)
			v, err := publisher.New(cfg)
			if err == nil {
				v.Close()
				t.Fatal("New accepted the configuration")
			}
			if v != nil {
				t.Errorf("New returned a Verifier beside its error")
			}
			if err := v.Close(); err != nil { // a Close deferred too early must not panic
				t.Errorf("Close of New's nil result: %v", err)
			}
			waitCacheGoroutines(t, 0)
		})
	}
	v, err := publisher.New(good)
	if err != nil {
		t.Fatalf("the good configuration: %v", err)
	}
	v.Close()
}

// sharedNil is a KeyStore type for a typed nil.
type sharedNil struct{ oidc.KeyStore }

func TestZeroVerifierDoesNotPanic(t *testing.T) {
	t.Parallel()
	var v publisher.Verifier
	if _, err := v.Verify(context.Background(), "x.y.z"); err == nil {
		t.Error("a zero Verifier accepted a token")
	}
	if err := v.Close(); err != nil {
		t.Error(err)
	}
	var nilV *publisher.Verifier
	if _, err := nilV.Verify(context.Background(), "x.y.z"); err == nil {
		t.Error("a nil Verifier accepted a token")
	}
	if err := nilV.Close(); err != nil {
		t.Errorf("Close of a nil Verifier: %v", err)
	}
}

// lenientProvider is a provider whose Decode does not do its job.
type lenientProvider struct {
	providers.Provider
	set claims.Set
}

func (p lenientProvider) Decode(*oidc.Token) (claims.Set, error) { return p.set, nil }

// otherSet is the claims of another provider kind.
type otherSet struct{ claims.GitHub }

func (otherSet) Provider() claims.Kind { return claims.KindGitLab }

// TestVerifyDistrustsTheProvider checks the claims a provider decoded
// again: no claims, unvalidated claims and claims of another kind are
// ErrClaims, never a match.
func TestVerifyDistrustsTheProvider(t *testing.T) {
	t.Parallel()
	valid := release()
	valid.Subject = "x"
	for name, set := range map[string]claims.Set{
		"no claims":     nil,
		"typed nil":     (*claims.GitHub)(nil),
		"not validated": &claims.GitHub{Repository: repo, RepositoryOwner: "octo-org", WorkflowRef: valid.WorkflowRef},
		"another kind":  &otherSet{*valid},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t, func(iss *providertest.Issuer, cfg *publisher.Config) {
				cfg.Providers = []providers.Provider{lenientProvider{Provider: iss.GitHub(), set: set}}
			}, pub("release", "release.yml", ""))
			res, err := k.v.Verify(context.Background(), k.mint(t, release()))
			if res != nil || !errors.Is(err, publisher.ErrClaims) {
				t.Fatalf("Verify = %v, %v; want ErrClaims", res, err)
			}
		})
	}
}
