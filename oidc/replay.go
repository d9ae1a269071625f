package oidc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

var (
	// ErrReplayed: the token was already used.
	ErrReplayed = errors.New("token already used")
	// ErrReplayStore: the replay store failed, so the token cannot be shown
	// to be unused; it is refused.
	ErrReplayStore = errors.New("replay store unavailable")
)

// ReplayStore makes tokens one-time across everything that shares it.
type ReplayStore interface {
	// Claim atomically records id as used until the given instant. It
	// returns an error wrapping ErrReplayed if id is already recorded, or
	// ErrReplayStore if the store cannot tell.
	Claim(ctx context.Context, id string, until time.Time) error
}

// MemoryReplayConfig configures a MemoryReplayStore.
type MemoryReplayConfig struct {
	// MaxEntries bounds memory. When full of unexpired entries, new tokens
	// are refused (ErrReplayStore) rather than old ones forgotten.
	// Default 1,000,000.
	MaxEntries int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// MemoryReplayStore is a ReplayStore for one process.
type MemoryReplayStore struct {
	max int
	now func() time.Time

	mu        sync.Mutex
	entries   map[string]time.Time
	sweepAt   time.Time // earliest expiry, but at most one sweep a second
	lastSweep time.Time
}

// NewMemoryReplayStore returns an empty store.
func NewMemoryReplayStore(cfg MemoryReplayConfig) *MemoryReplayStore {
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = 1_000_000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &MemoryReplayStore{max: cfg.MaxEntries, now: cfg.Now, entries: make(map[string]time.Time)}
}

// Claim implements ReplayStore.
func (m *MemoryReplayStore) Claim(ctx context.Context, id string, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("oidc: %w: %w", ErrReplayStore, err)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if exp, ok := m.entries[id]; ok && now.Before(exp) {
		return fmt.Errorf("oidc: %w: %s (recorded until %s)", ErrReplayed, id, exp.UTC().Format(time.RFC3339))
	}
	if !now.Before(m.sweepAt) {
		m.sweep(now)
	}
	if len(m.entries) >= m.max {
		return fmt.Errorf("oidc: %w: %d unexpired tokens recorded, the limit", ErrReplayStore, m.max)
	}
	m.entries[id] = until
	if until.Before(m.sweepAt) {
		m.sweepAt = later(until, m.lastSweep.Add(time.Second))
	}
	return nil
}

// Len returns the number of recorded entries, expired ones included until
// the next sweep.
func (m *MemoryReplayStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// sweep drops expired entries. It runs once the earliest expiry has passed,
// at most once a second, so its cost is spread over many claims.
func (m *MemoryReplayStore) sweep(now time.Time) {
	earliest := now.Add(100 * 365 * 24 * time.Hour)
	for id, exp := range m.entries {
		if !now.Before(exp) {
			delete(m.entries, id)
		} else if exp.Before(earliest) {
			earliest = exp
		}
	}
	m.lastSweep = now
	m.sweepAt = later(earliest, now.Add(time.Second))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
