package publisher

import (
	"context"
	"fmt"
	"sync"
)

// Store finds the publishers registered for a workload. Registries back it
// with their database, indexed by (issuer, lookup key).
type Store interface {
	// Lookup returns the publishers whose policy has this issuer and lookup
	// key. An error fails the verification closed.
	Lookup(ctx context.Context, issuer, key string) ([]Registered, error)
}

// MemoryStore is a Store held in memory, safe for concurrent use.
type MemoryStore struct {
	mu    sync.RWMutex
	byKey map[string][]Registered // issuer + " " + key
	ids   map[string]string       // id -> its index key
}

// NewMemoryStore returns a store holding pubs.
func NewMemoryStore(pubs ...Registered) (*MemoryStore, error) {
	m := &MemoryStore{byKey: make(map[string][]Registered), ids: make(map[string]string)}
	for _, r := range pubs {
		if err := m.Add(r); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func index(issuer, key string) string { return issuer + " " + key }

// Add validates and registers a publisher. IDs are unique.
func (m *MemoryStore) Add(r Registered) error {
	if r.ID == "" {
		return fmt.Errorf("%w: a registered publisher needs an id", ErrPolicy)
	}
	if r.Policy == nil {
		return fmt.Errorf("%w: publisher %q has no policy", ErrPolicy, r.ID)
	}
	if err := r.Policy.Validate(); err != nil {
		return fmt.Errorf("publisher %q: %w", r.ID, err)
	}
	k := index(r.Policy.Issuer(), r.Policy.LookupKey())
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.ids[r.ID]; dup {
		return fmt.Errorf("%w: publisher id %q registered twice", ErrPolicy, r.ID)
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

// Lookup implements Store.
func (m *MemoryStore) Lookup(_ context.Context, issuer, key string) ([]Registered, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.byKey[index(issuer, key)], nil
}
