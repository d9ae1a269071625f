package oidc

import (
	"context"
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
type CacheConfig struct {
	// HTTPClient fetches discovery documents and key sets. It is copied and
	// its redirect policy replaced: only same-host https redirects are
	// followed. Default: a client with no other settings.
	HTTPClient *http.Client
	// RequestTimeout bounds each HTTP request. Default 5 s.
	RequestTimeout time.Duration
	// MaxBodySize caps each response body. Default 1 MiB.
	MaxBodySize int64
	// MinRefresh and MaxRefresh clamp the key set's Cache-Control max-age,
	// which schedules the background refresh. Defaults 5 min and 24 h.
	MinRefresh, MaxRefresh time.Duration
	// RefetchInterval is the least time between two fetches for one issuer
	// triggered by an unknown kid or a failure. Default 60 s.
	RefetchInterval time.Duration
	// MaxStale is how long the last good key set stays usable while the
	// issuer cannot be reached. Default 24 h.
	MaxStale time.Duration
	// Shared, when set, shares the last good key set between replicas, so a
	// replica started during an issuer outage still has keys.
	Shared KeyStore
	// Logger receives refreshes, failures and rate-limited misses.
	// Default: discard.
	Logger *slog.Logger
	// Now is the clock for staleness and rate limits. Default time.Now.
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
type KeyCache struct {
	cfg    CacheConfig
	client *http.Client
	log    *slog.Logger

	ctx    context.Context // cancelled by Close; parent of every fetch
	cancel context.CancelFunc
	wg     sync.WaitGroup
	kick   chan struct{}

	mu      sync.Mutex
	closed  atomic.Bool // set under mu, so that no fetch starts after Close
	issuers map[issuerID]*issuerKeys
}

// issuerID indexes the cache's issuers: a struct, so that looking one up
// builds no string.
type issuerID struct{ url, jwksURL string }

// issuerKeys is the cache's state for one issuer.
type issuerKeys struct {
	iss  Issuer
	snap atomic.Pointer[keySnapshot]

	mu          sync.Mutex
	jwksURL     string     // from discovery, or pinned
	call        *fetchCall // the fetch in flight, if any
	lastAttempt time.Time
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
	if cfg.MaxRefresh < cfg.MinRefresh {
		cfg.MaxRefresh = cfg.MinRefresh
	}
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = 1 << 20
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
// per RefetchInterval per issuer; concurrent misses share one fetch. After
// Close it fails with ErrKeysUnavailable: the keys are no longer maintained.
func (c *KeyCache) Keys(ctx context.Context, iss Issuer, kid string) ([]Key, error) {
	if c.closed.Load() {
		return nil, reject(ErrKeysUnavailable, "kid", kid, "key cache is closed")
	}
	st := c.state(iss)
	if keys, ok := c.lookup(st, kid); ok {
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
	if keys, ok := c.lookup(st, kid); ok {
		return keys, nil
	}
	return nil, c.missError(st, kid, call == nil)
}

// Prefetch loads an issuer's keys now, so the first token does not wait.
func (c *KeyCache) Prefetch(ctx context.Context, iss Issuer) error {
	st := c.state(iss)
	call := c.startFetch(st, true)
	if call == nil {
		return reject(ErrKeysUnavailable, "", "", "key cache is closed")
	}
	select {
	case <-call.done:
		if call.err != nil && c.usable(st) == nil {
			return reject(ErrKeysUnavailable, "iss", iss.URL, call.err.Error())
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *KeyCache) state(iss Issuer) *issuerKeys {
	id := issuerID{iss.URL, iss.JWKSURL}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.issuers[id]
	if st == nil {
		st = &issuerKeys{iss: iss, jwksURL: iss.JWKSURL}
		c.issuers[id] = st
	}
	return st
}

// usable returns the snapshot if it is not older than MaxStale.
func (c *KeyCache) usable(st *issuerKeys) *keySnapshot {
	snap := st.snap.Load()
	if snap == nil || c.cfg.Now().Sub(snap.fetched) > c.cfg.MaxStale {
		return nil
	}
	return snap
}

func (c *KeyCache) lookup(st *issuerKeys, kid string) ([]Key, bool) {
	if snap := c.usable(st); snap != nil {
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
	if c.usable(st) != nil && last == nil {
		reason := "no key with this kid in the issuer's key set"
		if limited {
			reason += " (refetch rate-limited)"
		}
		return reject(ErrUnknownKey, "kid", kid, reason)
	}
	reason := "no usable key set for " + st.iss.URL
	if c.usable(st) != nil {
		reason = "not in the last good key set of " + st.iss.URL + ", and the latest fetch failed"
	}
	if last != nil {
		reason += ": " + last.Error()
	}
	return reject(ErrKeysUnavailable, "kid", kid, reason)
}

// startFetch joins the fetch in flight or starts one. Unless forced, it
// returns nil when the issuer was fetched less than RefetchInterval ago.
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
	call := &fetchCall{done: make(chan struct{})}
	st.call = call
	if !force {
		// Only misses count against the rate limit: a scheduled refresh
		// must not keep a key rotated in just after it from being fetched.
		st.lastAttempt = now
	}
	go c.runFetch(st, call)
	return call
}

func (c *KeyCache) runFetch(st *issuerKeys, call *fetchCall) {
	defer c.wg.Done()
	snap, maxAge, err := c.download(st)
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
	wait := c.cfg.RefetchInterval
	if err == nil {
		wait = min(max(maxAge, c.cfg.MinRefresh), c.cfg.MaxRefresh)
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
	keys, _, err := parseJWKS(body)
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

// refreshLoop refreshes every fetched issuer when its max-age runs out.
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

func (c *KeyCache) download(st *issuerKeys) (*keySnapshot, time.Duration, error) {
	if c.ctx.Err() != nil {
		return nil, 0, errClosed
	}
	st.mu.Lock()
	url := st.jwksURL
	st.mu.Unlock()
	if url == "" {
		var err error
		if url, err = c.discover(st.iss.URL); err != nil {
			return nil, 0, err
		}
	}
	body, maxAge, err := c.get(url)
	if err != nil {
		if st.iss.JWKSURL == "" {
			st.mu.Lock()
			st.jwksURL = "" // discover again next time: the location may have moved
			st.mu.Unlock()
		}
		return nil, 0, err
	}
	keys, dropped, err := parseJWKS(body)
	for _, d := range dropped {
		c.log.Warn("oidc: key dropped", "issuer", st.iss.URL, "why", d)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", url, err)
	}
	st.mu.Lock()
	st.jwksURL = url
	st.mu.Unlock()
	fetched := c.cfg.Now()
	if c.cfg.Shared != nil {
		ctx, cancel := context.WithTimeout(c.ctx, c.cfg.RequestTimeout)
		if err := c.cfg.Shared.SaveKeys(ctx, st.iss.URL, body, fetched); err != nil {
			c.log.Warn("oidc: sharing key set failed", "issuer", st.iss.URL, "err", err)
		}
		cancel()
	}
	return newSnapshot(keys, fetched), maxAge, nil
}
