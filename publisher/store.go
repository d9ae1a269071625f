package publisher

import (
	"context"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"sync"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
)

// Store finds the publishers registered for a workload. Registries back it
// with their database, indexed by (issuer, lookup key).
type Store interface {
	// Lookup returns the publishers whose policy has this issuer and lookup
	// key, each with its Packages (VerifyPackage keeps only the package's).
	// An error fails the verification closed.
	Lookup(ctx context.Context, issuer, key string) ([]Registered, error)
}

// MemoryStore is a Store held in memory, safe for concurrent use. The zero
// value is an empty store. A policy must not be changed after Add.
//
// It is built for a million publishers and more: NewMemoryStore sizes its
// index once, and the store keeps a GitHub publisher (without refs) packed,
// its strings in one, rather than as its policy value. Lookup and
// Publishers build each publisher they return afresh: what they return is
// the caller's, and equal to what was added, but not the very same policy
// value.
type MemoryStore struct {
	mu    sync.RWMutex
	seed  maphash.Seed
	rows  []row    // one per publisher; removed ones are listed in free
	free  []uint32 // indices of removed rows, for reuse
	byKey table    // hash of (issuer, lookup key) -> rows
	byID  table    // hash of id -> rows
	// issuers counts the publishers of each issuer, for HasIssuer.
	issuers map[string]int
}

// row is one registered publisher: either packed (a GitHub policy without
// refs, other == nil) or kept as registered.
type row struct {
	s     string  // packed: the field* strings in order, then the packages, each ending in a NUL
	other *stored // a publisher not packed
	lens  [numPacked]uint8
	npkg  uint16
	flags uint8
}

// stored is a publisher the store does not pack, with its index key.
type stored struct {
	Registered
	issuer, key string
}

// The strings of a packed row, in order.
const (
	fieldID = iota
	fieldIssuer
	fieldOwner
	fieldOwnerID
	fieldRepository
	fieldWorkflow
	fieldEnvironment
	fieldReusable
	fieldRepositoryID
	numPacked
)

// maxRows bounds the publishers of a store: rows are numbered in 32 bits.
const maxRows = 1<<32 - 2

// Flags of a packed row.
const (
	flagLive = 1 << iota
	flagPending
	flagProtectedRef
	flagHostedRunner
)

// NewMemoryStore returns a store holding pubs, sized for them: loading a
// million publishers at once is much faster than adding them one by one.
// Every error wraps ErrPolicy.
func NewMemoryStore(pubs ...Registered) (*MemoryStore, error) {
	m := new(MemoryStore)
	m.prepare(len(pubs))
	for _, r := range pubs {
		if err := m.add(r); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *MemoryStore) prepare(n int) {
	m.seed = maphash.MakeSeed()
	m.rows = make([]row, 0, n)
	m.byKey.init(n)
	m.byID.init(n)
}

// Add validates and registers a publisher. IDs are unique. Every error
// wraps ErrPolicy.
func (m *MemoryStore) Add(r Registered) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rows == nil {
		m.prepare(0)
	}
	return m.add(r)
}

func (m *MemoryStore) add(r Registered) error {
	if err := validate(r); err != nil {
		return err
	}
	idHash := maphash.String(m.seed, r.ID)
	if _, dup := m.find(r.ID, idHash); dup {
		return fmt.Errorf("%w: publisher id %q registered twice", ErrPolicy, r.ID)
	}
	w, ok := pack(r)
	if !ok {
		w = row{other: &stored{Registered: r, issuer: r.Policy.Issuer(), key: r.Policy.LookupKey()}}
		w.other.Packages = slices.Clone(r.Packages)
	}
	w.flags |= flagLive
	keyHash := w.keyHash(m.seed)
	var i uint32
	if len(m.free) == 0 && uint64(len(m.rows)) >= maxRows {
		return fmt.Errorf("%w: the store is full (%d publishers)", ErrPolicy, len(m.rows))
	}
	if n := len(m.free); n > 0 {
		i, m.free = m.free[n-1], m.free[:n-1]
		m.rows[i] = w
	} else {
		i = uint32(len(m.rows))
		m.rows = append(m.rows, w)
	}
	m.byKey.insert(keyHash, i, m.rowKeyHash)
	m.byID.insert(idHash, i, m.rowIDHash)
	if iss := w.issuer(); m.issuers[iss] > 0 {
		m.issuers[iss]++
	} else {
		if m.issuers == nil {
			m.issuers = make(map[string]int)
		}
		m.issuers[strings.Clone(iss)] = 1 // not a window on the row's string
	}
	return nil
}

// rowKeyHash and rowIDHash recompute the hashes a row is indexed by.
func (m *MemoryStore) rowKeyHash(i uint32) uint64 { return m.rows[i].keyHash(m.seed) }
func (m *MemoryStore) rowIDHash(i uint32) uint64  { return maphash.String(m.seed, m.rows[i].id()) }

// keyHash hashes an issuer and a lookup key for the index.
func keyHash(seed maphash.Seed, issuer, key string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(issuer)
	h.WriteByte(0)
	h.WriteString(key)
	return h.Sum64()
}

// keyHash is the row's keyHash, without building a packed row's key: the
// hash of writes is the hash of their concatenation.
func (w *row) keyHash(seed maphash.Seed) uint64 {
	if w.other != nil {
		return keyHash(seed, w.other.issuer, w.other.key)
	}
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(w.issuer())
	h.WriteByte(0)
	var buf [0xff]byte
	h.Write(appendLower(buf[:0], w.field(fieldOwner)))
	h.WriteByte('/')
	h.Write(appendLower(buf[:0], w.field(fieldRepository)))
	return h.Sum64()
}

// appendLower appends s with its ASCII letters lower-cased: a GitHub
// name's strings.ToLower, since Validate allows only ASCII.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// find returns the row holding id; ok is false when there is none.
func (m *MemoryStore) find(id string, h uint64) (i uint32, ok bool) {
	for p := m.byID.probe(h); ; {
		i, ok := p.next()
		if !ok || m.rows[i].id() == id {
			return i, ok
		}
	}
}

// Remove unregisters a publisher and reports whether it was there.
func (m *MemoryStore) Remove(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rows == nil {
		return false
	}
	idHash := maphash.String(m.seed, id)
	i, ok := m.find(id, idHash)
	if !ok {
		return false
	}
	m.byKey.remove(m.rows[i].keyHash(m.seed), i, m.rowKeyHash)
	m.byID.remove(idHash, i, m.rowIDHash)
	if iss := m.rows[i].issuer(); m.issuers[iss] > 1 {
		m.issuers[iss]--
	} else {
		delete(m.issuers, iss)
	}
	m.rows[i] = row{}
	m.free = append(m.free, i)
	return true
}

// Lookup implements Store. The key is matched exactly: it is already
// normalised by claims.Set.LookupKey and Policy.LookupKey. The publishers
// come in the order they were added. The slice is the caller's: changing
// it, its publishers or their package lists cannot write into the store;
// a policy may be shared, and must not be changed.
func (m *MemoryStore) Lookup(_ context.Context, issuer, key string) ([]Registered, error) {
	return m.lookup(issuer, key, nil), nil
}

// lookup is Lookup, building the first publisher found in buf when it is
// not nil: Verify's, allocated with its Result.
func (m *MemoryStore) lookup(issuer, key string, buf *built) []Registered {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.rows == nil {
		return nil
	}
	var found [4]uint32
	hits := found[:0]
	for p := m.byKey.probe(keyHash(m.seed, issuer, key)); ; {
		i, ok := p.next()
		if !ok {
			break
		}
		if m.rows[i].is(issuer, key) {
			hits = append(hits, i)
		}
	}
	switch len(hits) {
	case 0:
		return nil
	case 1:
		return m.rows[hits[0]].build(buf)
	}
	out := make([]Registered, len(hits))
	for k, i := range hits {
		out[k] = m.rows[i].build(buf)[0]
		buf = nil
	}
	return out
}

// HasIssuer implements IssuerIndex: whether some registered publisher's
// policy names the issuer. It never fails.
func (m *MemoryStore) HasIssuer(_ context.Context, issuer string) (bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.issuers[issuer] > 0, nil
}

// Publishers returns a copy of every registered publisher, ordered by ID:
// for listing them, or for CheckIssuers.
func (m *MemoryStore) Publishers() []Registered {
	m.mu.RLock()
	defer m.mu.RUnlock()
	all := make([]Registered, 0, m.byID.n)
	for i := range m.rows {
		if w := &m.rows[i]; w.flags&flagLive != 0 {
			all = append(all, w.build(nil)[0])
		}
	}
	slices.SortFunc(all, func(a, b Registered) int { return strings.Compare(a.ID, b.ID) })
	return all
}

// unserved returns, ordered by ID, the publishers whose kind and issuer no
// provider of provs serves: New's CheckIssuers, without building every
// publisher of a large store.
func (m *MemoryStore) unserved(provs []providers.Provider) []Registered {
	serves := servedBy(provs)
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Registered
	for i := range m.rows {
		w := &m.rows[i]
		if w.flags&flagLive == 0 {
			continue
		}
		kind := claims.KindGitHub
		if w.other != nil {
			kind = w.other.Policy.Provider()
		}
		if !serves(kind, w.issuer()) {
			out = append(out, w.build(nil)[0])
		}
	}
	slices.SortFunc(out, func(a, b Registered) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// pack packs a GitHub publisher without refs whose strings each fit in 255
// bytes; ok is false for any other.
func pack(r Registered) (w row, ok bool) {
	p, ok := r.Policy.(*GitHub)
	if !ok || p.Refs != nil || len(r.Packages) > 0xffff {
		return row{}, false
	}
	fields := [numPacked]string{r.ID, p.IssuerURL, p.Owner, p.OwnerID, p.Repository, p.Workflow,
		p.Environment, p.ReusableWorkflow, p.RepositoryID}
	size := len(r.Packages)
	for i, f := range fields {
		if len(f) > 0xff {
			return row{}, false
		}
		w.lens[i] = uint8(len(f))
		size += len(f)
	}
	for _, pkg := range r.Packages {
		size += len(pkg)
	}
	var b strings.Builder
	b.Grow(size)
	for _, f := range fields {
		b.WriteString(f)
	}
	for _, pkg := range r.Packages {
		b.WriteString(pkg)
		b.WriteByte(0) // no package name holds a control character
	}
	w.s, w.npkg = b.String(), uint16(len(r.Packages))
	if r.Pending {
		w.flags |= flagPending
	}
	if p.RequireProtectedRef {
		w.flags |= flagProtectedRef
	}
	if p.RequireHostedRunner {
		w.flags |= flagHostedRunner
	}
	return w, true
}

// field returns the packed string f.
func (w *row) field(f int) string {
	start := 0
	for i := range f {
		start += int(w.lens[i])
	}
	return w.s[start : start+int(w.lens[f])]
}

func (w *row) id() string {
	if w.other != nil {
		return w.other.ID
	}
	return w.field(fieldID)
}

func (w *row) issuer() string {
	if w.other != nil {
		return w.other.issuer
	}
	if iss := w.field(fieldIssuer); iss != "" {
		return iss
	}
	return providers.GitHubIssuer
}

// is reports whether the row is indexed under issuer and key, without
// building its key: GitHub's is the lower-cased "owner/repository", and
// both are ASCII (Validate).
func (w *row) is(issuer, key string) bool {
	if w.other != nil {
		return w.other.issuer == issuer && w.other.key == key
	}
	owner, repo := w.field(fieldOwner), w.field(fieldRepository)
	return w.issuer() == issuer && len(key) == len(owner)+1+len(repo) && key[len(owner)] == '/' &&
		lowerIs(owner, key[:len(owner)]) && lowerIs(repo, key[len(owner)+1:])
}

// lowerIs reports whether lower is s with its ASCII letters lower-cased.
func lowerIs(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if lower[i] != c {
			return false
		}
	}
	return true
}

// built is a packed publisher built again: its Registered, policy and
// package list, in one allocation.
type built struct {
	reg  [1]Registered
	pol  GitHub
	pkgs [1]string
}

// build returns the row's publisher, in a slice of one: for a packed row,
// built in b, or in a new built when b is nil.
func (w *row) build(b *built) []Registered {
	if w.other != nil {
		r := w.other.Registered
		r.Packages = slices.Clone(r.Packages) // the caller's, as a packed row's are
		return []Registered{r}
	}
	if b == nil {
		b = new(built)
	}
	var f [numPacked]string
	at := 0
	for i, n := range w.lens {
		f[i], at = w.s[at:at+int(n)], at+int(n)
	}
	b.pol = GitHub{IssuerURL: f[fieldIssuer], Owner: f[fieldOwner], OwnerID: f[fieldOwnerID],
		Repository: f[fieldRepository], Workflow: f[fieldWorkflow], Environment: f[fieldEnvironment],
		ReusableWorkflow: f[fieldReusable], RepositoryID: f[fieldRepositoryID],
		RequireProtectedRef: w.flags&flagProtectedRef != 0, RequireHostedRunner: w.flags&flagHostedRunner != 0}
	b.reg[0] = Registered{ID: f[fieldID], Policy: &b.pol, Pending: w.flags&flagPending != 0}
	switch w.npkg {
	case 0:
	case 1:
		b.pkgs[0] = w.s[at : len(w.s)-1]
		b.reg[0].Packages = b.pkgs[:]
	default:
		pkgs := make([]string, 0, w.npkg)
		for rest := w.s[at:]; rest != ""; {
			name, after, _ := strings.Cut(rest, "\x00")
			pkgs, rest = append(pkgs, name), after
		}
		b.reg[0].Packages = pkgs
	}
	return b.reg[:]
}
