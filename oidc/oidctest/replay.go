package oidctest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustpub/trustpub/oidc"
)

// TestReplayStore checks that a ReplayStore keeps the contract the
// verifier relies on. Run it on your own store (a database table, say):
// newStore returns a fresh, empty store for each subtest.
//
// Beside the ordinary cases it holds the store to the extremes: expiries
// far in the future (past 2262, where nanoseconds since 1970 overflow an
// int64, up to the latest instant a time.Time holds) must be remembered or
// refused, never recorded and forgotten early; ids that differ in one
// byte, however long, are different ids.
func TestReplayStore(t *testing.T, newStore func(t *testing.T) oidc.ReplayStore) {
	ctx := context.Background()
	until := func() time.Time { return time.Now().Add(time.Minute) }
	t.Run("once", func(t *testing.T) {
		s := newStore(t)
		if err := s.Claim(ctx, "jti:https://issuer#a", until()); err != nil {
			t.Fatalf("first claim: %v", err)
		}
		if err := s.Claim(ctx, "jti:https://issuer#a", until()); !errors.Is(err, oidc.ErrReplayed) {
			t.Fatalf("second claim: %v, want ErrReplayed", err)
		}
		if err := s.Claim(ctx, "jti:https://issuer#b", until()); err != nil {
			t.Fatalf("another id: %v", err)
		}
	})
	t.Run("expiry already past", func(t *testing.T) {
		s := newStore(t)
		for _, u := range []time.Time{{}, time.Now().Add(-time.Second)} {
			if err := s.Claim(ctx, "late", u); !errors.Is(err, oidc.ErrReplayStore) {
				t.Errorf("until %v: %v, want ErrReplayStore", u, err)
			}
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Claim(cctx, "cancelled", until()); !errors.Is(err, oidc.ErrReplayStore) {
			t.Errorf("cancelled: %v, want ErrReplayStore", err)
		}
	})
	t.Run("100 concurrent claims", func(t *testing.T) {
		s := newStore(t)
		var ok, replayed atomic.Int32
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				switch err := s.Claim(ctx, "one", until()); {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, oidc.ErrReplayed):
					replayed.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 || replayed.Load() != 99 {
			t.Fatalf("%d accepted, %d replayed; want 1 and 99", ok.Load(), replayed.Load())
		}
	})
	t.Run("longest expiry a verifier asks for", func(t *testing.T) {
		// exp may lie MaxLifetimeLimit + LeewayLimit ahead; a registry adds
		// the leeway again and its replay margin. Two days covers it.
		s := newStore(t)
		u := time.Now().Add(48 * time.Hour)
		if err := s.Claim(ctx, "two days", u); err != nil {
			t.Fatalf("until %s: %v", u.UTC().Format(time.RFC3339), err)
		}
		if err := s.Claim(ctx, "two days", u); !errors.Is(err, oidc.ErrReplayed) {
			t.Fatalf("second claim: %v, want ErrReplayed", err)
		}
	})
	t.Run("far future", func(t *testing.T) {
		s := newStore(t)
		for i, u := range farFuture() {
			id := fmt.Sprint("far#", i)
			err := s.Claim(ctx, id, u)
			if err != nil {
				// Refusing what it cannot record fails closed: allowed.
				if !errors.Is(err, oidc.ErrReplayStore) {
					t.Errorf("until %s: %v, want nil or ErrReplayStore", u.UTC(), err)
				}
				continue
			}
			// Another claim gives the store the occasion to drop expired
			// records; this one must not be among them.
			if err := s.Claim(ctx, id+"/next", time.Now().Add(time.Minute)); err != nil {
				t.Fatalf("claim after until %s: %v", u.UTC(), err)
			}
			if err := s.Claim(ctx, id, u); !errors.Is(err, oidc.ErrReplayed) {
				t.Errorf("until %s: recorded, then claimed again: %v, want ErrReplayed", u.UTC(), err)
			}
		}
	})
	t.Run("distinct ids", func(t *testing.T) {
		s := newStore(t)
		long := strings.Repeat("j", 64<<10)
		ids := []string{"", "a", "A", "a\x00", "a\r\nb", "a b", long, long + "k", long[:255] + "x", long[:255] + "y",
			"jti:https://issuer#1", "jti:https://issuer#1 ", "sha256:" + strings.Repeat("0", 64), "\xff\xfe"}
		u := time.Now().Add(time.Minute)
		for _, id := range ids {
			if err := s.Claim(ctx, id, u); err != nil {
				t.Errorf("first claim of %.40q (%d bytes): %v", id, len(id), err)
			}
		}
		for _, id := range ids {
			if err := s.Claim(ctx, id, u); !errors.Is(err, oidc.ErrReplayed) {
				t.Errorf("second claim of %.40q (%d bytes): %v, want ErrReplayed", id, len(id), err)
			}
		}
	})
}

// farFuture lists expiries a store must not shorten: just past the last
// instant of int64 nanoseconds since 1970 (2262-04-11), 250 years ahead,
// the latest expiry a token may carry (9999-12-31T23:59:59Z), the instant
// whose milliseconds since 1970 wrap an int64 around to 1970 (2^64 ms and
// a bit), and the latest instant a time.Time holds.
func farFuture() []time.Time {
	const unixToInternal = (1969*365 + 1969/4 - 1969/100 + 1969/400) * 24 * 60 * 60
	return []time.Time{
		time.Unix(0, math.MaxInt64).Add(time.Second),
		time.Now().AddDate(250, 0, 0),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Unix(math.MaxUint64/1000+1, int64(time.Millisecond)),
		time.Unix(math.MaxInt64-unixToInternal, 999_999_999),
	}
}
