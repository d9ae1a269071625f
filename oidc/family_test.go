package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
)

const (
	orgA = "0d7a4e9c-5b21-4c3e-9f8a-1b2c3d4e5f60"
	orgB = "9e8d7c6b-5a49-4382-a716-253443526170"
	orgC = "11111111-2222-4333-8444-555555555555" // exists nowhere
)

// uuid accepts lower-case canonical UUIDs, as CircleCI's family does.
func uuid(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		default:
			return false
		}
	}
	return true
}

func TestFamilyMember(t *testing.T) {
	t.Parallel()
	path := oidc.Family{Prefix: "https://oidc.example.com/org/", Name: uuid}
	label := oidc.Family{Prefix: "https://", Suffix: ".ci.example.com", Name: func(string) bool { return true }}
	for _, tc := range []struct {
		f    *oidc.Family
		iss  string
		want string // "" when not a member
	}{
		{&path, "https://oidc.example.com/org/" + orgA, orgA},
		{&path, "https://oidc.example.com/org/" + strings.ToUpper(orgA), ""},
		{&path, "https://oidc.example.com/org/" + orgA + "/", ""},
		{&path, "https://oidc.example.com/org/" + orgA + "/x", ""},
		{&path, "https://oidc.example.com/org/", ""},
		{&path, "https://oidc.example.com/org/../" + orgA, ""},
		{&path, "https://oidc.example.com/org/acme", ""}, // Name refuses
		{&path, "http://oidc.example.com/org/" + orgA, ""},
		{&label, "https://acme.ci.example.com", "acme"},
		{&label, "https://a-1.ci.example.com", "a-1"},
		{&label, "https://evil.com#.ci.example.com", ""},
		{&label, "https://evil.com/.ci.example.com", ""},
		{&label, "https://user@acme.ci.example.com", ""},
		{&label, "https://evil.acme.ci.example.com", ""},
		{&label, "https://acme.ci.example.com:8443", ""},
		{&label, "https://Acme.ci.example.com", ""},
		{&label, "https://-acme.ci.example.com", ""},
		{&label, "https://acme-.ci.example.com", ""},
		{&label, "https://" + strings.Repeat("a", 64) + ".ci.example.com", ""},
		{&label, "https://" + strings.Repeat("a", 63) + ".ci.example.com", strings.Repeat("a", 63)},
		{&label, "https://%61cme.ci.example.com", ""},
		{&label, "https://.ci.example.com", ""},
	} {
		got, ok := tc.f.Member(tc.iss)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: Member(%q) = %q, %v; want %q", tc.f, tc.iss, got, ok, tc.want)
		}
		if ok && tc.f.URL(got) != tc.iss {
			t.Errorf("URL(%q) = %q, want %q", got, tc.f.URL(got), tc.iss)
		}
	}
}

func TestFamilyConfig(t *testing.T) {
	t.Parallel()
	admit := func(context.Context, string) (bool, error) { return true, nil }
	ok := func(string) bool { return true }
	keys := oidc.NewKeyCache(oidc.CacheConfig{})
	t.Cleanup(func() { keys.Close() })
	for _, tc := range []struct {
		name     string
		issuers  []oidc.Issuer
		families []oidc.Family
		want     string // part of the error; "" when valid
	}{
		{"path family", nil, []oidc.Family{{Prefix: "https://ci.example.com/org/", Name: ok, Admit: admit}}, ""},
		{"label family", nil, []oidc.Family{{Prefix: "https://", Suffix: ".ci.example.com", Name: ok, Admit: admit}}, ""},
		{"path with suffix", nil, []oidc.Family{{Prefix: "https://ci.example.com/org/", Suffix: "/oidc", Name: ok, Admit: admit}}, ""},
		{"no Admit", nil, []oidc.Family{{Prefix: "https://ci.example.com/org/", Name: ok}}, "Admit is required"},
		{"no Name", nil, []oidc.Family{{Prefix: "https://ci.example.com/org/", Admit: admit}}, "Name is required"},
		{"http", nil, []oidc.Family{{Prefix: "http://ci.example.com/org/", Name: ok, Admit: admit}}, "https://"},
		{"glued to the host", nil, []oidc.Family{{Prefix: "https://ci.example", Name: ok, Admit: admit}}, "label of the host"},
		{"glued to a label", nil, []oidc.Family{{Prefix: "https://", Suffix: "ci.example.com", Name: ok, Admit: admit}}, "label of the host"},
		{"glued to a segment", nil, []oidc.Family{{Prefix: "https://ci.example.com/org-", Name: ok, Admit: admit}}, "segment of the path"},
		{"trailing slash", nil, []oidc.Family{{Prefix: "https://ci.example.com/org/", Suffix: "/", Name: ok, Admit: admit}}, "does not end with /"},
		{"query", nil, []oidc.Family{{Prefix: "https://ci.example.com/org/", Suffix: "/x?a=", Name: ok, Admit: admit}}, "query"},
		{"twice", nil, []oidc.Family{
			{Prefix: "https://ci.example.com/org/", Name: ok, Admit: admit},
			{Prefix: "https://ci.example.com/org/", Name: ok, Admit: admit}}, "configured twice"},
		{"fixed member", []oidc.Issuer{{URL: "https://ci.example.com/org/acme"}},
			[]oidc.Family{{Prefix: "https://ci.example.com/org/", Name: ok, Admit: admit}}, "alone and as a member"},
		{"bad algorithm", nil, []oidc.Family{{Prefix: "https://ci.example.com/org/", Name: ok, Admit: admit, Algorithms: []string{"HS256"}}}, "unsupported algorithm"},
	} {
		_, err := oidc.NewVerifier(oidc.Config{Audience: "a", Keys: keys, Issuers: tc.issuers, Families: tc.families})
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: NewVerifier: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// familyEnv is a family of two organizations served by one test server,
// each with its own keys, and a verifier admitting only orgA.
type familyEnv struct {
	root     *oidctest.Issuer
	a, b     *oidctest.Issuer
	v        *oidc.Verifier
	admitted sync.Map // iss -> true
	asked    atomic.Int64
	fail     atomic.Pointer[error]
}

var errStoreDown = errors.New("store down")

func newFamilyEnv(t *testing.T) *familyEnv {
	t.Helper()
	clk := newStepClock()
	e := &familyEnv{root: newKit(t, clk)}
	var err error
	if e.a, err = e.root.AddIssuer("/org/" + orgA); err != nil {
		t.Fatal(err)
	}
	if e.b, err = e.root.AddIssuer("/org/" + orgB); err != nil {
		t.Fatal(err)
	}
	e.admitted.Store(e.a.URL(), true)
	cache := newCache(t, e.root, clk, nil)
	e.v = newVerifier(t, cache, clk, func(c *oidc.Config) {
		c.Families = []oidc.Family{{Prefix: e.root.URL() + "/org/", Name: uuid,
			Admit: func(_ context.Context, iss string) (bool, error) {
				e.asked.Add(1)
				if err := e.fail.Load(); err != nil {
					return false, *err
				}
				_, ok := e.admitted.Load(iss)
				return ok, nil
			}}}
	})
	return e
}

func (e *familyEnv) fetches() int {
	n := 0
	for _, i := range []*oidctest.Issuer{e.root, e.a, e.b} {
		n += i.Requests("/.well-known/openid-configuration") + i.JWKSRequests()
	}
	return n
}

func TestFamilyVerify(t *testing.T) {
	t.Parallel()
	e := newFamilyEnv(t)
	ctx := context.Background()
	tokA := mint(t, e.a, map[string]any{"sub": "a"})
	tok, err := e.v.Verify(ctx, tokA)
	if err != nil {
		t.Fatalf("Verify of an admitted member's token: %v", err)
	}
	if tok.Issuer != e.a.URL() || tok.ReplayID() != "jti:"+e.a.URL()+"#"+tok.ID {
		t.Errorf("Issuer %q, ReplayID %q: want the member's own", tok.Issuer, tok.ReplayID())
	}
	if got, ok := e.v.Issuer(e.a.URL()); !ok || got.URL != e.a.URL() || len(got.Algorithms) != 1 {
		t.Errorf("Issuer(member) = %+v, %v", got, ok)
	}
	if n := e.a.Requests("/.well-known/openid-configuration"); n != 1 {
		t.Errorf("discovery at the member's own URL: %d requests, want 1", n)
	}
	before := e.fetches()

	// A real member that no publisher names: nothing fetched.
	_, err = e.v.Verify(ctx, mint(t, e.b, map[string]any{"sub": "b"}))
	wantReject(t, err, oidc.ErrIssuer, "iss", e.b.URL())
	if !strings.Contains(err.Error(), "no registered publisher names") {
		t.Errorf("refusal %q does not say why", err)
	}
	// A made-up organization, signed with A's key: nothing fetched.
	madeUp := e.root.URL() + "/org/" + orgC
	_, err = e.v.Verify(ctx, mint(t, e.a, map[string]any{"sub": "c"}, oidctest.IssuerURL(madeUp)))
	wantReject(t, err, oidc.ErrIssuer, "iss", madeUp)
	if n := e.fetches(); n != before {
		t.Errorf("refused members made %d fetches", n-before)
	}

	// B's token naming A's issuer: A's keys do not hold B's kid.
	e.admitted.Store(e.b.URL(), true)
	_, err = e.v.Verify(ctx, mint(t, e.b, map[string]any{"sub": "b"}, oidctest.IssuerURL(e.a.URL())))
	wantClass(t, err, oidc.ErrUnknownKey, "kid")
	// B's token naming A's issuer with A's kid: the signature fails.
	_, err = e.v.Verify(ctx, mint(t, e.b, map[string]any{"sub": "b"}, oidctest.IssuerURL(e.a.URL()),
		oidctest.Header("kid", e.a.Signer().ID)))
	wantClass(t, err, oidc.ErrSignature, "kid")
	// Once admitted, B's own token verifies, from B's own keys.
	if _, err := e.v.Verify(ctx, mint(t, e.b, map[string]any{"sub": "b"})); err != nil {
		t.Errorf("Verify of B once admitted: %v", err)
	}
	if n := e.b.JWKSRequests(); n != 1 {
		t.Errorf("B's key set fetched %d times, want 1", n)
	}

	// Spellings of A that are not A.
	for _, iss := range []string{strings.ToUpper(e.a.URL()), e.a.URL() + "/", e.root.URL() + "/org/" + strings.ToUpper(orgA)} {
		_, err := e.v.Verify(ctx, mint(t, e.a, map[string]any{"sub": "a"}, oidctest.IssuerURL(iss)))
		wantReject(t, err, oidc.ErrIssuer, "iss", iss)
	}
}

// TestFamilyAdmitOrder: Admit is asked only once the cheap checks pass, and
// its failure is an outage that keeps its cause.
func TestFamilyAdmitOrder(t *testing.T) {
	t.Parallel()
	e := newFamilyEnv(t)
	ctx := context.Background()
	sub := map[string]any{"sub": "a"}
	valid := mint(t, e.a, sub)
	parts := strings.Split(valid, ".")
	madeUp := oidctest.IssuerURL(e.root.URL() + "/org/" + orgC)
	for _, tc := range []struct {
		name string
		tok  string
		want error
	}{
		{"expired", mint(t, e.a, sub, oidctest.Expired()), oidc.ErrExpired},
		{"wrong audience", mint(t, e.a, sub, oidctest.Audience("other")), oidc.ErrAudience},
		{"too long", mint(t, e.a, sub, oidctest.Lifetime(48*time.Hour)), oidc.ErrLifetime},
		// Signed with RS384 and the member's key: a real signature, in an
		// algorithm the family does not allow.
		{"algorithm not the family's", mint(t, e.a, sub, oidctest.Header("alg", "RS384")), oidc.ErrAlgorithm},
		{"not yet valid", mint(t, e.a, sub, oidctest.Claim("nbf", t0.Add(time.Hour).Unix())), oidc.ErrNotYetValid},
		{"issued in the future", mint(t, e.a, sub, oidctest.IssuedAt(t0.Add(time.Hour))), oidc.ErrIssuedInFuture},
		{"signature not base64url", parts[0] + "." + parts[1] + ".!!!", oidc.ErrMalformed},
		{"made-up member, expired", mint(t, e.a, sub, madeUp, oidctest.Expired()), oidc.ErrExpired},
		{"made-up member, wrong audience", mint(t, e.a, sub, madeUp, oidctest.Audience("other")), oidc.ErrAudience},
	} {
		before := e.asked.Load()
		if _, err := e.v.Verify(ctx, tc.tok); !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
		if n := e.asked.Load() - before; n != 0 {
			t.Errorf("%s: Admit asked %d times for a token failing a cheap check", tc.name, n)
		}
	}
	if n := e.asked.Load(); n != 0 {
		t.Fatalf("Admit asked %d times for tokens failing cheap checks", n)
	}
	down := fmt.Errorf("wrapped: %w", errStoreDown)
	e.fail.Store(&down)
	_, err := e.v.Verify(ctx, mint(t, e.a, map[string]any{"sub": "a"}))
	if !errors.Is(err, oidc.ErrKeysUnavailable) || !errors.Is(err, errStoreDown) {
		t.Fatalf("Verify with Admit failing = %v; want ErrKeysUnavailable wrapping the cause", err)
	}
	if e.fetches() != 0 {
		t.Errorf("Admit failing, yet %d fetches", e.fetches())
	}
	// The cases fail on their defect alone: the token the malformed one
	// was cut from is accepted, and Admit was asked twice in all.
	e.fail.Store(nil)
	if _, err := e.v.Verify(ctx, valid); err != nil || e.asked.Load() != 2 {
		t.Errorf("Verify of the valid token = %v, Admit asked %d times in all; want accepted, 2", err, e.asked.Load())
	}
}

// TestFamilyMadeUpFlood: a thousand tokens naming made-up organizations
// fetch nothing.
func TestFamilyMadeUpFlood(t *testing.T) {
	t.Parallel()
	e := newFamilyEnv(t)
	ctx := context.Background()
	for i := range 1000 {
		iss := fmt.Sprintf("%s/org/%08x-0000-4000-8000-000000000000", e.root.URL(), i)
		_, err := e.v.Verify(ctx, mint(t, e.a, map[string]any{"sub": "x"}, oidctest.IssuerURL(iss)))
		if !errors.Is(err, oidc.ErrIssuer) {
			t.Fatalf("token %d: %v, want ErrIssuer", i, err)
		}
	}
	if n := e.fetches(); n != 0 {
		t.Errorf("%d fetches for made-up organizations", n)
	}
	if n := e.asked.Load(); n != 1000 {
		t.Errorf("Admit asked %d times, want 1000", n)
	}
}

// TestIssuerMaxLifetime: an issuer's own cap replaces Config.MaxLifetime
// for its tokens only.
func TestIssuerMaxLifetime(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	short, long := newKit(t, clk), newKit(t, clk)
	keys := newCache(t, short, clk, func(c *oidc.CacheConfig) { c.HTTPClient = short.Client() })
	v := newVerifier(t, keys, clk, func(c *oidc.Config) {
		c.Issuers = []oidc.Issuer{short.OIDC(), {URL: long.URL(), MaxLifetime: 24 * time.Hour}}
	})
	ctx := context.Background()
	if _, err := v.Verify(ctx, mint(t, long, map[string]any{"sub": "x"}, oidctest.Lifetime(20*time.Hour))); err != nil {
		t.Errorf("20 h token of the issuer capped at 24 h: %v", err)
	}
	_, err := v.Verify(ctx, mint(t, long, map[string]any{"sub": "x"}, oidctest.Lifetime(25*time.Hour)))
	wantClass(t, err, oidc.ErrLifetime, "exp")
	_, err = v.Verify(ctx, mint(t, short, map[string]any{"sub": "x"}, oidctest.Lifetime(20*time.Hour)))
	wantClass(t, err, oidc.ErrLifetime, "exp")
	for _, bad := range []time.Duration{-time.Second, oidc.MaxLifetimeLimit + time.Second} {
		_, err := oidc.NewVerifier(oidc.Config{Audience: "a", Keys: keys, Issuers: []oidc.Issuer{{URL: long.URL(), MaxLifetime: bad}}})
		if err == nil {
			t.Errorf("Issuer.MaxLifetime %s accepted", bad)
		}
		_, err = oidc.NewVerifier(oidc.Config{Audience: "a", Keys: keys, Families: []oidc.Family{{Prefix: long.URL() + "/org/",
			Name: uuid, MaxLifetime: bad, Admit: func(context.Context, string) (bool, error) { return true, nil }}}})
		if err == nil {
			t.Errorf("Family.MaxLifetime %s accepted", bad)
		}
	}
}
