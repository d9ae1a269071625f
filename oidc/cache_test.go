package oidc_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trustpub/trustpub/internal/leakcheck"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
)

func TestCacheDiscoveryAndPinned(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	raw := mint(t, kit, nil)

	v := newVerifier(t, newCache(t, kit, clk, nil), clk, nil, kit)
	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Fatalf("Verify by discovery: %v", err)
	}
	if d, j := kit.Requests("/.well-known/openid-configuration"), kit.JWKSRequests(); d != 1 || j != 1 {
		t.Errorf("discovery %d, key set %d requests; want 1 and 1", d, j)
	}

	pinned := kit.OIDC()
	pinned.JWKSURL = kit.JWKSURL()
	v = newVerifier(t, newCache(t, kit, clk, nil), clk, func(c *oidc.Config) { c.Issuers = []oidc.Issuer{pinned} })
	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Fatalf("Verify with a pinned key set: %v", err)
	}
	if d, j := kit.Requests("/.well-known/openid-configuration"), kit.JWKSRequests(); d != 1 || j != 2 {
		t.Errorf("discovery %d, key set %d requests; want no new discovery and 2", d, j)
	}
}

func TestCacheDiscoveryRejects(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit, other := newKit(t, clk), newKit(t, clk)
	for _, c := range []struct {
		name string
		doc  map[string]any
		want string // in the error
	}{
		{"issuer with a trailing slash", map[string]any{"issuer": kit.URL() + "/", "jwks_uri": kit.JWKSURL()}, "names issuer"},
		{"issuer in upper case", map[string]any{"issuer": strings.ToUpper(kit.URL()), "jwks_uri": kit.JWKSURL()}, "names issuer"},
		{"another issuer", map[string]any{"issuer": other.URL(), "jwks_uri": kit.JWKSURL()}, "names issuer"},
		{"no issuer", map[string]any{"jwks_uri": kit.JWKSURL()}, "names issuer"},
		{"http jwks_uri", map[string]any{"issuer": kit.URL(), "jwks_uri": "http" + strings.TrimPrefix(kit.JWKSURL(), "https")}, "not https"},
		{"no jwks_uri", map[string]any{"issuer": kit.URL()}, "not https"},
		{"jwks_uri a number", map[string]any{"issuer": kit.URL(), "jwks_uri": 1}, "discovery document"},
	} {
		t.Run(c.name, func(t *testing.T) {
			kit.ServeDiscovery(c.doc)
			before := kit.JWKSRequests()
			err := newCache(t, kit, clk, nil).Prefetch(context.Background(), kit.OIDC())
			wantClass(t, err, oidc.ErrKeysUnavailable, "iss")
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			if kit.JWKSRequests() != before {
				t.Error("the key set was fetched despite a bad discovery document")
			}
		})
	}
	// Like Google's, the key set may live on another host than the issuer.
	kit.ServeDiscovery(map[string]any{"issuer": kit.URL(), "jwks_uri": other.JWKSURL()})
	v := newVerifier(t, newCache(t, kit, clk, nil), clk, nil, kit)
	if _, err := v.Verify(context.Background(), mint(t, kit, nil, oidctest.SignWith(other.Signer()))); err != nil {
		t.Errorf("key set on another host: %v", err)
	}
	_, err := v.Verify(context.Background(), mint(t, kit, nil))
	wantReject(t, err, oidc.ErrUnknownKey, "kid", kit.Signer().ID)
}

func TestCacheHTTPSOnly(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	cache := newCache(t, kit, clk, nil)
	plain := "http" + strings.TrimPrefix(kit.URL(), "https")
	for _, iss := range []oidc.Issuer{{URL: plain}, {URL: kit.URL(), JWKSURL: plain + "/.well-known/jwks"}, {URL: "https://"}} {
		if _, err := oidc.NewVerifier(oidc.Config{Issuers: []oidc.Issuer{iss}, Audience: "a", Keys: cache}); err == nil {
			t.Errorf("NewVerifier accepted %+v", iss)
		}
	}
	// The cache refuses plain http on its own too, without a request.
	for _, iss := range []oidc.Issuer{{URL: plain}, {URL: kit.URL(), JWKSURL: plain + "/.well-known/jwks"}} {
		_, err := cache.Keys(context.Background(), iss, kit.Signer().ID)
		wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kit.Signer().ID)
		if !strings.Contains(err.Error(), "not https") {
			t.Errorf("error %q does not say why", err)
		}
	}
	if n := requests(kit); n != 0 {
		t.Errorf("%d requests made over http", n)
	}
}

func TestCacheRedirects(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	set, err := oidctest.PublicJWKS(kit.Signer())
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/keys":
			w.Write(set)
		case "/same":
			http.Redirect(w, r, "/keys", http.StatusFound)
		case "/other":
			http.Redirect(w, r, kit.JWKSURL(), http.StatusFound)
		case "/plain":
			http.Redirect(w, r, "http"+strings.TrimPrefix(srv.URL, "https")+"/keys", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	}))
	t.Cleanup(srv.Close)
	raw := mint(t, kit, nil)
	for _, c := range []struct {
		path string
		ok   bool
	}{{"/same", true}, {"/other", false}, {"/plain", false}, {"/loop", false}} {
		t.Run(c.path, func(t *testing.T) {
			iss := kit.OIDC()
			iss.JWKSURL = srv.URL + c.path
			v := newVerifier(t, newCache(t, kit, clk, nil), clk, func(cfg *oidc.Config) { cfg.Issuers = []oidc.Issuer{iss} })
			_, err := v.Verify(context.Background(), raw)
			if c.ok {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kit.Signer().ID)
			if !strings.Contains(err.Error(), "redirect") {
				t.Errorf("error %q does not name the redirect", err)
			}
		})
	}
	if n := kit.JWKSRequests(); n != 0 {
		t.Errorf("the redirect to another host was followed %d times", n)
	}
}

func TestCacheBodyCap(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	set, err := oidctest.PublicJWKS(kit.Signer())
	if err != nil {
		t.Fatal(err)
	}
	kit.ServeJWKS(set)
	pinned := kit.OIDC()
	pinned.JWKSURL = kit.JWKSURL()
	prefetch := func(limit int64) error {
		c := newCache(t, kit, clk, func(c *oidc.CacheConfig) { c.MaxBodySize = limit })
		return c.Prefetch(context.Background(), pinned)
	}
	if err := prefetch(int64(len(set))); err != nil {
		t.Errorf("a key set of exactly MaxBodySize: %v", err)
	}
	err = prefetch(int64(len(set)) - 1)
	wantClass(t, err, oidc.ErrKeysUnavailable, "iss")
	if !strings.Contains(err.Error(), "larger than") {
		t.Errorf("error %q does not name the size", err)
	}

	// The default cap is 1 MiB.
	big := append([]byte(`{"pad":"`+strings.Repeat("x", 1<<20)+`",`), set[1:]...)
	kit.ServeJWKS(big)
	err = prefetch(0)
	wantClass(t, err, oidc.ErrKeysUnavailable, "iss")
	if err := prefetch(2 << 20); err != nil {
		t.Errorf("the same set under a 2 MiB cap: %v", err)
	}
}

func TestCacheRequestTimeout(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	kit.Delay(5 * time.Second)
	c := newCache(t, kit, clk, func(c *oidc.CacheConfig) { c.RequestTimeout = 100 * time.Millisecond })
	start := time.Now()
	err := c.Prefetch(context.Background(), kit.OIDC())
	wantClass(t, err, oidc.ErrKeysUnavailable, "iss")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Prefetch took %s with a 100ms request timeout", d)
	}
}

// Keys gives up waiting for a slow fetch when its caller does.
func TestCacheKeysContext(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	kit.Delay(3 * time.Second)
	c := newCache(t, kit, clk, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Keys(ctx, kit.OIDC(), kit.Signer().ID)
	wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kit.Signer().ID)
	if d := time.Since(start); d > time.Second {
		t.Errorf("Keys took %s with a 50ms context", d)
	}
}

func TestCacheRotation(t *testing.T) {
	t.Parallel()
	env := newKitEnv(t, nil)
	kit, v := env.kit, env.v
	old := mint(t, kit, nil)
	if _, err := kit.Rotate(); err != nil {
		t.Fatal(err)
	}
	env.clk.Add(2 * time.Minute) // past RefetchInterval since the prefetch
	before := kit.JWKSRequests()
	if _, err := v.Verify(context.Background(), mint(t, kit, nil)); err != nil {
		t.Fatalf("token of the new key: %v", err)
	}
	if _, err := v.Verify(context.Background(), old); err != nil {
		t.Errorf("token of the old key, still published: %v", err)
	}
	if n := kit.JWKSRequests() - before; n != 1 {
		t.Errorf("rotation cost %d key set requests, want 1", n)
	}
}

func TestCacheRateLimit(t *testing.T) {
	t.Parallel()
	env := newKitEnv(t, nil)
	kit, v, clk := env.kit, env.v, env.clk
	unknown := func(id string) string {
		return mint(t, kit, nil, oidctest.SignWith(&oidctest.Key{ID: id, Private: kit.Signer().Private}))
	}
	clk.Add(2 * time.Minute)
	_, err := v.Verify(context.Background(), unknown("first"))
	wantReject(t, err, oidc.ErrUnknownKey, "kid", "first")
	if n := kit.JWKSRequests(); n != 2 {
		t.Fatalf("%d key set requests, want the prefetch and one refetch", n)
	}

	kit.Delay(5 * time.Second) // a request now would show in the time taken
	clk.Add(59 * time.Second)
	start := time.Now()
	_, err = v.Verify(context.Background(), unknown("second"))
	wantReject(t, err, oidc.ErrUnknownKey, "kid", "second")
	if d := time.Since(start); d > time.Second || kit.JWKSRequests() != 2 {
		t.Errorf("a second unknown kid within a minute took %s and made %d requests, want fast and none", d, kit.JWKSRequests()-2)
	}
	if !strings.Contains(err.Error(), "rate-limited") {
		t.Errorf("error %q does not say the refetch was rate-limited", err)
	}

	kit.Delay(0)
	clk.Add(time.Second) // a full RefetchInterval since the last fetch
	_, err = v.Verify(context.Background(), unknown("third"))
	wantReject(t, err, oidc.ErrUnknownKey, "kid", "third")
	if n := kit.JWKSRequests(); n != 3 {
		t.Errorf("%d key set requests, want one more after RefetchInterval", n)
	}
}

func TestCacheConcurrentMiss(t *testing.T) {
	t.Parallel()
	env := newKitEnv(t, nil)
	kit, v := env.kit, env.v
	if _, err := kit.Rotate(); err != nil {
		t.Fatal(err)
	}
	env.clk.Add(2 * time.Minute)
	raw := mint(t, kit, nil)
	kit.Delay(50 * time.Millisecond) // the fetch is still in flight as the misses pile up
	before := kit.JWKSRequests()

	const n = 1000
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			_, err := v.Verify(context.Background(), raw)
			errs <- err
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			if failed == 0 {
				t.Errorf("Verify: %v", err)
			}
			failed++
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d verifications failed", failed, n)
	}
	if got := kit.JWKSRequests() - before; got != 1 {
		t.Errorf("%d simultaneous misses made %d key set requests, want 1", n, got)
	}
}

func TestCacheOutage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		breakIt func(*oidctest.Issuer)
	}{
		{"HTTP 500", func(k *oidctest.Issuer) { k.Fail(http.StatusInternalServerError) }},
		{"malformed JSON", func(k *oidctest.Issuer) { k.ServeJWKS([]byte(`{"keys":[`)) }},
		{"empty set", func(k *oidctest.Issuer) { k.ServeJWKS([]byte(`{"keys":[]}`)) }},
		{"not a set", func(k *oidctest.Issuer) { k.ServeJWKS([]byte(`[]`)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			clk := newStepClock()
			kit := newKit(t, clk)
			cache := newCache(t, kit, clk, func(c *oidc.CacheConfig) { c.MaxStale = time.Hour })
			v := newVerifier(t, cache, clk, nil, kit)
			raw := mint(t, kit, nil, oidctest.Lifetime(6*time.Hour))
			if _, err := v.Verify(context.Background(), raw); err != nil {
				t.Fatalf("Verify: %v", err)
			}

			c.breakIt(kit)
			clk.Add(2 * time.Minute)
			stray := mint(t, kit, nil, oidctest.SignWith(&oidctest.Key{ID: "rotated-in", Private: kit.Signer().Private}))
			_, err := v.Verify(context.Background(), stray)
			// The issuer cannot be asked, so an unknown kid may be a new key:
			// the keys are unavailable rather than the kid unknown.
			wantReject(t, err, oidc.ErrKeysUnavailable, "kid", "rotated-in")
			if kit.JWKSRequests() != 2 {
				t.Fatalf("%d key set requests, want the first and the failed refetch", kit.JWKSRequests())
			}
			clk.Set(t0.Add(time.Hour))
			if _, err := v.Verify(context.Background(), raw); err != nil {
				t.Fatalf("Verify with the last good keys, MaxStale old: %v", err)
			}
			clk.Add(time.Second)
			_, err = v.Verify(context.Background(), raw)
			wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kit.Signer().ID)

			kit.Fail(0)
			kit.ServeJWKS(nil)
			if _, err := v.Verify(context.Background(), raw); !errors.Is(err, oidc.ErrKeysUnavailable) {
				t.Fatalf("Verify within RefetchInterval of the failure: %v, want ErrKeysUnavailable", err)
			}
			clk.Add(time.Minute)
			if _, err := v.Verify(context.Background(), raw); err != nil {
				t.Errorf("Verify after the issuer recovered: %v", err)
			}
		})
	}
}

func TestCacheEmptySetNotCached(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	kit.ServeJWKS([]byte(`{"keys":[]}`))
	v := newVerifier(t, newCache(t, kit, clk, nil), clk, nil, kit)
	raw := mint(t, kit, nil)
	for range 2 {
		_, err := v.Verify(context.Background(), raw)
		wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kit.Signer().ID)
		if !strings.Contains(err.Error(), "no usable public signing key") {
			t.Errorf("error %q does not say the set was empty", err)
		}
	}
	if n := kit.JWKSRequests(); n != 1 {
		t.Errorf("%d key set requests within RefetchInterval, want 1", n)
	}
	kit.ServeJWKS(nil)
	clk.Add(time.Minute)
	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Errorf("Verify once the set has keys: %v", err)
	}
	if n := kit.JWKSRequests(); n != 2 {
		t.Errorf("%d key set requests, want a retry", n)
	}
}

// The background refresh follows Cache-Control max-age, clamped to
// [MinRefresh, MaxRefresh]. The cache runs in a synctest bubble, so its
// timers follow the bubble's fake clock: hours pass at once and the counts
// are exact.
func TestCacheBackgroundRefresh(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name         string
		cacheControl string
		min, max     time.Duration // zero: the defaults, 5 min and 24 h
		window       time.Duration
		refreshes    int // within window
	}{
		{"below MinRefresh", "public, max-age=0", 0, 0, 20*time.Minute + time.Second, 4},
		{"no-store", "no-store, max-age=3600", 0, 0, 20*time.Minute + time.Second, 4},
		{"absent", "", 0, 0, 20*time.Minute + time.Second, 4},
		{"within the bounds", "max-age=600", 0, 0, 30*time.Minute + time.Second, 3},
		{"above MaxRefresh", "max-age=172800", 0, 0, 72*time.Hour + time.Minute, 3},
		{"configured bounds", "max-age=3600", time.Minute, 2 * time.Minute, 10*time.Minute + time.Second, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			kit := oidctest.New(t, oidctest.Options{}) // outside the bubble: its server waits on the network
			kit.CacheControl(c.cacheControl)
			synctest.Test(t, func(t *testing.T) {
				cache := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: bubbleClient(kit), MinRefresh: c.min, MaxRefresh: c.max,
					IdleTimeout: 100 * time.Hour}) // prefetched once, then idle for the whole window
				defer cache.Close()
				if err := cache.Prefetch(context.Background(), kit.OIDC()); err != nil {
					t.Fatal(err)
				}
				time.Sleep(c.window)
				if n := kit.JWKSRequests() - 1; n != c.refreshes {
					t.Errorf("%d refreshes in %s, want %d", n, c.window, c.refreshes)
				}
			})
		})
	}
}

// bubbleClient is a client of kit for a synctest bubble. It closes each
// connection after its response: an idle keep-alive connection is a
// goroutine blocked on network I/O, which would keep the bubble's clock
// from advancing.
func bubbleClient(kit *oidctest.Issuer) *http.Client {
	tr := kit.Client().Transport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true
	return &http.Client{Transport: tr}
}

const cacheMarker = "oidc.(*KeyCache)"

func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	leakcheck.Wait(t, cacheMarker, want)
}

func TestCacheClose(t *testing.T) {
	clk := newStepClock()
	kit := newKit(t, clk)
	waitGoroutines(t, 0)
	cache := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: kit.Client(), Now: clk.Now})
	if err := cache.Prefetch(context.Background(), kit.OIDC()); err != nil {
		t.Fatal(err)
	}
	if leakcheck.Count(cacheMarker) == 0 {
		t.Fatal("no background refresh running; the goroutine check would prove nothing")
	}

	// A fetch in flight when Close is called is cut short.
	kit.Delay(10 * time.Second)
	other := kit.OIDC()
	other.JWKSURL = kit.JWKSURL()
	fetched := make(chan error)
	go func() { fetched <- cache.Prefetch(context.Background(), other) }()
	for kit.JWKSRequests() < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	closed := make(chan error)
	go func() { closed <- cache.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Close hangs with a fetch in flight")
	}
	if err := <-fetched; err == nil {
		t.Error("the fetch cut short by Close reported success")
	}
	waitGoroutines(t, 0)

	// After Close, Keys fails at once, even for a kid it held.
	for _, kid := range []string{kit.Signer().ID, "unknown"} {
		got := make(chan error, 1)
		go func() {
			_, err := cache.Keys(context.Background(), kit.OIDC(), kid)
			got <- err
		}()
		select {
		case err := <-got:
			wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kid)
		case <-time.After(2 * time.Second):
			t.Fatal("Keys hangs after Close")
		}
	}
	if err := cache.Prefetch(context.Background(), kit.OIDC()); !errors.Is(err, oidc.ErrKeysUnavailable) {
		t.Errorf("Prefetch after Close: %v", err)
	}
	if err := cache.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	waitGoroutines(t, 0)
}

func TestCacheLogs(t *testing.T) {
	t.Parallel()
	rec := &logRecorder{}
	clk := newStepClock()
	kit := newKit(t, clk)
	cache := newCache(t, kit, clk, func(c *oidc.CacheConfig) { c.Logger = slog.New(rec) })
	v := newVerifier(t, cache, clk, nil, kit)
	unknown := func(id string) string {
		return mint(t, kit, nil, oidctest.SignWith(&oidctest.Key{ID: id, Private: kit.Signer().Private}))
	}
	if _, err := v.Verify(context.Background(), mint(t, kit, nil)); err != nil {
		t.Fatal(err)
	}
	v.Verify(context.Background(), unknown("a")) // refetched: the first fetch does not count
	v.Verify(context.Background(), unknown("a")) // rate-limited: just refetched
	kit.Fail(http.StatusServiceUnavailable)
	clk.Add(2 * time.Minute)
	v.Verify(context.Background(), unknown("b")) // refetch fails
	for _, want := range []string{"key set refreshed", "key refetch rate-limited", "key set fetch failed", "HTTP 503", "kid=a", "issuer=" + kit.URL()} {
		if rec.count(want) == 0 {
			t.Errorf("no log line with %q in:\n%s", want, rec)
		}
	}
}

// memKeyStore is a KeyStore in memory, as a Redis would be shared.
type memKeyStore struct {
	mu      sync.Mutex
	sets    map[string][]byte
	fetched map[string]time.Time
}

func (s *memKeyStore) SaveKeys(_ context.Context, iss string, set []byte, fetched time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sets == nil {
		s.sets, s.fetched = map[string][]byte{}, map[string]time.Time{}
	}
	s.sets[iss], s.fetched[iss] = set, fetched
	return nil
}

func (s *memKeyStore) LoadKeys(_ context.Context, iss string) ([]byte, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, ok := s.sets[iss]
	if !ok {
		return nil, time.Time{}, errors.New("no key set recorded")
	}
	return set, s.fetched[iss], nil
}

// A replica started during an outage uses the set another one shared.
func TestCacheShared(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	store := &memKeyStore{}
	shared := func(c *oidc.CacheConfig) { c.Shared = store; c.MaxStale = time.Hour }
	first := newCache(t, kit, clk, shared)
	if err := first.Prefetch(context.Background(), kit.OIDC()); err != nil {
		t.Fatal(err)
	}
	kit.Fail(http.StatusBadGateway)
	raw := mint(t, kit, nil, oidctest.Lifetime(2*time.Hour))

	clk.Set(t0.Add(time.Hour))
	v := newVerifier(t, newCache(t, kit, clk, shared), clk, nil, kit)
	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Fatalf("Verify with the shared set: %v", err)
	}

	clk.Add(time.Second) // the shared set is now older than MaxStale
	v = newVerifier(t, newCache(t, kit, clk, shared), clk, nil, kit)
	_, err := v.Verify(context.Background(), raw)
	wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kit.Signer().ID)

	v = newVerifier(t, newCache(t, kit, clk, nil), clk, nil, kit)
	_, err = v.Verify(context.Background(), raw)
	wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kit.Signer().ID)
}

// A replica whose own set went stale during an outage takes a fresher one
// that another replica shared, and never one dated in the future.
func TestCacheSharedFresherNotFuture(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	store := &memKeyStore{}
	shared := func(c *oidc.CacheConfig) { c.Shared = store; c.MaxStale = time.Hour }
	stale := newCache(t, kit, clk, shared)
	if err := stale.Prefetch(context.Background(), kit.OIDC()); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(50 * time.Minute))
	if err := newCache(t, kit, clk, shared).Prefetch(context.Background(), kit.OIDC()); err != nil {
		t.Fatal(err)
	}
	kit.Fail(http.StatusServiceUnavailable)
	clk.Set(t0.Add(70 * time.Minute)) // stale's own set is past MaxStale, the shared one is not
	raw := mint(t, kit, nil, oidctest.Lifetime(2*time.Hour))
	if _, err := newVerifier(t, stale, clk, nil, kit).Verify(context.Background(), raw); err != nil {
		t.Fatalf("Verify with the fresher shared set: %v", err)
	}

	set, _, err := store.LoadKeys(context.Background(), kit.URL())
	if err != nil {
		t.Fatal(err)
	}
	store.SaveKeys(context.Background(), kit.URL(), set, clk.Now().Add(24*time.Hour))
	_, err = newVerifier(t, newCache(t, kit, clk, shared), clk, nil, kit).Verify(context.Background(), raw)
	wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kit.Signer().ID)
}

// A typed-nil shared store (a failed constructor's result) is ignored, not
// called from the fetch goroutine, where its panic would end the process.
func TestCacheTypedNilShared(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	c := newCache(t, kit, clk, func(c *oidc.CacheConfig) { c.Shared = (*memKeyStore)(nil) })
	if err := c.Prefetch(context.Background(), kit.OIDC()); err != nil {
		t.Fatal(err)
	}
	if _, err := oidc.NewVerifier(oidc.Config{Issuers: []oidc.Issuer{kit.OIDC()}, Audience: "a", Keys: (*oidc.KeyCache)(nil)}); err == nil {
		t.Error("NewVerifier accepted a typed-nil key source")
	}
}

// A scheduled refresh does not count against the refetch rate limit: a key
// rotated in just after it is fetched on its first use. Cache, tokens and
// verifier all run on a synctest bubble's fake clock.
func TestCacheRefreshDoesNotRateLimitMisses(t *testing.T) {
	t.Parallel()
	kit := oidctest.New(t, oidctest.Options{}) // outside the bubble: its server waits on the network
	kit.CacheControl("max-age=0")              // the first refresh comes after MinRefresh…
	synctest.Test(t, func(t *testing.T) {
		cache := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: bubbleClient(kit), RefetchInterval: time.Hour})
		defer cache.Close()
		if err := cache.Prefetch(context.Background(), kit.OIDC()); err != nil {
			t.Fatal(err)
		}
		kit.CacheControl("max-age=3600") // …and the next one an hour later
		time.Sleep(5*time.Minute + time.Second)
		if n := kit.JWKSRequests(); n != 2 {
			t.Fatalf("%d key set requests after MinRefresh, want 2 (prefetch, refresh)", n)
		}
		if _, err := kit.Rotate(); err != nil {
			t.Fatal(err)
		}
		// The miss comes a second after the refresh, well within RefetchInterval.
		v, err := oidc.NewVerifier(oidc.Config{Issuers: []oidc.Issuer{kit.OIDC()}, Audience: oidctest.DefaultAudience, Keys: cache})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), mint(t, kit, nil)); err != nil {
			t.Fatalf("a key rotated in after a scheduled refresh: %v", err)
		}
		if n := kit.JWKSRequests(); n != 3 {
			t.Errorf("%d key set requests, want 3 (prefetch, refresh, miss)", n)
		}
	})
}
