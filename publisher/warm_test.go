package publisher_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// warmKit is two issuers and a Verifier trusting both, not yet warmed.
func warmKit(t *testing.T, edit func(*publisher.Config)) (a, b *providertest.Issuer, v *publisher.Verifier) {
	t.Helper()
	a, b = providertest.New(t, oidctest.Options{}), providertest.New(t, oidctest.Options{})
	// The kits share httptest's certificate: a's client trusts b too.
	cfg := publisher.Config{Audience: oidctest.DefaultAudience, Providers: []providers.Provider{a.GitHub(), b.GitLab()},
		Publishers: new(publisher.MemoryStore), HTTPClient: a.Client()}
	if edit != nil {
		edit(&cfg)
	}
	v, err := publisher.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return a, b, v
}

// verifyKeys checks that a token of iss gets past its signature check: no
// publisher is registered, so it is refused for that alone.
func verifyKeys(t *testing.T, v *publisher.Verifier, iss *providertest.Issuer) {
	t.Helper()
	tok, err := iss.MintGitHub(providertest.GitHubClaims())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, publisher.ErrNoPublisher) {
		t.Fatalf("Verify: %v, want ErrNoPublisher once the signature is checked", err)
	}
}

func TestVerifierWarm(t *testing.T) {
	t.Parallel()
	a, b, v := warmKit(t, nil)
	if n := a.JWKSRequests() + b.JWKSRequests(); n != 0 {
		t.Fatalf("New fetched %d key sets, want none before Warm", n)
	}
	if err := v.Warm(context.Background()); err != nil {
		t.Fatalf("Warm: %v", err)
	}
	if a.JWKSRequests() != 1 || b.JWKSRequests() != 1 {
		t.Errorf("Warm fetched %d and %d key sets, want one per issuer", a.JWKSRequests(), b.JWKSRequests())
	}
	verifyKeys(t, v, a)
	if n := a.JWKSRequests(); n != 1 {
		t.Errorf("%d key set requests after the first token, want the warm one only", n)
	}
}

// A failed warm-up reports each failing issuer and leaves the verifier
// working: keys are fetched on first use.
func TestVerifierWarmFailure(t *testing.T) {
	t.Parallel()
	a, b, v := warmKit(t, nil)
	a.Fail(http.StatusServiceUnavailable)
	err := v.Warm(context.Background())
	var e *oidc.Error
	if !errors.Is(err, oidc.ErrKeysUnavailable) || !errors.As(err, &e) || e.Value != a.URL() {
		t.Fatalf("Warm with a failing issuer: %v, want ErrKeysUnavailable naming %s", err, a.URL())
	}
	if b.JWKSRequests() != 1 {
		t.Errorf("the healthy issuer was not warmed")
	}
	a.Fail(0)
	verifyKeys(t, v, a)
}

// With its own key source the caller warms it; Warm leaves it alone.
func TestVerifierWarmOwnKeys(t *testing.T) {
	t.Parallel()
	var cache *oidc.KeyCache
	a, b, v := warmKit(t, func(c *publisher.Config) {
		cache = oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: c.HTTPClient})
		c.Keys = cache
	})
	t.Cleanup(func() { cache.Close() })
	if err := v.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := a.JWKSRequests() + b.JWKSRequests(); n != 0 {
		t.Errorf("Warm fetched %d key sets of a key source it does not own", n)
	}
	if err := (*publisher.Verifier)(nil).Warm(context.Background()); err == nil {
		t.Error("Warm on a nil Verifier did not fail")
	}
}
