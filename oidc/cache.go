package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trustpub/trustpub/internal/nilness"
)

// CacheConfig configures a KeyCache. Zero fields take the defaults shown.
//
// These bounds keep a hostile or broken issuer, and anyone sending tokens
// that name it, from making the cache or the verifier costly:
//
//   - a key set or discovery document is one https response of at most
//     MaxBodySize (1 MiB), within RequestTimeout (5 s), following redirects
//     only on the same host;
//   - a key set holds at most 100 entries; a larger one is refused whole;
//   - only public signing keys are kept: RSA with a modulus of 2048 to
//     MaxRSABits (2048) bits and the public exponent 65537, no other, or EC
//     on P-256 or P-384 with the point on its curve; any other key is
//     dropped and logged ("oidc: key dropped");
//   - one key per kid and algorithm: when two different keys under one kid
//     could check the same algorithm, every key under that kid is dropped and
//     logged, and tokens naming it fail closed with ErrUnknownKey (exact
//     copies count as one key). A token thus costs at most one signature
//     check: with the defaults, a made-up token of ordinary size with a
//     random signature costs about as much as a valid one;
//   - an unknown kid makes at most one fetch per RefetchInterval (60 s);
//   - at most MaxIssuers (1000) issuers are kept, each dropped after
//     IdleTimeout (24 h) without use, and apart from them at most
//     MaxMembers (10,000) members of issuer families, the least recently
//     used dropped for a new one; a member's keys must be on its own host.
//
// An EC curve goes with one algorithm (ES256, ES384), so the issuer's
// Algorithms, RS256 only unless configured, decide whether an EC key is ever
// used. On amd64 an ES256 check costs about 2.5 times an RS256 one, an
// ES384 check about 35 times.
type CacheConfig struct {
	// HTTPClient fetches discovery documents and key sets. It is copied and
	// its redirect policy replaced: only same-host https redirects are
	// followed. Default: a client with no other settings.
	HTTPClient *http.Client
	// RequestTimeout bounds each HTTP request. Default 5 s.
	RequestTimeout time.Duration
	// MaxBodySize caps each response body. Default 1 MiB.
	MaxBodySize int64
	// MinRefresh and MaxRefresh clamp the Cache-Control max-age of the key
	// set, which schedules the background refresh, and of the discovery
	// document, which says how long its jwks_uri stays current. Defaults
	// 5 min and 24 h.
	MinRefresh, MaxRefresh time.Duration
	// RefetchInterval is the least time between two fetches for one issuer
	// triggered by an unknown kid or a failure. The first fetch of an
	// issuer does not count, unless it fails. Default 60 s.
	RefetchInterval time.Duration
	// MaxStale is how long the last good key set stays usable while the
	// issuer cannot be reached. Default 24 h.
	MaxStale time.Duration
	// MaxRSABits is the largest RSA modulus accepted, in bits; values are
	// clamped to 2048 to 4096. Default 2048, the usual size of OIDC signing
	// keys. Go's crypto/rsa checks 2048-bit signatures on an assembly fast
	// path; on amd64 a 3072-bit check costs about 6 times as much and a
	// 4096-bit one about 12 times, which anyone can make the verifier pay
	// with a made-up token naming an issuer that publishes such a key.
	// Raise it only for an issuer that needs it.
	MaxRSABits int
	// IdleTimeout drops an issuer's keys and stops refreshing them when no
	// Keys or Prefetch call has asked for them for this long. Default 24 h.
	IdleTimeout time.Duration
	// MaxIssuers caps the number of issuers kept. Beyond it, once idle
	// issuers are dropped, a new issuer is refused with ErrKeysUnavailable
	// (the issuers already kept are never evicted for it, so a stream of
	// new issuers cannot turn into a stream of fetches). Default 1000.
	MaxIssuers int
	// MaxMembers caps the members of issuer families (one CircleCI or
	// Semaphore organization each) kept, apart from MaxIssuers, so that
	// however many organizations a registry serves, they never crowd out
	// its fixed issuers. A verifier asks for the keys of a member only once
	// its family admitted it (a registered publisher names it); when the
	// cache is full, the member used least recently is dropped for the new
	// one. Default 10,000.
	MaxMembers int
	// Shared, when set, shares the last good key set between replicas, so a
	// replica started during an issuer outage still has keys.
	Shared KeyStore
	// Logger receives refreshes, failures, dropped keys and issuers, and
	// rate-limited misses. Default: discard.
	Logger *slog.Logger
	// Now is the clock for staleness, idleness and rate limits. Default
	// time.Now.
	Now func() time.Time
}

// KeyStore keeps key sets for other replicas. The Redis adapter implements it.
type KeyStore interface {
	// SaveKeys records the JWK set fetched from issuer at fetched.
	SaveKeys(ctx context.Context, issuer string, set []byte, fetched time.Time) error
	// LoadKeys returns the last recorded set, or an error if there is none.
	LoadKeys(ctx context.Context, issuer string) (set []byte, fetched time.Time, err error)
}

// KeySource gives a verifier an issuer's keys by kid.
type KeySource interface {
	// Keys returns the issuer's keys with this kid, or an error wrapping
	// ErrUnknownKey or ErrKeysUnavailable.
	Keys(ctx context.Context, iss Issuer, kid string) ([]Key, error)
}

// KeyCache fetches, caches and rotates the key sets of every issuer. It is
// safe for concurrent use. Its background refresh runs until Close.
//
// Keys are found by OpenID discovery or at a pinned JWKS URL. Discovery runs
// again when its document's max-age runs out (clamped like the key set's),
// on every unknown-kid refetch and after a failed fetch; when it names a new
// jwks_uri, no key set fetched from the old one is used again, neither the
// cache's own nor one shared by another replica. If the discovery document
// cannot be fetched, the location it last named is used.
//
// "Key cache" in the package documentation gives its behaviour and limits.
type KeyCache struct {
	cfg    CacheConfig
	client *http.Client
	log    *slog.Logger

	ctx    context.Context // cancelled by Close; parent of every fetch
	cancel context.CancelFunc
	wg     sync.WaitGroup
	kick   chan struct{}

	mu       sync.Mutex
	closed   atomic.Bool // set under mu, so that no fetch starts after Close
	issuers  map[issuerID]*issuerKeys
	members  int       // how many of issuers are family members
	fullWarn time.Time // when a refused issuer was last logged
}

// issuerID indexes the cache's issuers: a struct, so that looking one up
// builds no string.
type issuerID struct{ url, jwksURL string }

// issuerKeys is the cache's state for one issuer.
type issuerKeys struct {
	iss  Issuer
	snap atomic.Pointer[keySnapshot]
	used atomic.Int64 // Unix milliseconds of the last Keys or Prefetch

	mu          sync.Mutex
	jwksURL     string        // pinned, or named by the latest discovery
	discovered  time.Time     // when; zero: discover before the next fetch
	discAge     time.Duration // how long that discovery stays current
	call        *fetchCall    // the fetch in flight, if any
	lastAttempt time.Time     // of the last fetch counted against RefetchInterval
	lastErr     error
	due         time.Time // next background refresh, wall clock
}

// keySnapshot is an immutable, parsed key set.
type keySnapshot struct {
	byID    map[string][]Key
	fetched time.Time
}

type fetchCall struct {
	done chan struct{}
	err  error
	miss bool // started by an unknown kid, not a refresh or Prefetch
	cold bool // the issuer's first fetch: not counted unless it fails
}

// NewKeyCache returns a cache and starts its background refresh.
func NewKeyCache(cfg CacheConfig) *KeyCache {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.RequestTimeout, 5*time.Second)
	def(&cfg.MinRefresh, 5*time.Minute)
	def(&cfg.MaxRefresh, 24*time.Hour)
	def(&cfg.RefetchInterval, 60*time.Second)
	def(&cfg.MaxStale, 24*time.Hour)
	def(&cfg.IdleTimeout, 24*time.Hour)
	if cfg.MaxRefresh < cfg.MinRefresh {
		cfg.MaxRefresh = cfg.MinRefresh
	}
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = 1 << 20
	}
	if cfg.MaxRSABits <= 0 {
		cfg.MaxRSABits = defRSABits
	}
	cfg.MaxRSABits = min(max(cfg.MaxRSABits, minRSABits), capRSABits)
	if cfg.MaxIssuers <= 0 {
		cfg.MaxIssuers = 1000
	}
	if cfg.MaxMembers <= 0 {
		cfg.MaxMembers = 10000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if nilness.Is(cfg.Shared) {
		cfg.Shared = nil // a typed nil would panic in the fetch goroutine
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &KeyCache{
		cfg:     cfg,
		client:  restrictRedirects(cfg.HTTPClient),
		log:     log,
		kick:    make(chan struct{}, 1),
		issuers: make(map[issuerID]*issuerKeys),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wg.Add(1)
	go c.refreshLoop()
	return c
}

// Close stops the background refresh and waits for every fetch in flight.
func (c *KeyCache) Close() error {
	c.mu.Lock()
	c.closed.Store(true)
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	return nil
}

// Keys implements KeySource. An unknown kid triggers a refetch, at most once
// per RefetchInterval per issuer (an issuer's first successful fetch does not
// count); concurrent misses share one fetch. A new issuer beyond MaxIssuers
// is refused. After Close it fails with ErrKeysUnavailable: the keys are no
// longer maintained.
func (c *KeyCache) Keys(ctx context.Context, iss Issuer, kid string) ([]Key, error) {
	if c.closed.Load() {
		return nil, reject(ErrKeysUnavailable, "kid", kid, "key cache is closed")
	}
	now := c.cfg.Now()
	st, err := c.state(iss, now)
	if err != nil {
		return nil, err
	}
	if keys, ok := c.lookup(st, kid, now); ok {
		return keys, nil
	}
	call := c.startFetch(st, false)
	if call == nil {
		c.log.Debug("oidc: key refetch rate-limited", "issuer", iss.URL, "kid", kid)
	} else {
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, reject(ErrKeysUnavailable, "kid", kid, "gave up waiting for the key set: "+ctx.Err().Error())
		}
	}
	if keys, ok := c.lookup(st, kid, c.cfg.Now()); ok {
		return keys, nil
	}
	return nil, c.missError(st, kid, call == nil)
}

// Prefetch loads an issuer's keys now, so the first token does not wait.
func (c *KeyCache) Prefetch(ctx context.Context, iss Issuer) error {
	st, err := c.state(iss, c.cfg.Now())
	if err != nil {
		return err
	}
	call := c.startFetch(st, true)
	if call == nil {
		return reject(ErrKeysUnavailable, "", "", "key cache is closed")
	}
	select {
	case <-call.done:
		if call.err != nil && c.usable(st, c.cfg.Now()) == nil {
			return reject(ErrKeysUnavailable, "iss", iss.URL, call.err.Error())
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// state returns the issuer's entry, adding it if there is room, and marks
// it used at now.
func (c *KeyCache) state(iss Issuer, now time.Time) (*issuerKeys, error) {
	id := issuerID{iss.URL, iss.JWKSURL}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.issuers[id]
	if st == nil && iss.FamilyMember {
		if c.members >= c.cfg.MaxMembers {
			c.dropIdleLocked(now)
		}
		if c.members >= c.cfg.MaxMembers {
			c.dropLeastUsedMemberLocked()
		}
		st = &issuerKeys{iss: iss, jwksURL: iss.JWKSURL}
		c.issuers[id] = st
		c.members++
	}
	if st == nil {
		if len(c.issuers)-c.members >= c.cfg.MaxIssuers {
			c.dropIdleLocked(now)
		}
		if len(c.issuers)-c.members >= c.cfg.MaxIssuers {
			if now.Sub(c.fullWarn) >= c.cfg.RefetchInterval {
				c.fullWarn = now
				c.log.Warn("oidc: key cache full, issuer refused", "issuer", iss.URL, "max", c.cfg.MaxIssuers)
			}
			return nil, reject(ErrKeysUnavailable, "iss", iss.URL,
				fmt.Sprintf("the key cache already serves %d issuers (CacheConfig.MaxIssuers)", c.cfg.MaxIssuers))
		}
		st = &issuerKeys{iss: iss, jwksURL: iss.JWKSURL}
		c.issuers[id] = st
	}
	// Idleness is measured in hours: a store per second is plenty.
	if ms := now.UnixMilli(); ms-st.used.Load() >= 1000 || st.used.Load() == 0 {
		st.used.Store(ms)
	}
	return st, nil
}

// dropIdleLocked forgets the issuers not used for IdleTimeout. A fetch in
// flight for one of them finishes on its own, tracked by the WaitGroup.
func (c *KeyCache) dropIdleLocked(now time.Time) {
	for id, st := range c.issuers {
		if idle := now.Sub(time.UnixMilli(st.used.Load())); idle > c.cfg.IdleTimeout {
			c.forgetLocked(id, st)
			c.log.Info("oidc: idle issuer dropped", "issuer", st.iss.URL, "idle", idle.Round(time.Second))
		}
	}
}

// dropLeastUsedMemberLocked forgets the family member used least recently,
// to make room for another. Only admitted members reach the cache, so the
// scan runs only when a new registered organization's token arrives at a
// full cache.
func (c *KeyCache) dropLeastUsedMemberLocked() {
	var oldest issuerID
	var st *issuerKeys
	for id, s := range c.issuers {
		if s.iss.FamilyMember && (st == nil || s.used.Load() < st.used.Load()) {
			oldest, st = id, s
		}
	}
	if st != nil {
		c.forgetLocked(oldest, st)
		c.log.Info("oidc: family member dropped for another", "issuer", st.iss.URL, "max", c.cfg.MaxMembers)
	}
}

// forgetLocked removes an issuer from the cache. A fetch in flight for it
// finishes on its own, tracked by the WaitGroup.
func (c *KeyCache) forgetLocked(id issuerID, st *issuerKeys) {
	delete(c.issuers, id)
	if st.iss.FamilyMember {
		c.members--
	}
}

// usable returns the snapshot if it is not older than MaxStale.
func (c *KeyCache) usable(st *issuerKeys, now time.Time) *keySnapshot {
	snap := st.snap.Load()
	if snap == nil || now.Sub(snap.fetched) > c.cfg.MaxStale {
		return nil
	}
	return snap
}

func (c *KeyCache) lookup(st *issuerKeys, kid string, now time.Time) ([]Key, bool) {
	if snap := c.usable(st, now); snap != nil {
		keys := snap.byID[kid]
		return keys, len(keys) > 0
	}
	return nil, false
}

// missError says why kid was not found. It is ErrUnknownKey only when the
// latest fetch succeeded: while the issuer is failing, the kid may be a key
// rotated in since the last good fetch, which we cannot tell.
func (c *KeyCache) missError(st *issuerKeys, kid string, limited bool) error {
	st.mu.Lock()
	last := st.lastErr
	st.mu.Unlock()
	usable := c.usable(st, c.cfg.Now()) != nil
	if usable && last == nil {
		reason := "no key with this kid in the issuer's key set"
		if limited {
			reason += " (refetch rate-limited)"
		}
		return reject(ErrUnknownKey, "kid", kid, reason)
	}
	reason := "no usable key set for " + st.iss.URL
	if usable {
		reason = "not in the last good key set of " + st.iss.URL + ", and the latest fetch failed"
	}
	if last != nil {
		reason += ": " + last.Error()
	}
	return reject(ErrKeysUnavailable, "kid", kid, reason)
}

// startFetch joins the fetch in flight or starts one. Unless forced, it
// returns nil when a counted fetch of the issuer is less than
// RefetchInterval old.
func (c *KeyCache) startFetch(st *issuerKeys, force bool) *fetchCall {
	now := c.cfg.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.call != nil {
		return st.call
	}
	if !force && !st.lastAttempt.IsZero() && now.Sub(st.lastAttempt) < c.cfg.RefetchInterval {
		return nil
	}
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return nil
	}
	c.wg.Add(1)
	c.mu.Unlock()
	call := &fetchCall{done: make(chan struct{}), miss: !force}
	st.call = call
	if !force {
		// Only misses count against the rate limit: a scheduled refresh
		// must not keep a key rotated in just after it from being fetched.
		// Nor does the first fetch, which every cold start makes, unless
		// it fails: runFetch takes it back.
		call.cold = st.lastAttempt.IsZero() && st.snap.Load() == nil
		st.lastAttempt = now
	}
	go c.runFetch(st, call)
	return call
}

func (c *KeyCache) runFetch(st *issuerKeys, call *fetchCall) {
	defer c.wg.Done()
	snap, maxAge, err := c.download(st, call.miss)
	if err != nil {
		// Another replica may have fetched more recently than we did.
		if shared := c.loadShared(st); shared != nil {
			if local := st.snap.Load(); local == nil || shared.fetched.After(local.fetched) {
				snap = shared
			}
		}
	}
	st.mu.Lock()
	if snap != nil {
		st.snap.Store(snap)
	}
	st.lastErr = err
	if call.cold && err == nil {
		st.lastAttempt = time.Time{}
	}
	wait := c.cfg.RefetchInterval
	if err == nil {
		wait = c.clampAge(maxAge)
	}
	st.due = time.Now().Add(wait)
	st.call = nil
	st.mu.Unlock()
	// Log before releasing the waiters, so the log tells what they saw.
	if err != nil {
		c.log.Warn("oidc: key set fetch failed", "issuer", st.iss.URL, "err", err)
	} else {
		c.log.Info("oidc: key set refreshed", "issuer", st.iss.URL, "keys", len(snap.byID), "next", wait)
	}
	call.err = err
	close(call.done)
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// clampAge bounds a Cache-Control max-age to [MinRefresh, MaxRefresh].
func (c *KeyCache) clampAge(age time.Duration) time.Duration {
	return min(max(age, c.cfg.MinRefresh), c.cfg.MaxRefresh)
}

// loadShared falls back to the key set another replica recorded.
func (c *KeyCache) loadShared(st *issuerKeys) *keySnapshot {
	if c.cfg.Shared == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.RequestTimeout)
	defer cancel()
	body, fetched, err := c.cfg.Shared.LoadKeys(ctx, st.iss.URL)
	if err != nil {
		c.log.Warn("oidc: no shared key set", "issuer", st.iss.URL, "err", err)
		return nil
	}
	now := c.cfg.Now()
	if now.Sub(fetched) > c.cfg.MaxStale || fetched.After(now.Add(time.Minute)) {
		// A fetch time in the future would stretch MaxStale past its bound.
		c.log.Warn("oidc: shared key set too stale or from the future", "issuer", st.iss.URL, "fetched", fetched)
		return nil
	}
	from := sharedLocation(body)
	st.mu.Lock()
	current := st.jwksURL
	st.mu.Unlock()
	if from != "" && current != "" && from != current {
		c.log.Warn("oidc: shared key set is from a location the issuer no longer names", "issuer", st.iss.URL, "from", from, "jwks_uri", current)
		return nil
	}
	keys, _, err := parseJWKS(body, c.cfg.MaxRSABits)
	if err != nil {
		c.log.Warn("oidc: shared key set unusable", "issuer", st.iss.URL, "err", err)
		return nil
	}
	c.log.Info("oidc: using shared key set", "issuer", st.iss.URL, "fetched", fetched)
	return newSnapshot(keys, fetched)
}

func newSnapshot(keys []Key, fetched time.Time) *keySnapshot {
	byID := make(map[string][]Key, len(keys))
	for _, k := range keys {
		byID[k.ID] = append(byID[k.ID], k)
	}
	return &keySnapshot{byID: byID, fetched: fetched}
}

// refreshLoop refreshes every issuer in use when its max-age runs out, and
// drops the idle ones first.
func (c *KeyCache) refreshLoop() {
	defer c.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		timer.Reset(c.untilDue())
		select {
		case <-c.ctx.Done():
			return
		case <-c.kick:
		case <-timer.C:
			c.mu.Lock()
			c.dropIdleLocked(c.cfg.Now())
			c.mu.Unlock()
			for _, st := range c.dueIssuers() {
				c.startFetch(st, true)
			}
		}
	}
}

func (c *KeyCache) all() []*issuerKeys {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*issuerKeys, 0, len(c.issuers))
	for _, st := range c.issuers {
		out = append(out, st)
	}
	return out
}

func (c *KeyCache) untilDue() time.Duration {
	wait := time.Hour
	now := time.Now()
	for _, st := range c.all() {
		st.mu.Lock()
		if !st.due.IsZero() && st.call == nil {
			wait = min(wait, max(st.due.Sub(now), 0))
		}
		st.mu.Unlock()
	}
	return wait
}

func (c *KeyCache) dueIssuers() []*issuerKeys {
	var due []*issuerKeys
	now := time.Now()
	for _, st := range c.all() {
		st.mu.Lock()
		if !st.due.IsZero() && st.call == nil && !now.Before(st.due) {
			due = append(due, st)
		}
		st.mu.Unlock()
	}
	return due
}

// errClosed is reported by fetches cut short by Close.
var errClosed = errors.New("key cache closed")

func (c *KeyCache) download(st *issuerKeys, miss bool) (*keySnapshot, time.Duration, error) {
	if c.ctx.Err() != nil {
		return nil, 0, errClosed
	}
	url, err := c.locate(st, miss)
	if err != nil {
		return nil, 0, err
	}
	body, maxAge, err := c.get(url)
	if err == nil {
		var keys []Key
		var dropped []string
		keys, dropped, err = parseJWKS(body, c.cfg.MaxRSABits)
		for _, d := range dropped {
			c.log.Warn("oidc: key dropped", "issuer", st.iss.URL, "why", d)
		}
		if err == nil {
			fetched := c.cfg.Now()
			c.share(st, url, body, fetched)
			return newSnapshot(keys, fetched), maxAge, nil
		}
		err = fmt.Errorf("%s: %w", url, err)
	}
	st.mu.Lock()
	st.discovered = time.Time{} // discover again next time: the location may have moved
	st.mu.Unlock()
	return nil, 0, err
}

// share records the key set for other replicas, with the location it came
// from: a replica whose discovery names another location will not use it.
func (c *KeyCache) share(st *issuerKeys, from string, body []byte, fetched time.Time) {
	if c.cfg.Shared == nil {
		return
	}
	set, err := sharedSet(body, from)
	if err == nil {
		ctx, cancel := context.WithTimeout(c.ctx, c.cfg.RequestTimeout)
		defer cancel()
		err = c.cfg.Shared.SaveKeys(ctx, st.iss.URL, set, fetched)
	}
	if err != nil {
		c.log.Warn("oidc: sharing key set failed", "issuer", st.iss.URL, "err", err)
	}
}

// sharedSet is the JWK set as replicas share it: the issuer's keys, byte
// for byte, and the location they were fetched from. It is still a JWK set.
func sharedSet(body []byte, from string) ([]byte, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		From string            `json:"trustpub_jwks_uri"`
		Keys []json.RawMessage `json:"keys"`
	}{from, doc.Keys})
}

// sharedLocation is where a shared set was fetched from; empty when a
// replica of an earlier version shared it.
func sharedLocation(set []byte) string {
	var doc struct {
		From string `json:"trustpub_jwks_uri"`
	}
	if json.Unmarshal(set, &doc) != nil {
		return ""
	}
	return doc.From
}

// locate returns where the key set is: the pinned URL, or the one the
// current discovery document names. Discovery runs again when that
// document's max-age has run out, after a failed fetch, and on every
// unknown-kid refetch (rate-limited already): a new kid may come with a new
// location.
func (c *KeyCache) locate(st *issuerKeys, miss bool) (string, error) {
	if st.iss.JWKSURL != "" {
		return st.iss.JWKSURL, nil
	}
	now := c.cfg.Now()
	st.mu.Lock()
	last := st.jwksURL
	current := !st.discovered.IsZero() && now.Sub(st.discovered) < st.discAge
	st.mu.Unlock()
	if last != "" && current && !miss {
		return last, nil
	}
	url, age, err := c.discover(st.iss)
	var unreachable *unreachableError
	switch {
	case err != nil && last != "" && errors.As(err, &unreachable):
		// No newer document says otherwise: the last location stands.
		c.log.Warn("oidc: discovery failed, using the last jwks_uri", "issuer", st.iss.URL, "jwks_uri", last, "err", err)
		return last, nil
	case err != nil:
		return "", err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if last != "" && url != last {
		// Keys from a location the issuer no longer names are never
		// used again: it may have been abandoned to someone else.
		st.snap.Store(nil)
		c.log.Warn("oidc: issuer moved its keys", "issuer", st.iss.URL, "from", last, "to", url)
	}
	st.jwksURL, st.discovered, st.discAge = url, now, c.clampAge(age)
	return url, nil
}
