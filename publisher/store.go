package publisher

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Store finds the publishers registered for a workload. Registries back it
// with their database, indexed by (issuer, lookup key).
type Store interface {
	// Lookup returns the publishers whose policy has this issuer and lookup
	// key. An error fails the verification closed.
	Lookup(ctx context.Context, issuer, key string) ([]Registered, error)
}

// MemoryStore is a Store held in memory, safe for concurrent use. The zero
// value is an empty store. A policy must not be changed after Add.
type MemoryStore struct {
	mu    sync.RWMutex
	byKey map[storeKey][]Registered
	ids   map[string]storeKey // id -> its index key
}

// NewMemoryStore returns a store holding pubs.
func NewMemoryStore(pubs ...Registered) (*MemoryStore, error) {
	m := new(MemoryStore)
	for _, r := range pubs {
		if err := m.Add(r); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// storeKey indexes publishers; a struct, so no issuer and key pair can
// collide with another as a joined string could.
type storeKey struct{ issuer, key string }

func index(issuer, key string) storeKey { return storeKey{issuer, key} }

// Add validates and registers a publisher. IDs are unique. Every error
// wraps ErrPolicy.
func (m *MemoryStore) Add(r Registered) error {
	if err := validate(r); err != nil {
		return err
	}
	k := index(r.Policy.Issuer(), r.Policy.LookupKey())
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.ids[r.ID]; dup {
		return fmt.Errorf("%w: publisher id %q registered twice", ErrPolicy, r.ID)
	}
	if m.ids == nil {
		m.ids, m.byKey = make(map[string]storeKey), make(map[storeKey][]Registered)
	}
	m.ids[r.ID] = k
	m.byKey[k] = append(m.byKey[k], r)
	return nil
}

// Remove unregisters a publisher and reports whether it was there.
func (m *MemoryStore) Remove(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.ids[id]
	if !ok {
		return false
	}
	delete(m.ids, id)
	list := m.byKey[k]
	for i, r := range list {
		if r.ID == id {
			// Capacity i: the entries after i are copied to a new array,
			// never over those a Lookup may have handed out.
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(m.byKey, k)
	} else {
		m.byKey[k] = list
	}
	return true
}

// Lookup implements Store. The key is matched exactly: it is already
// normalised by claims.Set.LookupKey and Policy.LookupKey.
//
// The slice is the store's own, not a copy: the caller must not modify its
// elements. Appending to it is safe (its capacity is its length), and the
// store never writes into a slice it has handed out: Add appends past the
// end of every earlier result, Remove builds a new slice.
func (m *MemoryStore) Lookup(_ context.Context, issuer, key string) ([]Registered, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clip(m.byKey[index(issuer, key)]), nil
}

// Publishers returns a copy of every registered publisher, ordered by ID:
// for listing them, or for CheckIssuers.
func (m *MemoryStore) Publishers() []Registered {
	m.mu.RLock()
	defer m.mu.RUnlock()
	all := make([]Registered, 0, len(m.ids))
	for _, list := range m.byKey {
		all = append(all, list...)
	}
	slices.SortFunc(all, func(a, b Registered) int { return strings.Compare(a.ID, b.ID) })
	return all
}
