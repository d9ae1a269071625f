package publisher_test

import (
	"context"
	"errors"
	"testing"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

const npmAudience = "npm:registry.example.com"

// TestWithAudience: PyPI's and npm's audiences on one key cache and one
// replay store; each verifier accepts its own audience only.
func TestWithAudience(t *testing.T) {
	t.Parallel()
	k := newKit(t, nil, scoped("hello", "", false, "hello"))
	npm, err := k.v.WithAudience(npmAudience)
	if err != nil {
		t.Fatal(err)
	}
	if k.v.Audience() != oidctest.DefaultAudience || npm.Audience() != npmAudience {
		t.Errorf("audiences %q, %q", k.v.Audience(), npm.Audience())
	}
	ctx := context.Background()
	ours, theirs := k.mint(t, release()), k.mint(t, release(), oidctest.Audience(npmAudience))
	if _, err := npm.Verify(ctx, ours); !errors.Is(err, oidc.ErrAudience) {
		t.Errorf("npm's verifier, the default audience's token: %v, want ErrAudience", err)
	}
	if _, err := k.v.VerifyPackage(ctx, theirs, "hello"); !errors.Is(err, oidc.ErrAudience) {
		t.Errorf("the default verifier, npm's token: %v, want ErrAudience", err)
	}
	if k.replay.count() != 0 {
		t.Fatal("a token for another audience was recorded as used")
	}
	res, err := npm.VerifyPackage(ctx, theirs, "hello")
	if err != nil {
		t.Fatalf("npm's verifier, npm's token: %v", err)
	}
	if len(res.Publishers) != 1 || res.Token.Audience[0] != npmAudience {
		t.Errorf("result %+v", res)
	}
	if _, err := k.v.Verify(ctx, ours); err != nil {
		t.Errorf("the default verifier, its token: %v", err)
	}
	// One replay store: both tokens were recorded there, and a second
	// derived verifier of the same audience sees npm's token as used.
	if k.replay.count() != 2 {
		t.Errorf("%d tokens recorded in the shared replay store, want 2", k.replay.count())
	}
	again, err := k.v.WithAudience(npmAudience)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Verify(ctx, theirs); !errors.Is(err, oidc.ErrReplayed) {
		t.Errorf("npm's token through another verifier of its audience: %v, want ErrReplayed", err)
	}
	// One key cache: the issuer's keys were fetched once for all.
	if n := k.iss.JWKSRequests(); n != 1 {
		t.Errorf("%d key set fetches, want 1", n)
	}
	if _, err := k.v.WithAudience(""); err == nil {
		t.Error("WithAudience(\"\") accepted")
	}
	var zero *publisher.Verifier
	if w, err := zero.WithAudience(npmAudience); err == nil || w != nil || zero.Audience() != "" {
		t.Errorf("nil Verifier: %v, %v, %q", w, err, zero.Audience())
	}
}

// TestWithAudienceShares: deriving verifiers starts no goroutine and builds
// no cache; closing one leaves the parent's cache running; closing the
// parent stops it for all of them.
func TestWithAudienceShares(t *testing.T) {
	iss := providertest.New(t, oidctest.Options{})
	store, err := publisher.NewMemoryStore(scoped("hello", "", false, "hello")(iss))
	if err != nil {
		t.Fatal(err)
	}
	waitCacheGoroutines(t, 0) // other tests' verifiers are closed
	v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience,
		Providers: []providers.Provider{iss.GitHub()}, Publishers: store, HTTPClient: iss.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	mint := func(aud string) string {
		tok, err := iss.MintGitHub(release(), oidctest.Audience(aud))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if _, err := v.Verify(ctx, mint(oidctest.DefaultAudience)); err != nil {
		t.Fatal(err)
	}
	// The cache's one lasting goroutine (its refresh loop); a fetch's own
	// ends with the fetch.
	waitCacheGoroutines(t, 1)
	var derived []*publisher.Verifier
	for i := range 50 {
		w, err := v.WithAudience(npmAudience)
		if err != nil {
			t.Fatal(err)
		}
		derived = append(derived, w)
		if i%2 == 0 {
			if _, err := w.Verify(ctx, mint(npmAudience)); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitCacheGoroutines(t, 1) // 50 derived verifiers, all in use, no goroutine of their own
	for _, w := range derived {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	waitCacheGoroutines(t, 1) // nor did their Close stop the parent's
	if n := iss.JWKSRequests(); n != 1 {
		t.Errorf("%d key set fetches, want 1: the derived verifiers share the cache", n)
	}
	// The parent still works: a derived Close did not close its cache.
	if _, err := v.Verify(ctx, mint(oidctest.DefaultAudience)); err != nil {
		t.Errorf("the parent after its derived verifiers' Close: %v", err)
	}
	w, err := v.WithAudience(npmAudience)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	waitCacheGoroutines(t, 0)
	if _, err := w.Verify(ctx, mint(npmAudience)); !errors.Is(err, oidc.ErrKeysUnavailable) {
		t.Errorf("a derived verifier after the parent's Close: %v, want ErrKeysUnavailable", err)
	}
}
