package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustpub/trustpub/oidc/oidctest"

	"github.com/trustpub/trustpub/oidc"
)

// replayClock is a settable clock for the memory store.
type replayClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *replayClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *replayClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var replayT0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func TestMemoryReplayOnce(t *testing.T) {
	t.Parallel()
	m := oidc.NewMemoryReplayStore(oidc.MemoryReplayConfig{})
	ctx := context.Background()
	until := time.Now().Add(time.Minute)
	if err := m.Claim(ctx, "jti:a#1", until); err != nil {
		t.Fatal(err)
	}
	err := m.Claim(ctx, "jti:a#1", until)
	if !errors.Is(err, oidc.ErrReplayed) || errors.Is(err, oidc.ErrReplayStore) {
		t.Fatalf("replay: %v, want ErrReplayed only", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error not quoted: %q", err)
	}
	if err := m.Claim(ctx, "jti:a#2", until); err != nil {
		t.Fatalf("another id: %v", err)
	}
}

func TestMemoryReplayRefusesBadInput(t *testing.T) {
	t.Parallel()
	clk := &replayClock{t: replayT0}
	m := oidc.NewMemoryReplayStore(oidc.MemoryReplayConfig{Now: clk.Now})
	for _, until := range []time.Time{{}, replayT0, replayT0.Add(-time.Second)} {
		if err := m.Claim(context.Background(), "x", until); !errors.Is(err, oidc.ErrReplayStore) {
			t.Errorf("until %s: %v, want ErrReplayStore", until, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Claim(ctx, "y", replayT0.Add(time.Minute)); !errors.Is(err, oidc.ErrReplayStore) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	if m.Len() != 0 {
		t.Errorf("refused claims recorded %d entries", m.Len())
	}
}

// Entries leave at their expiry, not before, in any insertion order.
func TestMemoryReplayEviction(t *testing.T) {
	t.Parallel()
	clk := &replayClock{t: replayT0}
	m := oidc.NewMemoryReplayStore(oidc.MemoryReplayConfig{Now: clk.Now})
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	expiry := map[string]time.Time{}
	for i := range 500 {
		id := fmt.Sprint("jti:iss#", i)
		expiry[id] = replayT0.Add(time.Duration(1+r.IntN(600)) * time.Second)
		if err := m.Claim(ctx, id, expiry[id]); err != nil {
			t.Fatal(err)
		}
	}
	probes := 0
	for s := 0; s <= 610; s += 7 {
		now := replayT0.Add(time.Duration(s) * time.Second)
		clk.Set(now)
		live := 0
		for _, exp := range expiry {
			if exp.After(now) {
				live++
			}
		}
		probes++
		if err := m.Claim(ctx, fmt.Sprint("probe", s), replayT0.Add(100*time.Hour)); err != nil {
			t.Fatal(err) // also evicts
		}
		if m.Len() != live+probes {
			t.Fatalf("at +%ds: %d entries, want %d unexpired", s, m.Len(), live+probes)
		}
		for id, exp := range expiry {
			err := m.Claim(ctx, id, now.Add(time.Hour))
			if exp.After(now) && !errors.Is(err, oidc.ErrReplayed) {
				t.Fatalf("at +%ds: %s (until +%s) not refused: %v", s, id, exp.Sub(replayT0), err)
			}
			if !exp.After(now) {
				if err != nil {
					t.Fatalf("at +%ds: %s expired at +%s, refused: %v", s, id, exp.Sub(replayT0), err)
				}
				expiry[id] = now.Add(time.Hour)
			}
		}
	}
}

// Far from 1970, entries still leave at their expiry and not before: across
// 2262-04-11T23:47:16Z, where nanoseconds since 1970 overflow an int64, and
// past it; expiries with a fraction of a second are kept until then.
func TestMemoryReplayFarFuture(t *testing.T) {
	nanoEnd := time.Unix(0, math.MaxInt64)
	for _, start := range []time.Time{replayT0, nanoEnd.Add(-time.Hour), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 22, 0, 0, 0, time.UTC)} {
		clk := &replayClock{t: start}
		m := oidc.NewMemoryReplayStore(oidc.MemoryReplayConfig{Now: clk.Now})
		ctx := context.Background()
		until := start.Add(90*time.Minute + 500*time.Millisecond)
		if err := m.Claim(ctx, "a", until); err != nil {
			t.Fatalf("from %s: %v", start, err)
		}
		for _, at := range []time.Time{start, until.Add(-time.Nanosecond)} {
			clk.Set(at)
			if err := m.Claim(ctx, "a", at.Add(time.Hour)); !errors.Is(err, oidc.ErrReplayed) {
				t.Fatalf("at %s, until %s: %v, want ErrReplayed", at, until, err)
			}
		}
		clk.Set(until.Add(time.Second))
		if err := m.Claim(ctx, "b", until.Add(time.Hour)); err != nil || m.Len() != 1 {
			t.Fatalf("a second after %s: %v, %d entries; want the expired one gone", until, err, m.Len())
		}
	}
}

// A full store refuses new tokens and keeps refusing the recorded ones; it
// takes new ones again once recorded ones expire.
func TestMemoryReplayBound(t *testing.T) {
	t.Parallel()
	clk := &replayClock{t: replayT0}
	m := oidc.NewMemoryReplayStore(oidc.MemoryReplayConfig{MaxEntries: 3, Now: clk.Now})
	ctx := context.Background()
	for i := range 3 {
		if err := m.Claim(ctx, fmt.Sprint(i), replayT0.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	err := m.Claim(ctx, "new", replayT0.Add(time.Hour))
	if !errors.Is(err, oidc.ErrReplayStore) || errors.Is(err, oidc.ErrReplayed) || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("full store: %v, want ErrReplayStore naming the limit", err)
	}
	for i := range 3 {
		if err := m.Claim(ctx, fmt.Sprint(i), replayT0.Add(time.Hour)); !errors.Is(err, oidc.ErrReplayed) {
			t.Fatalf("recorded %d forgotten when full: %v", i, err)
		}
	}
	clk.Set(replayT0.Add(time.Minute))
	if err := m.Claim(ctx, "new", replayT0.Add(time.Hour)); err != nil {
		t.Fatalf("after one expiry: %v", err)
	}
	if err := m.Claim(ctx, "newer", replayT0.Add(time.Hour)); !errors.Is(err, oidc.ErrReplayStore) {
		t.Fatalf("full again: %v", err)
	}
	if m.Len() != 3 {
		t.Fatalf("Len = %d, want 3", m.Len())
	}
}

// A burst is given back once it expires.
func TestMemoryReplayShrinks(t *testing.T) {
	t.Parallel()
	clk := &replayClock{t: replayT0}
	m := oidc.NewMemoryReplayStore(oidc.MemoryReplayConfig{Now: clk.Now})
	ctx := context.Background()
	for i := range 20000 {
		m.Claim(ctx, fmt.Sprint(i), replayT0.Add(time.Minute))
	}
	clk.Set(replayT0.Add(2 * time.Minute))
	if err := m.Claim(ctx, "after", replayT0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 1 {
		t.Fatalf("Len = %d after the burst expired, want 1", m.Len())
	}
	if err := m.Claim(ctx, "after", replayT0.Add(3*time.Minute)); !errors.Is(err, oidc.ErrReplayed) {
		t.Fatalf("entry lost while shrinking: %v", err)
	}
}

// The memory store keeps the contract every ReplayStore must.
func TestMemoryReplayContract(t *testing.T) {
	t.Parallel()
	oidctest.TestReplayStore(t, func(*testing.T) oidc.ReplayStore {
		return oidc.NewMemoryReplayStore(oidc.MemoryReplayConfig{})
	})
}
