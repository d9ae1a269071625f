package publisher_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustpub/trustpub/internal/redistest"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/oidc/redisstore"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// replayRig is one issuer and one registered publisher; verifiers built on
// it are replicas of one registry.
type replayRig struct {
	kit   *providertest.Issuer
	store *publisher.MemoryStore
}

func newReplayRig(tb testing.TB) *replayRig {
	tb.Helper()
	kit := providertest.New(tb, oidctest.Options{})
	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "hello", Policy: &publisher.GitHub{
		IssuerURL: kit.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml"}})
	if err != nil {
		tb.Fatal(err)
	}
	return &replayRig{kit: kit, store: store}
}

// replica builds a verifier; cfg's zero fields are filled in.
func (r *replayRig) replica(tb testing.TB, cfg publisher.Config) *publisher.Verifier {
	tb.Helper()
	cfg.Audience = oidctest.DefaultAudience
	cfg.Providers = []providers.Provider{r.kit.GitHub()}
	if cfg.Publishers == nil {
		cfg.Publishers = r.store
	}
	cfg.HTTPClient = r.kit.Client()
	v, err := publisher.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { v.Close() })
	return v
}

func (r *replayRig) mint(tb testing.TB, opts ...oidctest.MintOption) string {
	tb.Helper()
	tok, err := r.kit.MintGitHub(providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1"), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func (r *replayRig) redisStore(tb testing.TB) *redisstore.Store {
	tb.Helper()
	s, err := redisstore.New(redistest.Connect(tb), redisstore.Config{Prefix: redistest.Prefix()})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// spyReplay records claims and answers with err.
type spyReplay struct {
	mu    sync.Mutex
	ids   []string
	until []time.Time
	err   error
}

func (s *spyReplay) Claim(_ context.Context, id string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids, s.until = append(s.ids, id), append(s.until, until)
	return s.err
}

// The verifier claims only tokens that passed every other check, until
// exp + leeway + margin.
func TestReplayClaimedLast(t *testing.T) {
	t.Parallel()
	r := newReplayRig(t)
	spy := &spyReplay{}
	v := r.replica(t, publisher.Config{Replay: spy, Leeway: 10 * time.Second, ReplayMargin: 5 * time.Second})
	ctx := context.Background()
	other := providertest.GitHubWorkflow("octo-org/hello", "9919", "build.yml", "refs/heads/main")
	noMatch, err := r.kit.MintGitHub(other)
	if err != nil {
		t.Fatal(err)
	}
	good := r.mint(t)
	for name, tok := range map[string]string{
		"no publisher":   noMatch,
		"wrong audience": r.mint(t, oidctest.Audience("elsewhere")),
		"expired":        r.mint(t, oidctest.Expired()),
		"bad signature":  good[:len(good)-4] + "AAAA",
	} {
		if _, err := v.Verify(ctx, tok); err == nil {
			t.Fatalf("%s: accepted", name)
		}
	}
	if len(spy.ids) != 0 {
		t.Fatalf("refused tokens were claimed: %q", spy.ids)
	}
	res, err := v.Verify(ctx, r.mint(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(spy.ids) != 1 || spy.ids[0] != res.Token.ReplayID() {
		t.Fatalf("claims %q, want [%q]", spy.ids, res.Token.ReplayID())
	}
	if want := res.Token.Expiry.Add(15 * time.Second); !spy.until[0].Equal(want) {
		t.Fatalf("claimed until %s, want exp + leeway + margin = %s", spy.until[0], want)
	}
}

func TestReplayStoreFailureFailsClosed(t *testing.T) {
	t.Parallel()
	r := newReplayRig(t)
	// A custom store's untyped error is refused as ErrReplayStore too.
	untyped := errors.New("database is on fire")
	for _, storeErr := range []error{oidc.ErrReplayStore, untyped} {
		spy := &spyReplay{err: storeErr}
		v := r.replica(t, publisher.Config{Replay: spy})
		res, err := v.Verify(context.Background(), r.mint(t))
		if res != nil || !errors.Is(err, oidc.ErrReplayStore) || !errors.Is(err, storeErr) {
			t.Fatalf("store failure %v: %v, %v; want nil and an error wrapping ErrReplayStore and it", storeErr, res, err)
		}
	}
}

func TestReplayDefaultMemory(t *testing.T) {
	t.Parallel()
	r := newReplayRig(t)
	v := r.replica(t, publisher.Config{})
	tok := r.mint(t)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, oidc.ErrReplayed) {
		t.Fatalf("replay: %v, want ErrReplayed", err)
	}
}

// verifyMany verifies tok n times at once and counts acceptances; every
// refusal must be a replay.
func verifyMany(t *testing.T, v *publisher.Verifier, tok string, n int) int {
	t.Helper()
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), tok)
			switch {
			case err == nil:
				ok.Add(1)
			case !errors.Is(err, oidc.ErrReplayed):
				t.Errorf("refused, not as a replay: %v", err)
			}
		})
	}
	wg.Wait()
	return int(ok.Load())
}

func TestReplayConcurrent(t *testing.T) {
	r := newReplayRig(t)
	stores := map[string]oidc.ReplayStore{
		"memory": oidc.NewMemoryReplayStore(oidc.MemoryReplayConfig{}),
		"redis":  r.redisStore(t),
	}
	for name, store := range stores {
		t.Run(name, func(t *testing.T) {
			v := r.replica(t, publisher.Config{Replay: store})
			if n := verifyMany(t, v, r.mint(t), 100); n != 1 {
				t.Fatalf("%d of 100 concurrent verifications accepted, want 1", n)
			}
		})
	}
}

// Two replicas on one Redis: a token accepted by one is refused by the
// other, with or without a jti; the record lasts past exp + leeway.
func TestReplayAcrossReplicas(t *testing.T) {
	r := newReplayRig(t)
	rdb := redistest.Connect(t)
	prefix := redistest.Prefix()
	stores := make([]*redisstore.Store, 2)
	replicas := make([]*publisher.Verifier, 2)
	for i := range replicas {
		s, err := redisstore.New(rdb, redisstore.Config{Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		stores[i], replicas[i] = s, r.replica(t, publisher.Config{Replay: s})
	}
	ctx := context.Background()
	for name, tok := range map[string]string{"jti": r.mint(t), "no jti": r.mint(t, oidctest.JWTID(""))} {
		res, err := replicas[0].Verify(ctx, tok)
		if err != nil {
			t.Fatalf("%s: replica 1: %v", name, err)
		}
		if _, err := replicas[1].Verify(ctx, tok); !errors.Is(err, oidc.ErrReplayed) {
			t.Fatalf("%s: replica 2: %v, want ErrReplayed", name, err)
		}
		if _, err := replicas[0].Verify(ctx, tok); !errors.Is(err, oidc.ErrReplayed) {
			t.Fatalf("%s: replica 1 again: %v, want ErrReplayed", name, err)
		}
		id := res.Token.ReplayID()
		if wantDigest := name == "no jti"; strings.HasPrefix(id, "sha256:") != wantDigest {
			t.Errorf("%s: replay id %q", name, id)
		}
		at, err := rdb.PExpireTime(ctx, stores[0].ReplayKey(id)).Result()
		if err != nil {
			t.Fatal(err)
		}
		expiry := time.UnixMilli(int64(at / time.Millisecond))
		last := res.Token.Expiry.Add(oidc.DefaultLeeway) // the last instant it could be accepted
		if expiry.Before(last) || expiry.After(last.Add(time.Minute)) {
			t.Errorf("%s: recorded until %s; exp + leeway is %s, want at most the 1 min margin beyond", name, expiry, last)
		}
	}
}

// Redis stopped mid-run: every verification fails with ErrReplayStore and
// none is accepted; service resumes when it is back on the same port.
func TestReplayRedisDown(t *testing.T) {
	r := newReplayRig(t)
	srv := redistest.Start(t)
	s, err := redisstore.New(srv.Client(t), redisstore.Config{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	v := r.replica(t, publisher.Config{Replay: s})
	ctx := context.Background()
	if _, err := v.Verify(ctx, r.mint(t)); err != nil {
		t.Fatalf("Redis up: %v", err)
	}
	srv.Stop()
	held := r.mint(t)
	for range 3 {
		start := time.Now()
		res, err := v.Verify(ctx, held)
		if res != nil || !errors.Is(err, oidc.ErrReplayStore) {
			t.Fatalf("Redis down: %v, %v; want nil, ErrReplayStore", res, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Redis down: refusal took %s", d)
		}
	}
	toks := make([]string, 10)
	for i := range toks {
		toks[i] = r.mint(t)
	}
	var wg sync.WaitGroup
	for _, tok := range toks {
		wg.Go(func() {
			if res, err := v.Verify(ctx, tok); res != nil || !errors.Is(err, oidc.ErrReplayStore) {
				t.Errorf("Redis down, concurrent: %v, %v; want nil, ErrReplayStore", res, err)
			}
		})
	}
	wg.Wait()
	srv.Restart()
	if _, err := v.Verify(ctx, held); err != nil {
		t.Fatalf("Redis back, token refused only for the outage: %v", err)
	}
	if _, err := v.Verify(ctx, held); !errors.Is(err, oidc.ErrReplayed) {
		t.Fatalf("Redis back, replay: %v, want ErrReplayed", err)
	}
}
