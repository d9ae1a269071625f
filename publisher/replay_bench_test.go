package publisher_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustpub/trustpub/internal/redistest"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/redisstore"
	"github.com/trustpub/trustpub/publisher"
)

// swapReplay forwards to a store that the benchmark replaces, outside the
// timer, before reusing its pool of tokens.
type swapReplay struct {
	cur atomic.Pointer[oidc.ReplayStore]
}

func (s *swapReplay) Claim(ctx context.Context, id string, until time.Time) error {
	return (*s.cur.Load()).Claim(ctx, id, until)
}

func (s *swapReplay) set(r oidc.ReplayStore) { s.cur.Store(&r) }

// BenchmarkVerifyReplayStore measures publisher.Verifier.Verify of distinct
// valid tokens with the in-memory store and with Redis (a local
// redis-server over loopback), in the same run.
func BenchmarkVerifyReplayStore(b *testing.B) {
	r := newReplayRig(b)
	pool := make([]string, 256) // minting is slow; a fresh store makes them new again
	for i := range pool {
		pool[i] = r.mint(b)
	}
	rdb := redistest.Connect(b)
	stores := []struct {
		name  string
		fresh func() oidc.ReplayStore
	}{
		{"memory", func() oidc.ReplayStore { return oidc.NewMemoryReplayStore(oidc.MemoryReplayConfig{}) }},
		{"redis", func() oidc.ReplayStore {
			s, err := redisstore.New(rdb, redisstore.Config{Prefix: redistest.Prefix()})
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
	}
	var memoryNs float64 // the baseline, measured first
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			swap := &swapReplay{}
			v := r.replica(b, publisher.Config{Replay: swap})
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%len(pool) == 0 {
					b.StopTimer()
					swap.set(st.fresh())
					b.StartTimer()
				}
				if _, err := v.Verify(ctx, pool[i%len(pool)]); err != nil {
					b.Fatal(err)
				}
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if st.name == "memory" {
				memoryNs = ns
			} else if memoryNs > 0 {
				b.ReportMetric(ns/memoryNs, "x-memory")
			}
		})
	}
}
