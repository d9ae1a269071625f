package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/trustpub/trustpub/internal/redistest"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/oidc/redisstore"
)

func TestKeySetRoundTrip(t *testing.T) {
	rdb := redistest.Connect(t)
	s := newStore(t, rdb, redisstore.Config{KeySetTTL: time.Hour})
	ctx := context.Background()
	if _, _, err := s.LoadKeys(ctx, "https://none"); !errors.Is(err, redisstore.ErrNoKeySet) {
		t.Fatalf("LoadKeys of nothing: %v, want ErrNoKeySet", err)
	}
	fetched := time.Unix(1700000000, 123456789)
	set := []byte("{\"keys\":[]}\n")
	if err := s.SaveKeys(ctx, "https://iss", set, fetched); err != nil {
		t.Fatal(err)
	}
	got, when, err := s.LoadKeys(ctx, "https://iss")
	if err != nil || string(got) != string(set) || !when.Equal(fetched) {
		t.Fatalf("LoadKeys = %q, %s, %v; want %q, %s", got, when, err, set, fetched)
	}
	ttl, err := rdb.PTTL(ctx, s.KeySetKey("https://iss")).Result()
	if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Fatalf("key set TTL %s, %v; want about 1h", ttl, err)
	}
	rdb.Set(ctx, s.KeySetKey("https://bad"), "not a key set", 0)
	if _, _, err := s.LoadKeys(ctx, "https://bad"); err == nil {
		t.Fatal("LoadKeys accepted a value it did not write")
	}
}

// A replica that starts while the issuer is down verifies with the key set
// another replica fetched, until that set is older than MaxStale.
func TestSharedKeySetDuringOutage(t *testing.T) {
	rdb := redistest.Connect(t)
	s := newStore(t, rdb, redisstore.Config{})
	kit := oidctest.New(t, oidctest.Options{})
	ctx := context.Background()
	replica := func(now func() time.Time) *oidc.Verifier {
		cache := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: kit.Client(), Shared: s, MaxStale: time.Hour, Now: now})
		t.Cleanup(func() { cache.Close() })
		v, err := oidc.NewVerifier(oidc.Config{Issuers: []oidc.Issuer{kit.OIDC()}, Audience: oidctest.DefaultAudience, Keys: cache})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tok, err := kit.Mint(map[string]any{"sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replica(nil).Verify(ctx, tok); err != nil {
		t.Fatalf("replica 1, issuer up: %v", err)
	}
	if _, _, err := s.LoadKeys(ctx, kit.URL()); err != nil {
		t.Fatalf("replica 1 shared nothing: %v", err)
	}

	kit.Fail(503)
	before := kit.Requests("/.well-known/openid-configuration")
	if _, err := replica(nil).Verify(ctx, tok); err != nil {
		t.Fatalf("replica 2, issuer down, shared keys fresh: %v", err)
	}
	if kit.Requests("/.well-known/openid-configuration") == before {
		t.Error("replica 2 did not try the issuer first")
	}
	within := func() time.Time { return time.Now().Add(time.Hour - time.Minute) }
	if _, err := replica(within).Verify(ctx, tok); err != nil {
		t.Fatalf("replica 3, shared keys 59 min old, MaxStale 1 h: %v", err)
	}
	later := func() time.Time { return time.Now().Add(time.Hour + time.Minute) }
	if _, err := replica(later).Verify(ctx, tok); !errors.Is(err, oidc.ErrKeysUnavailable) {
		t.Fatalf("replica 4, shared keys beyond MaxStale: %v, want ErrKeysUnavailable", err)
	}
}
