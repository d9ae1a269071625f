package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trustpub/trustpub/oidc"
)

var _ oidc.KeyStore = (*Store)(nil)

// ErrNoKeySet: no replica has shared a key set for the issuer (or it
// outlived KeySetTTL).
var ErrNoKeySet = errors.New("redisstore: no shared key set")

// keySetMagic starts a stored key set: "trustpub-jwks/1 <fetched, Unix
// nanoseconds>\n" then the JWK set exactly as the key cache handed it over.
const keySetMagic = "trustpub-jwks/1 "

// SaveKeys implements oidc.KeyStore. The set expires KeySetTTL after its
// last save.
func (s *Store) SaveKeys(ctx context.Context, issuer string, set []byte, fetched time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	val := keySetMagic + strconv.FormatInt(fetched.UnixNano(), 10) + "\n" + string(set)
	if err := s.rdb.Set(ctx, s.KeySetKey(issuer), val, s.cfg.KeySetTTL).Err(); err != nil {
		return fmt.Errorf("redisstore: saving key set of %s: %w", issuer, err)
	}
	return nil
}

// LoadKeys implements oidc.KeyStore: the last set saved for issuer and when
// it was fetched from the issuer. The cache judges its staleness.
func (s *Store) LoadKeys(ctx context.Context, issuer string) ([]byte, time.Time, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	val, err := s.rdb.Get(ctx, s.KeySetKey(issuer)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, time.Time{}, fmt.Errorf("%w for %s", ErrNoKeySet, issuer)
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("redisstore: loading key set of %s: %w", issuer, err)
	}
	head, set, ok := strings.Cut(val, "\n")
	stamp, ok2 := strings.CutPrefix(head, keySetMagic)
	ns, err := strconv.ParseInt(stamp, 10, 64)
	if !ok || !ok2 || err != nil {
		return nil, time.Time{}, fmt.Errorf("redisstore: key set of %s: not a stored key set", issuer)
	}
	return []byte(set), time.Unix(0, ns), nil
}
