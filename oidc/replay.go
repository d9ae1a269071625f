package oidc

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/trustpub/trustpub/internal/quote"
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
	// ErrReplayStore if the store cannot tell. An until that has already
	// passed is refused with ErrReplayStore: recording it would protect
	// nothing. A record may outlive until, never the reverse: an until the
	// store cannot represent (the far future) is refused with
	// ErrReplayStore, never recorded for less. Ids of any length and bytes
	// are distinct whenever they differ.
	Claim(ctx context.Context, id string, until time.Time) error
}

// MemoryReplayConfig configures a MemoryReplayStore.
type MemoryReplayConfig struct {
	// MaxEntries bounds memory, at about 100 bytes an entry whatever the
	// id's length. When full of unexpired entries, new tokens are refused
	// (ErrReplayStore) rather than old ones forgotten. Default 1,000,000.
	MaxEntries int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// MemoryReplayStore is a ReplayStore for one process. Entries leave it the
// moment they expire: each Claim first drops every expired entry, earliest
// first, from a heap ordered by expiry, so no claim pays for a sweep of the
// whole store and no expired entry counts against the bound.
//
// Expiries are kept in whole seconds since 1970, rounded up: an entry may
// outlive its expiry by under a second, never the reverse, and every
// instant a time.Time can hold fits (nanoseconds would overflow in 2262).
type MemoryReplayStore struct {
	max int
	now func() time.Time

	mu      sync.Mutex
	entries map[replayKey]int64 // expiry, Unix seconds rounded up
	heap    []replayEntry       // the same entries, a min-heap by expiry
}

// replayKey is the SHA-256 of an id: fixed-size, so a long jti costs no
// more memory than a short one.
type replayKey [sha256.Size]byte

type replayEntry struct {
	key   replayKey
	until int64
}

// NewMemoryReplayStore returns an empty store.
func NewMemoryReplayStore(cfg MemoryReplayConfig) *MemoryReplayStore {
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = 1_000_000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &MemoryReplayStore{max: cfg.MaxEntries, now: cfg.Now, entries: make(map[replayKey]int64)}
}

// Claim implements ReplayStore.
func (m *MemoryReplayStore) Claim(ctx context.Context, id string, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("oidc: %w: %w", ErrReplayStore, err)
	}
	now := m.now()
	if !until.After(now) {
		return fmt.Errorf("oidc: %w: expiry %s of %s is not in the future", ErrReplayStore, until.UTC().Format(time.RFC3339), quote.Value(id))
	}
	key := replayKey(sha256.Sum256([]byte(id)))
	exp := ceilUnix(until)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evict(now.Unix())
	if old, ok := m.entries[key]; ok {
		return fmt.Errorf("oidc: %w: %s (recorded until %s)", ErrReplayed, quote.Value(id), time.Unix(old, 0).UTC().Format(time.RFC3339))
	}
	if len(m.entries) >= m.max {
		return fmt.Errorf("oidc: %w: %d unexpired tokens recorded, the limit (MaxEntries); refusing rather than forgetting one", ErrReplayStore, m.max)
	}
	m.entries[key] = exp
	m.push(replayEntry{key, exp})
	return nil
}

// ceilUnix is t in seconds since 1970, rounded up. It cannot overflow: the
// latest time.Time is MaxInt64 seconds after year 1, over 62 billion
// seconds short of MaxInt64 seconds after 1970.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// Len returns the number of entries recorded, expired ones included until
// the next Claim.
func (m *MemoryReplayStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// evict drops every entry whose expiry is at or before now (Unix seconds,
// rounded down).
func (m *MemoryReplayStore) evict(now int64) {
	for len(m.heap) > 0 && m.heap[0].until <= now {
		delete(m.entries, m.heap[0].key)
		last := len(m.heap) - 1
		m.heap[0] = m.heap[last]
		m.heap = m.heap[:last]
		m.down(0)
	}
	if cap(m.heap) > 1024 && len(m.heap) < cap(m.heap)/8 {
		// Give back a burst's memory: neither a slice nor a map shrinks.
		m.heap = append([]replayEntry(nil), m.heap...)
		entries := make(map[replayKey]int64, len(m.heap))
		for _, e := range m.heap {
			entries[e.key] = e.until
		}
		m.entries = entries
	}
}

func (m *MemoryReplayStore) push(e replayEntry) {
	m.heap = append(m.heap, e)
	for i := len(m.heap) - 1; i > 0; {
		p := (i - 1) / 2
		if m.heap[p].until <= m.heap[i].until {
			break
		}
		m.heap[p], m.heap[i] = m.heap[i], m.heap[p]
		i = p
	}
}

func (m *MemoryReplayStore) down(i int) {
	h := m.heap
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && h[c+1].until < h[c].until {
			c++
		}
		if h[i].until <= h[c].until {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
