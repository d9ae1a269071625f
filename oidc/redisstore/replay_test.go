package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/trustpub/trustpub/oidc/oidctest"

	"github.com/redis/go-redis/v9"

	"github.com/trustpub/trustpub/internal/redistest"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/redisstore"
)

func newStore(t *testing.T, rdb redis.UniversalClient, cfg redisstore.Config) *redisstore.Store {
	t.Helper()
	if cfg.Prefix == "" {
		cfg.Prefix = redistest.Prefix()
	}
	s, err := redisstore.New(rdb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestClaimOnce(t *testing.T) {
	rdb := redistest.Connect(t)
	s := newStore(t, rdb, redisstore.Config{})
	ctx := context.Background()
	until := time.Now().Add(time.Minute)
	if err := s.Claim(ctx, "jti:https://issuer#1", until); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	err := s.Claim(ctx, "jti:https://issuer#1", until)
	if !errors.Is(err, oidc.ErrReplayed) || errors.Is(err, oidc.ErrReplayStore) {
		t.Fatalf("second claim: %v, want ErrReplayed only", err)
	}
	if err := s.Claim(ctx, "jti:https://issuer#2", until); err != nil {
		t.Fatalf("other id: %v", err)
	}
}

// The key expires at the absolute instant asked, rounded up to the
// millisecond: never before it.
func TestClaimExpiry(t *testing.T) {
	rdb := redistest.Connect(t)
	s := newStore(t, rdb, redisstore.Config{})
	ctx := context.Background()
	for _, until := range []time.Time{
		time.Now().Add(90 * time.Second).Truncate(time.Second),
		time.Now().Add(time.Hour).Truncate(time.Millisecond).Add(time.Microsecond),
	} {
		id := "id-" + until.String()
		if err := s.Claim(ctx, id, until); err != nil {
			t.Fatal(err)
		}
		at, err := rdb.PExpireTime(ctx, s.ReplayKey(id)).Result()
		if err != nil {
			t.Fatal(err)
		}
		want := until.Add(time.Millisecond - 1).Truncate(time.Millisecond)
		if got := time.UnixMilli(int64(at / time.Millisecond)); !got.Equal(want) {
			t.Errorf("PEXPIRETIME = %s, want %s (until %s)", got, want, until)
		}
	}
}

// Far expiries reach Redis as the same instant in milliseconds, rounded up,
// up to the last Redis can hold; past it the claim is refused, never sent
// as milliseconds that wrapped around to the past.
func TestClaimFarExpiry(t *testing.T) {
	rdb := redistest.Connect(t)
	s := newStore(t, rdb, redisstore.Config{})
	ctx := context.Background()
	lastSecond := int64(math.MaxInt64/1000 - 2)
	for _, c := range []struct {
		until  time.Time
		wantMS int64 // 0: refused
	}{
		{time.Unix(0, math.MaxInt64).Add(time.Second), 9223372037855}, // 2262-04-11T23:47:17.854775807Z
		{time.Date(9999, 12, 31, 23, 59, 59, 500_000, time.UTC), 253402300799001},
		{time.Unix(lastSecond, 999_000_001), lastSecond*1000 + 1000},
		{time.Unix(lastSecond+1, 0), 0},
		{time.Unix(math.MaxUint64/1000+1, int64(time.Millisecond)), 0}, // its milliseconds wrap to 1970
	} {
		id := fmt.Sprint("far-", c.until.Unix())
		err := s.Claim(ctx, id, c.until)
		if c.wantMS == 0 {
			if !errors.Is(err, oidc.ErrReplayStore) {
				t.Errorf("until %s: %v, want ErrReplayStore", c.until.UTC(), err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("until %s: %v", c.until.UTC(), err)
		}
		// PEXPIRETIME read raw: as a time.Duration it would overflow.
		at, err := rdb.Do(ctx, "PEXPIRETIME", s.ReplayKey(id)).Int64()
		if err != nil || at != c.wantMS {
			t.Errorf("until %s: PEXPIRETIME = %d (%v), want %d", c.until.UTC(), at, err, c.wantMS)
		}
	}
}

// Hostile ids cannot reach another key: every id becomes one fixed-shape
// key under the prefix, whatever its bytes.
func TestReplayKeyShape(t *testing.T) {
	rdb := redistest.Connect(t)
	s := newStore(t, rdb, redisstore.Config{Prefix: "p:"})
	seen := map[string]bool{}
	for _, id := range []string{"", "a", "a\r\nFLUSHALL\r\n", "{slot}x", "jti:x#y", "jti:x#y\x00", strings.Repeat("z", 10000)} {
		k := s.ReplayKey(id)
		if !strings.HasPrefix(k, "p:replay:") || len(k) != len("p:replay:")+64 || strings.ContainsAny(k[2:], "{}\r\n\x00 ") {
			t.Errorf("ReplayKey(%.20q) = %q", id, k)
		}
		if seen[k] {
			t.Errorf("ReplayKey(%.20q) collides", id)
		}
		seen[k] = true
	}
	if s.KeySetKey("a") == s.ReplayKey("a") {
		t.Error("key set and replay keys collide")
	}
}

// The Redis store keeps the contract every ReplayStore must.
func TestClaimContract(t *testing.T) {
	rdb := redistest.Connect(t)
	oidctest.TestReplayStore(t, func(t *testing.T) oidc.ReplayStore {
		return newStore(t, rdb, redisstore.Config{Prefix: redistest.Prefix()})
	})
}

func TestClaimPastExpiry(t *testing.T) {
	rdb := redistest.Connect(t)
	s := newStore(t, rdb, redisstore.Config{})
	for _, until := range []time.Time{{}, time.Now().Add(-time.Second), time.Now()} {
		if err := s.Claim(context.Background(), "x", until); !errors.Is(err, oidc.ErrReplayStore) {
			t.Errorf("until %s: %v, want ErrReplayStore", until, err)
		}
	}
	if n, _ := rdb.Exists(context.Background(), s.ReplayKey("x")).Result(); n != 0 {
		t.Error("a refused claim left a key")
	}
}

// A slow Redis (writes paused) fails the claim at the deadline: the
// caller's, or the default Timeout when the context has none.
func TestClaimSlow(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := newStore(t, rdb, redisstore.Config{Timeout: 150 * time.Millisecond})
	admin := srv.Client(t)
	if err := admin.Do(context.Background(), "CLIENT", "PAUSE", 3000, "WRITE").Err(); err != nil {
		t.Fatal(err)
	}
	defer admin.Do(context.Background(), "CLIENT", "UNPAUSE")
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	for name, ctx := range map[string]context.Context{"caller deadline": short, "default timeout": context.Background()} {
		start := time.Now()
		err := s.Claim(ctx, "slow-"+name, time.Now().Add(time.Minute))
		if !errors.Is(err, oidc.ErrReplayStore) {
			t.Errorf("%s: %v, want ErrReplayStore", name, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: took %s, the deadline was not honoured", name, d)
		}
	}
}

func TestClaimServerDown(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.Client(t), redisstore.Config{})
	until := time.Now().Add(time.Minute)
	if err := s.Claim(context.Background(), "before", until); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	start := time.Now()
	if err := s.Claim(context.Background(), "during", until); !errors.Is(err, oidc.ErrReplayStore) {
		t.Fatalf("Redis down: %v, want ErrReplayStore", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Redis down: took %s", d)
	}
	srv.Restart()
	if err := s.Claim(context.Background(), "after", until); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if err := s.Claim(context.Background(), "after", until); !errors.Is(err, oidc.ErrReplayed) {
		t.Fatalf("replay after restart: %v", err)
	}
}

func TestNewRequiresContextTimeout(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	if _, err := redisstore.New(rdb, redisstore.Config{}); err == nil {
		t.Fatal("New accepted a client that ignores context deadlines")
	}
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: true})
	defer cl.Close()
	if _, err := redisstore.New(cl, redisstore.Config{}); err != nil {
		t.Fatalf("cluster client: %v", err)
	}
	if _, err := redisstore.New(nil, redisstore.Config{}); err == nil {
		t.Fatal("New accepted a nil client")
	}
}
