package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trustpub/trustpub/oidc"
)

var _ oidc.ReplayStore = (*Store)(nil)

// Claim implements oidc.ReplayStore with one atomic command,
// SET key 1 NX PXAT until: set-if-absent and the absolute expiry together,
// so there is no check-then-set race and no key without an expiry. The
// expiry is rounded up to the millisecond, never down. An expiry past what
// Redis can hold (milliseconds since 1970 in a signed 64-bit integer, some
// 292 million years) is refused with oidc.ErrReplayStore: sent as is, the
// milliseconds would wrap around to the past, and Redis would drop the
// key at once.
//
// Any failure (unreachable, slow past the deadline, refused) wraps
// oidc.ErrReplayStore. A command that timed out may still have reached
// Redis, so a token refused that way may then be refused as replayed.
func (s *Store) Claim(ctx context.Context, id string, until time.Time) error {
	if !until.After(s.cfg.Now()) {
		return fmt.Errorf("redisstore: %w: expiry %s is not in the future", oidc.ErrReplayStore, until.UTC().Format(time.RFC3339))
	}
	if until.Unix() >= maxUnixSeconds {
		return fmt.Errorf("redisstore: %w: expiry %s is beyond what Redis can record", oidc.ErrReplayStore, until.UTC().Format(time.RFC3339))
	}
	at := until.Add(time.Millisecond - 1).Truncate(time.Millisecond)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	key := s.ReplayKey(id)
	err := s.rdb.SetArgs(ctx, key, "1", redis.SetArgs{Mode: "NX", ExpireAt: at}).Err()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, redis.Nil):
		return fmt.Errorf("redisstore: %w (key %s)", oidc.ErrReplayed, key)
	}
	return fmt.Errorf("redisstore: %w: SET %s: %w", oidc.ErrReplayStore, key, err)
}

// maxUnixSeconds bounds the expiries Claim sends: below it, milliseconds
// since 1970, rounded up, fit an int64 (Redis's type for PXAT).
const maxUnixSeconds = math.MaxInt64/1000 - 1
