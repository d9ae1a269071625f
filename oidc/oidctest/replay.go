package oidctest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustpub/trustpub/oidc"
)

// TestReplayStore checks that a ReplayStore keeps the contract the
// verifier relies on. Run it on your own store (a database table, say):
// newStore returns a fresh, empty store for each subtest.
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
}
