package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
)

// Helpers shared by the verifier and key cache tests.

// t0 is the fixed start of every injected clock.
var t0 = time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)

// stepClock is a clock that moves only when told.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func newStepClock() *stepClock { return &stepClock{t: t0} }

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *stepClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// newKit starts a test issuer whose tokens follow clk.
func newKit(t *testing.T, clk *stepClock) *oidctest.Issuer {
	t.Helper()
	return oidctest.New(t, oidctest.Options{Now: clk.Now})
}

// newCache returns a key cache trusting the kits' certificate, on clk,
// closed when the test ends. edit, if not nil, adjusts the configuration.
func newCache(t *testing.T, kit *oidctest.Issuer, clk *stepClock, edit func(*oidc.CacheConfig)) *oidc.KeyCache {
	t.Helper()
	cfg := oidc.CacheConfig{HTTPClient: kit.Client(), Now: clk.Now}
	if edit != nil {
		edit(&cfg)
	}
	c := oidc.NewKeyCache(cfg)
	t.Cleanup(func() { c.Close() })
	return c
}

// newVerifier returns a verifier of the kits' tokens for the default
// audience, on clk.
func newVerifier(t *testing.T, keys oidc.KeySource, clk *stepClock, edit func(*oidc.Config), kits ...*oidctest.Issuer) *oidc.Verifier {
	t.Helper()
	cfg := oidc.Config{Audience: oidctest.DefaultAudience, Keys: keys, Now: clk.Now}
	for _, k := range kits {
		cfg.Issuers = append(cfg.Issuers, k.OIDC())
	}
	if edit != nil {
		edit(&cfg)
	}
	v, err := oidc.NewVerifier(cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// kitEnv is one kit, a cache that already holds its keys, and a verifier,
// all on one clock.
type kitEnv struct {
	kit   *oidctest.Issuer
	cache *oidc.KeyCache
	v     *oidc.Verifier
	clk   *stepClock
}

func newKitEnv(t *testing.T, edit func(*oidc.Config)) *kitEnv {
	t.Helper()
	clk := newStepClock()
	kit := newKit(t, clk)
	cache := newCache(t, kit, clk, nil)
	if err := cache.Prefetch(context.Background(), kit.OIDC()); err != nil {
		t.Fatalf("Prefetch: %v", err)
	}
	return &kitEnv{kit: kit, cache: cache, v: newVerifier(t, cache, clk, edit, kit), clk: clk}
}

// mint mints a token or fails the test.
func mint(t *testing.T, kit *oidctest.Issuer, claims any, opts ...oidctest.MintOption) string {
	t.Helper()
	tok, err := kit.Mint(claims, opts...)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return tok
}

// wantReject checks that err is an *oidc.Error of class want naming field
// and value, both in its fields and in its message.
func wantReject(t *testing.T, err, want error, field, value string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	var e *oidc.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *oidc.Error", err, err)
	}
	if e.Field != field || e.Value != value {
		t.Errorf("error names %s=%q, want %s=%q (%v)", e.Field, e.Value, field, value, err)
	}
	msg := err.Error()
	if field != "" && !strings.Contains(msg, field) {
		t.Errorf("message %q does not name the field %q", msg, field)
	}
	if value != "" && !strings.Contains(msg, fmt.Sprintf("%q", value)) {
		t.Errorf("message %q does not quote the value %q", msg, value)
	}
}

// wantClass checks that err is an *oidc.Error of class want naming field.
func wantClass(t *testing.T, err, want error, field string) *oidc.Error {
	t.Helper()
	var e *oidc.Error
	if !errors.Is(err, want) || !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want an *oidc.Error of %v", err, err, want)
	}
	if e.Field != field || !strings.Contains(err.Error(), field) {
		t.Errorf("error %q names field %q, want %q", err, e.Field, field)
	}
	return e
}

// requests counts every request a kit served: discovery and key set.
func requests(kit *oidctest.Issuer) int {
	return kit.Requests("/.well-known/openid-configuration") + kit.JWKSRequests()
}

// logRecorder is a slog handler that keeps the messages it sees.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }

func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	line := rec.Level.String() + " " + rec.Message
	rec.Attrs(func(a slog.Attr) bool {
		line += " " + a.String()
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, line)
	return nil
}

// count returns how many recorded lines contain s.
func (r *logRecorder) count(s string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if strings.Contains(m, s) {
			n++
		}
	}
	return n
}

func (r *logRecorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.msgs, "\n")
}
