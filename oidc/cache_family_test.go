package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
)

// TestCacheMembersBudget: family members have their own budget, the least
// recently used dropped for a new one, and never crowd out fixed issuers.
func TestCacheMembersBudget(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	root, fixed, fixed2 := newKit(t, clk), newKit(t, clk), newKit(t, clk)
	var orgs []*oidctest.Issuer
	for n := range 4 {
		m, err := root.AddIssuer(fmt.Sprintf("/org/%08d-0000-4000-8000-000000000000", n))
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, m)
	}
	cache := newCache(t, root, clk, func(c *oidc.CacheConfig) { c.MaxIssuers, c.MaxMembers = 1, 3 })
	v := newVerifier(t, cache, clk, func(c *oidc.Config) {
		c.Issuers = []oidc.Issuer{fixed.OIDC(), fixed2.OIDC()}
		c.Families = []oidc.Family{{Prefix: root.URL() + "/org/", Name: uuid,
			Admit: func(context.Context, string) (bool, error) { return true, nil }}}
	})
	ctx := context.Background()
	verify := func(i *oidctest.Issuer) error {
		t.Helper()
		clk.Add(time.Second) // each use later than the one before
		_, err := v.Verify(ctx, mint(t, i, map[string]any{"sub": "x"}))
		return err
	}
	if err := verify(fixed); err != nil {
		t.Fatalf("fixed issuer: %v", err)
	}
	for _, o := range orgs[:3] {
		if err := verify(o); err != nil {
			t.Fatalf("member %s: %v", o.URL(), err)
		}
	}
	// A fourth member takes the place of the least recently used, the first.
	if err := verify(orgs[1]); err != nil { // now the first is the oldest
		t.Fatal(err)
	}
	if err := verify(orgs[3]); err != nil {
		t.Fatalf("fourth member: %v", err)
	}
	for i, o := range orgs {
		if n := o.JWKSRequests(); n != 1 {
			t.Errorf("member %d: %d key set fetches before, want 1", i, n)
		}
	}
	if err := verify(orgs[1]); err != nil { // still cached: no fetch
		t.Fatal(err)
	}
	if err := verify(orgs[0]); err != nil { // dropped, fetched again
		t.Fatal(err)
	}
	if a, b := orgs[0].JWKSRequests(), orgs[1].JWKSRequests(); a != 2 || b != 1 {
		t.Errorf("fetches after: dropped member %d (want 2), kept member %d (want 1)", a, b)
	}
	// The members never took the fixed issuers' room, nor the reverse: the
	// fixed budget of one is full, and stays so.
	if err := verify(fixed); err != nil {
		t.Errorf("fixed issuer after the members: %v", err)
	}
	err := verify(fixed2)
	if !errors.Is(err, oidc.ErrKeysUnavailable) || !strings.Contains(err.Error(), "MaxIssuers") {
		t.Errorf("second fixed issuer beyond MaxIssuers 1: %v", err)
	}
}

// TestCacheMemberKeysOnItsHost: a member's discovery may not send the cache
// to another host for its keys; a fixed issuer's may (Google's does).
func TestCacheMemberKeysOnItsHost(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	root, other := newKit(t, clk), newKit(t, clk)
	member, err := root.AddIssuer("/org/" + orgA)
	if err != nil {
		t.Fatal(err)
	}
	member.ServeDiscovery(map[string]any{"issuer": member.URL(), "jwks_uri": other.JWKSURL()})
	root.ServeDiscovery(map[string]any{"issuer": root.URL(), "jwks_uri": other.JWKSURL()})
	cache := newCache(t, root, clk, nil)
	v := newVerifier(t, cache, clk, func(c *oidc.Config) {
		c.Families = []oidc.Family{{Prefix: root.URL() + "/org/", Name: uuid,
			Admit: func(context.Context, string) (bool, error) { return true, nil }}}
	}, root)
	ctx := context.Background()
	_, err = v.Verify(ctx, mint(t, other, map[string]any{"sub": "x"}, oidctest.IssuerURL(member.URL())))
	if !errors.Is(err, oidc.ErrKeysUnavailable) || !strings.Contains(err.Error(), "another host") {
		t.Errorf("member whose keys are on another host: %v", err)
	}
	if n := other.JWKSRequests(); n != 0 {
		t.Errorf("the other host was asked %d times for the member", n)
	}
	if _, err := v.Verify(ctx, mint(t, other, map[string]any{"sub": "x"}, oidctest.IssuerURL(root.URL()))); err != nil {
		t.Errorf("fixed issuer whose keys are on another host: %v", err)
	}
}
