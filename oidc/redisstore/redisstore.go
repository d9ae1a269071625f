// Package redisstore keeps trustpub's shared state in Redis, so that every
// replica of a registry sees it: the record of used tokens (an
// oidc.ReplayStore) and the last good key set of each issuer (an
// oidc.KeyStore).
//
// It takes any redis.UniversalClient: a single node, Sentinel (a failover
// client) or Cluster. Every call is one single-key command, so it works
// unchanged on Cluster. The client must have ContextTimeoutEnabled set, or
// go-redis would ignore the deadlines that bound each call.
package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/trustpub/trustpub/internal/nilness"

	"github.com/redis/go-redis/v9"
)

// Config configures a Store. Zero fields take the defaults shown.
type Config struct {
	// Prefix starts every key. Default "trustpub:". Give each registry or
	// environment sharing a Redis its own.
	Prefix string
	// Timeout bounds each call whose context has no deadline. Default 1 s.
	Timeout time.Duration
	// KeySetTTL is how long a shared key set stays in Redis after its last
	// save. Keep it at least oidc.CacheConfig.MaxStale. Default 48 h.
	KeySetTTL time.Duration
	// Now is the clock used to refuse an expiry already past. Default
	// time.Now. Redis expires keys by its own clock.
	Now func() time.Time
}

// Store is a replay store and a key store on Redis. It is safe for
// concurrent use and does not own the client.
type Store struct {
	rdb redis.UniversalClient
	cfg Config
}

// New returns a Store on rdb. It fails if rdb is a go-redis Client,
// ClusterClient or Ring without ContextTimeoutEnabled, which would ignore
// context deadlines; a client of another type (a wrapper) cannot be
// inspected, and must honour them itself.
func New(rdb redis.UniversalClient, cfg Config) (*Store, error) {
	if nilness.Is(rdb) {
		return nil, errors.New("redisstore: nil client")
	}
	if !honoursDeadlines(rdb) {
		return nil, errors.New("redisstore: the client must set ContextTimeoutEnabled, or a slow Redis would hold every verification past its deadline")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "trustpub:"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Second
	}
	if cfg.KeySetTTL <= 0 {
		cfg.KeySetTTL = 48 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{rdb: rdb, cfg: cfg}, nil
}

// honoursDeadlines reports whether the client applies context deadlines to
// its network I/O. Clients of other types (wrappers, test doubles) cannot be
// inspected and are trusted to; New's documentation says so.
func honoursDeadlines(rdb redis.UniversalClient) bool {
	switch c := rdb.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		return c.Options().ContextTimeoutEnabled
	}
	return true
}

// ReplayKey is the Redis key that records id as used: the prefix, then the
// SHA-256 of id in hex. Hashing keeps a hostile jti from reaching into
// another key or choosing a Cluster hash slot with braces.
func (s *Store) ReplayKey(id string) string { return s.key("replay:", id) }

// KeySetKey is the Redis key holding the shared key set of issuer.
func (s *Store) KeySetKey(issuer string) string { return s.key("jwks:", issuer) }

func (s *Store) key(kind, name string) string {
	sum := sha256.Sum256([]byte(name))
	return s.cfg.Prefix + kind + hex.EncodeToString(sum[:])
}

// bound gives ctx the default timeout when it has no deadline.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.cfg.Timeout)
}
