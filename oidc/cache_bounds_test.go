package oidc_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
)

// oneShotClient is a client of kit usable in a synctest bubble: it closes
// each connection after its response, since an idle keep-alive connection
// is a goroutine blocked on the network, which stops the bubble's clock.
func oneShotClient(kit *oidctest.Issuer) *http.Client {
	tr := kit.Client().Transport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true
	return &http.Client{Transport: tr}
}

// movedDiscovery is kit's discovery document naming to's key set.
func movedDiscovery(kit, to *oidctest.Issuer) map[string]any {
	return map[string]any{"issuer": kit.URL(), "jwks_uri": to.JWKSURL()}
}

// An issuer moves its keys; the old location still answers. A refetch for
// the new kid discovers the new location, and the old location's keys stop
// verifying at once.
func TestCacheDiscoveryFollowsMove(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit, moved := newKit(t, clk), newKit(t, clk)
	cache := newCache(t, kit, clk, nil)
	v := newVerifier(t, cache, clk, nil, kit)
	old := mint(t, kit, nil)
	if _, err := v.Verify(context.Background(), old); err != nil {
		t.Fatal(err)
	}

	kit.ServeDiscovery(movedDiscovery(kit, moved))
	clk.Add(2 * time.Minute) // past RefetchInterval, whatever counts against it
	if _, err := v.Verify(context.Background(), mint(t, kit, nil, oidctest.SignWith(moved.Signer()))); err != nil {
		t.Fatalf("a token of the key at the new location: %v", err)
	}
	_, err := v.Verify(context.Background(), old)
	wantReject(t, err, oidc.ErrUnknownKey, "kid", kit.Signer().ID)
	if d, o, n := kit.Requests("/.well-known/openid-configuration"), kit.JWKSRequests(), moved.JWKSRequests(); d != 2 || o != 1 || n != 1 {
		t.Errorf("discovery %d, old location %d, new location %d requests; want 2, 1 and 1", d, o, n)
	}
}

// The scheduled refresh runs discovery again once the document's max-age
// has run out, not before. On a synctest bubble's clock.
func TestCacheRefreshFollowsDiscovery(t *testing.T) {
	t.Parallel()
	kit, moved := oidctest.New(t, oidctest.Options{}), oidctest.New(t, oidctest.Options{})
	kit.DiscoveryCacheControl("max-age=600")
	synctest.Test(t, func(t *testing.T) {
		cache := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: oneShotClient(kit)})
		defer cache.Close()
		ctx := context.Background()
		if err := cache.Prefetch(ctx, kit.OIDC()); err != nil {
			t.Fatal(err)
		}
		kit.ServeDiscovery(movedDiscovery(kit, moved))
		time.Sleep(5*time.Minute + time.Second) // one refresh, MinRefresh after the prefetch
		if d, o, n := kit.Requests("/.well-known/openid-configuration"), kit.JWKSRequests(), moved.JWKSRequests(); d != 1 || o != 2 || n != 0 {
			t.Fatalf("discovery %d, old location %d, new location %d requests; want 1, 2 and 0 while discovery is current", d, o, n)
		}
		if _, err := cache.Keys(ctx, kit.OIDC(), kit.Signer().ID); err != nil {
			t.Fatalf("the old key while discovery still names its location: %v", err)
		}

		time.Sleep(5 * time.Minute) // the next refresh, when discovery's max-age has run out
		if d, o, n := kit.Requests("/.well-known/openid-configuration"), kit.JWKSRequests(), moved.JWKSRequests(); d != 2 || o != 2 || n != 1 {
			t.Fatalf("discovery %d, old location %d, new location %d requests; want 2, 2 and 1", d, o, n)
		}
		if _, err := cache.Keys(ctx, kit.OIDC(), moved.Signer().ID); err != nil {
			t.Errorf("the key at the new location: %v", err)
		}
		_, err := cache.Keys(ctx, kit.OIDC(), kit.Signer().ID)
		wantReject(t, err, oidc.ErrUnknownKey, "kid", kit.Signer().ID)
	})
}

// A discovery document that cannot be read is an outage, not a move: the
// location it last named stays in use.
func TestCacheDiscoveryOutageKeepsLocation(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	rec := &logRecorder{}
	cache := newCache(t, kit, clk, func(c *oidc.CacheConfig) { c.Logger = slog.New(rec) })
	v := newVerifier(t, cache, clk, nil, kit)
	if _, err := v.Verify(context.Background(), mint(t, kit, nil)); err != nil {
		t.Fatal(err)
	}
	kit.ServeDiscovery(map[string]any{"issuer": kit.URL(), "jwks_uri": kit.JWKSURL(), "pad": strings.Repeat("x", 2<<20)})
	if _, err := kit.Rotate(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), mint(t, kit, nil)); err != nil {
		t.Fatalf("a rotated-in key while discovery is unreadable: %v", err)
	}
	if rec.count("discovery failed, using the last jwks_uri") != 1 {
		t.Errorf("the fallback was not logged:\n%s", rec)
	}

	// A document that is read and wrong is not an outage: it is refused.
	kit.ServeDiscovery(map[string]any{"issuer": kit.URL(), "jwks_uri": "http://example.com/keys"})
	clk.Add(2 * time.Minute)
	_, err := newVerifier(t, cache, clk, nil, kit).Verify(context.Background(), mint(t, kit, nil, oidctest.SignWith(&oidctest.Key{ID: "new", Private: kit.Signer().Private})))
	wantReject(t, err, oidc.ErrKeysUnavailable, "kid", "new")
}

// When the issuer has moved its keys and the new location fails, neither
// the cache's own key set nor a shared one from the old location is used.
func TestCacheMoveDropsOldSets(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit, moved := newKit(t, clk), newKit(t, clk)
	store := &memKeyStore{}
	cache := newCache(t, kit, clk, func(c *oidc.CacheConfig) { c.Shared = store })
	v := newVerifier(t, cache, clk, nil, kit)
	old := mint(t, kit, nil)
	if _, err := v.Verify(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.LoadKeys(context.Background(), kit.URL()); err != nil {
		t.Fatalf("the key set was not shared: %v", err)
	}

	kit.ServeDiscovery(movedDiscovery(kit, moved))
	moved.Fail(http.StatusServiceUnavailable)
	clk.Add(2 * time.Minute)
	_, err := v.Verify(context.Background(), mint(t, kit, nil, oidctest.SignWith(moved.Signer())))
	wantReject(t, err, oidc.ErrKeysUnavailable, "kid", moved.Signer().ID)
	_, err = v.Verify(context.Background(), old)
	wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kit.Signer().ID)

	// Nor by a replica started afterwards, which discovers the new location.
	fresh := newVerifier(t, newCache(t, kit, clk, func(c *oidc.CacheConfig) { c.Shared = store }), clk, nil, kit)
	clk.Add(time.Minute)
	_, err = fresh.Verify(context.Background(), old)
	wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kit.Signer().ID)

	moved.Fail(0)
	clk.Add(2 * time.Minute)
	if _, err := v.Verify(context.Background(), mint(t, kit, nil, oidctest.SignWith(moved.Signer()))); err != nil {
		t.Errorf("once the new location answers: %v", err)
	}
}

// Cold start: the first token's fetch does not use up the refetch
// allowance, so a key rotated in right after it is fetched on first use.
func TestCacheColdStartRotation(t *testing.T) {
	t.Parallel()
	clk := newStepClock() // frozen: everything happens within RefetchInterval
	kit := newKit(t, clk)
	v := newVerifier(t, newCache(t, kit, clk, nil), clk, nil, kit)
	if _, err := v.Verify(context.Background(), mint(t, kit, nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := kit.Rotate(); err != nil {
		t.Fatal(err)
	}
	const n = 1000
	toks := make([]string, n)
	var wg sync.WaitGroup
	for i := range toks {
		wg.Go(func() { toks[i], _ = kit.Mint(nil) })
	}
	wg.Wait()
	refused := 0
	for _, tok := range toks {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			if refused == 0 {
				t.Errorf("a token of the rotated-in key: %v", err)
			}
			refused++
		}
	}
	if refused > 0 || kit.JWKSRequests() != 2 {
		t.Errorf("%d of %d tokens refused, %d key set requests; want none refused, 2 requests (first fetch, one refetch)", refused, n, kit.JWKSRequests())
	}
}

// Made-up kids from a cold start: the first fetch, one refetch, and then
// nothing until RefetchInterval has passed.
func TestCacheColdStartMadeUpKids(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	v := newVerifier(t, newCache(t, kit, clk, nil), clk, nil, kit)
	unknown := func(i int) string {
		return mint(t, kit, nil, oidctest.SignWith(&oidctest.Key{ID: "made-up-" + big.NewInt(int64(i)).String(), Private: kit.Signer().Private}))
	}
	for i := range 50 {
		if _, err := v.Verify(context.Background(), unknown(i)); !errors.Is(err, oidc.ErrUnknownKey) {
			t.Fatalf("made-up kid %d: %v", i, err)
		}
	}
	if n := kit.JWKSRequests(); n != 2 {
		t.Errorf("%d key set requests for 50 made-up kids, want 2 (first fetch, one refetch)", n)
	}
	clk.Add(time.Minute)
	for i := range 50 {
		v.Verify(context.Background(), unknown(i))
	}
	if n := kit.JWKSRequests(); n != 3 {
		t.Errorf("%d key set requests after RefetchInterval, want 3", n)
	}
}

// A first fetch that fails counts: a failing issuer is asked once per
// RefetchInterval, however many tokens name it.
func TestCacheColdStartFailing(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	kit.Fail(http.StatusServiceUnavailable)
	v := newVerifier(t, newCache(t, kit, clk, nil), clk, nil, kit)
	raw := mint(t, kit, nil)
	for range 50 {
		_, err := v.Verify(context.Background(), raw)
		wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kit.Signer().ID)
	}
	if n := requests(kit); n != 1 {
		t.Errorf("%d requests to a failing issuer, want 1", n)
	}
	kit.Fail(0)
	clk.Add(time.Minute)
	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Errorf("after RefetchInterval, the issuer recovered: %v", err)
	}
}

// An issuer nobody asks for is dropped after IdleTimeout (default 24 h) and
// no longer refreshed. On a synctest bubble's clock.
func TestCacheIdleIssuerNotRefreshed(t *testing.T) {
	t.Parallel()
	kit := oidctest.New(t, oidctest.Options{})
	synctest.Test(t, func(t *testing.T) {
		rec := &logRecorder{}
		every := 50 * time.Minute
		cache := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: oneShotClient(kit), MinRefresh: every, MaxRefresh: every, Logger: slog.New(rec)})
		defer cache.Close()
		if err := cache.Prefetch(context.Background(), kit.OIDC()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(72 * time.Hour)
		// Refreshed at 50, 100, … 1400 min; at 1450 min, idle for more than
		// 24 h, it is dropped instead.
		if n := kit.JWKSRequests(); n != 1+28 {
			t.Errorf("%d key set requests in 72 h, want the prefetch and 28 refreshes", n)
		}
		if rec.count("idle issuer dropped") != 1 {
			t.Errorf("the drop was not logged:\n%s", rec)
		}
		if _, err := cache.Keys(context.Background(), kit.OIDC(), kit.Signer().ID); err != nil {
			t.Fatal(err)
		}
		if n := kit.JWKSRequests(); n != 30 {
			t.Errorf("%d key set requests, want a fresh fetch on use", n)
		}
	})
}

// At most MaxIssuers issuers are kept; a new one beyond is refused, without
// a request, until an idle one is dropped. The injected clock drives
// idleness. No goroutine outlives Close.
func TestCacheMaxIssuers(t *testing.T) {
	waitGoroutines(t, 0)
	clk := newStepClock()
	a, b, c := newKit(t, clk), newKit(t, clk), newKit(t, clk)
	rec := &logRecorder{}
	cache := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: a.Client(), Now: clk.Now, MaxIssuers: 2,
		MaxStale: 72 * time.Hour, MinRefresh: 48 * time.Hour, Logger: slog.New(rec)})
	// The kits share one test certificate, so a's client trusts all three.
	ctx := context.Background()
	for _, k := range []*oidctest.Issuer{a, b} {
		if err := cache.Prefetch(ctx, k.OIDC()); err != nil {
			t.Fatal(err)
		}
	}
	err := cache.Prefetch(ctx, c.OIDC())
	wantReject(t, err, oidc.ErrKeysUnavailable, "iss", c.URL())
	_, err = cache.Keys(ctx, c.OIDC(), c.Signer().ID)
	wantReject(t, err, oidc.ErrKeysUnavailable, "iss", c.URL())
	if n := requests(c); n != 0 {
		t.Errorf("%d requests for a refused issuer", n)
	}
	if rec.count("key cache full") != 1 {
		t.Errorf("want one log line for two refusals within RefetchInterval:\n%s", rec)
	}

	clk.Add(23 * time.Hour)
	if _, err := cache.Keys(ctx, b.OIDC(), b.Signer().ID); err != nil { // b is in use, a is not
		t.Fatal(err)
	}
	clk.Add(time.Hour + time.Second)
	if _, err := cache.Keys(ctx, c.OIDC(), c.Signer().ID); err != nil {
		t.Fatalf("a new issuer once an idle one can be dropped: %v", err)
	}
	if _, err := cache.Keys(ctx, b.OIDC(), b.Signer().ID); err != nil || b.JWKSRequests() != 1 {
		t.Errorf("the issuer in use was dropped or refetched: %v, %d requests", err, b.JWKSRequests())
	}
	_, err = cache.Keys(ctx, a.OIDC(), a.Signer().ID)
	wantReject(t, err, oidc.ErrKeysUnavailable, "iss", a.URL())
	if rec.count("idle issuer dropped") != 1 || rec.count("issuer="+a.URL()) == 0 {
		t.Errorf("the idle issuer's drop was not logged:\n%s", rec)
	}

	if err := cache.Close(); err != nil {
		t.Fatal(err)
	}
	waitGoroutines(t, 0)
}

// MaxRSABits: 2048 by default, up to 4096 when raised, never more.
func TestCacheMaxRSABits(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	var keys []json.RawMessage
	for _, bits := range []int{2048, 3072, 4096, 4097, 8192} {
		keys = append(keys, rsaPublicJWK(t, big.NewInt(int64(bits)).String(), bits, big.NewInt(65537)))
	}
	kit.ServeJWKS(jwkSet(t, keys...))
	for _, c := range []struct {
		max  int
		want []string // the kids kept
	}{
		{0, []string{"2048"}},
		{3072, []string{"2048", "3072"}},
		{4096, []string{"2048", "3072", "4096"}},
		{8192, []string{"2048", "3072", "4096"}},
		{1024, []string{"2048"}},
	} {
		cache := newCache(t, kit, clk, func(cc *oidc.CacheConfig) { cc.MaxRSABits = c.max })
		if err := cache.Prefetch(context.Background(), kit.OIDC()); err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, kid := range []string{"2048", "3072", "4096", "4097", "8192"} {
			if _, err := cache.Keys(context.Background(), kit.OIDC(), kid); err == nil {
				kept = append(kept, kid)
			}
		}
		if strings.Join(kept, " ") != strings.Join(c.want, " ") {
			t.Errorf("MaxRSABits %d kept %v, want %v", c.max, kept, c.want)
		}
	}
}
