package oidc_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
)

// A negative or absurd setting of the token checks is a configuration error
// naming the field, not a default quietly put in its place.
func TestNewVerifierBounds(t *testing.T) {
	keys := keySourceFunc(func(context.Context, oidc.Issuer, string) ([]oidc.Key, error) {
		return nil, errors.New("unused")
	})
	build := func(edit func(*oidc.Config)) (*oidc.Verifier, error) {
		cfg := oidc.Config{Issuers: []oidc.Issuer{{URL: "https://issuer.example"}}, Audience: "a", Keys: keys}
		edit(&cfg)
		return oidc.NewVerifier(cfg)
	}
	const years250 = 250 * 365 * 24 * time.Hour
	for _, c := range []struct {
		name  string
		edit  func(*oidc.Config)
		field string
	}{
		{"leeway -2ns", func(c *oidc.Config) { c.Leeway = oidc.NoLeeway - 1 }, "Leeway"},
		{"leeway -1h", func(c *oidc.Config) { c.Leeway = -time.Hour }, "Leeway"},
		{"leeway above the limit", func(c *oidc.Config) { c.Leeway = oidc.LeewayLimit + time.Nanosecond }, "Leeway"},
		{"leeway 250 years", func(c *oidc.Config) { c.Leeway = years250 }, "Leeway"},
		{"lifetime negative", func(c *oidc.Config) { c.MaxLifetime = -time.Second }, "MaxLifetime"},
		{"lifetime above the limit", func(c *oidc.Config) { c.MaxLifetime = oidc.MaxLifetimeLimit + time.Second }, "MaxLifetime"},
		{"lifetime as long as a Duration goes", func(c *oidc.Config) { c.MaxLifetime = math.MaxInt64 }, "MaxLifetime"},
		{"token size negative", func(c *oidc.Config) { c.MaxTokenSize = -1 }, "MaxTokenSize"},
		{"token size above the limit", func(c *oidc.Config) { c.MaxTokenSize = oidc.MaxTokenSizeLimit + 1 }, "MaxTokenSize"},
	} {
		if _, err := build(c.edit); err == nil || !strings.Contains(err.Error(), "Config."+c.field) {
			t.Errorf("%s: NewVerifier error %v, want one naming Config.%s", c.name, err, c.field)
		}
	}
	for _, c := range []struct {
		name   string
		edit   func(*oidc.Config)
		leeway time.Duration
	}{
		{"defaults", func(*oidc.Config) {}, oidc.DefaultLeeway},
		{"no leeway", func(c *oidc.Config) { c.Leeway = oidc.NoLeeway }, 0},
		{"every limit", func(c *oidc.Config) {
			c.Leeway, c.MaxLifetime, c.MaxTokenSize = oidc.LeewayLimit, oidc.MaxLifetimeLimit, oidc.MaxTokenSizeLimit
		}, oidc.LeewayLimit},
	} {
		v, err := build(c.edit)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if v.Leeway() != c.leeway {
			t.Errorf("%s: Leeway() = %s, want %s", c.name, v.Leeway(), c.leeway)
		}
	}
}

// At the limits, the latest expiry a token can carry and still be accepted
// is MaxLifetimeLimit + LeewayLimit ahead: what a replay store must be able
// to record is bounded by the configuration, whatever the token says.
func TestVerifyLatestExpiryAtTheLimits(t *testing.T) {
	env := newKitEnv(t, func(c *oidc.Config) {
		c.Leeway, c.MaxLifetime, c.MaxTokenSize = oidc.LeewayLimit, oidc.MaxLifetimeLimit, oidc.MaxTokenSizeLimit
	})
	ctx := context.Background()
	latest := mint(t, env.kit, nil, oidctest.IssuedAt(t0.Add(oidc.LeewayLimit)), oidctest.Lifetime(oidc.MaxLifetimeLimit))
	tok, err := env.v.Verify(ctx, latest)
	if err != nil {
		t.Fatalf("the latest acceptable token: %v", err)
	}
	if want := t0.Add(oidc.LeewayLimit + oidc.MaxLifetimeLimit); !tok.Expiry.Equal(want) {
		t.Errorf("exp %s, want %s", tok.Expiry, want)
	}
	longer := mint(t, env.kit, nil, oidctest.IssuedAt(t0.Add(oidc.LeewayLimit)), oidctest.Lifetime(oidc.MaxLifetimeLimit+time.Second))
	_, err = env.v.Verify(ctx, longer)
	wantClass(t, err, oidc.ErrLifetime, "exp")
	later := mint(t, env.kit, nil, oidctest.IssuedAt(t0.Add(oidc.LeewayLimit+time.Second)), oidctest.Lifetime(oidc.MaxLifetimeLimit))
	_, err = env.v.Verify(ctx, later)
	wantClass(t, err, oidc.ErrIssuedInFuture, "iat")
	_, err = env.v.Verify(ctx, strings.Repeat("a", oidc.MaxTokenSizeLimit+1))
	wantClass(t, err, oidc.ErrTooLarge, "")
}
