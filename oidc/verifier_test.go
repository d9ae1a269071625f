package oidc_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
)

var b64 = base64.RawURLEncoding

func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	env := newKitEnv(t, nil)
	kit, v := env.kit, env.v
	raw := mint(t, kit, map[string]any{"sub": "repo:octo/demo:ref:refs/heads/main", "repository": "octo/demo"},
		oidctest.JWTID("run-1"), oidctest.Claim("nbf", t0.Add(-time.Minute).Unix()))
	tok, err := v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := &oidc.Token{
		Issuer: kit.URL(), Subject: "repo:octo/demo:ref:refs/heads/main", Audience: []string{oidctest.DefaultAudience},
		ID: "run-1", IssuedAt: t0, Expiry: t0.Add(5 * time.Minute), NotBefore: t0.Add(-time.Minute),
		KeyID: kit.Signer().ID, Algorithm: "RS256",
	}
	opts := cmp.Options{cmpopts.IgnoreUnexported(oidc.Token{}), cmpopts.IgnoreFields(oidc.Token{}, "Payload"), cmpopts.EquateApproxTime(0)}
	if d := cmp.Diff(want, tok, opts); d != "" {
		t.Errorf("token (-want +got):\n%s", d)
	}
	var payload map[string]any
	if err := json.Unmarshal([]byte(tok.Payload), &payload); err != nil || payload["repository"] != "octo/demo" {
		t.Errorf("Payload = %s (%v), want the claims set with repository", tok.Payload, err)
	}
	if got := tok.ReplayID(); got != "jti:"+kit.URL()+"#run-1" {
		t.Errorf("ReplayID = %q", got)
	}

	// Without jti (Google), the replay id derives from the token itself.
	noJTI := func(sub string) string {
		tok, err := v.Verify(context.Background(), mint(t, kit, map[string]any{"sub": sub}, oidctest.JWTID("")))
		if err != nil {
			t.Fatalf("Verify without jti: %v", err)
		}
		if tok.ID != "" || !strings.HasPrefix(tok.ReplayID(), "sha256:") {
			t.Errorf("ID %q, ReplayID %q; want none and a hash", tok.ID, tok.ReplayID())
		}
		return tok.ReplayID()
	}
	if a, b := noJTI("a"), noJTI("b"); a == b || a != noJTI("a") {
		t.Errorf("replay ids %s and %s: want one per token", a, b)
	}

	// A token minted with GitHub's habit: nbf ten minutes before iat.
	gh := mint(t, kit, map[string]any{"sub": "repo:o/r:ref:refs/heads/main"}, oidctest.NotBefore(10*time.Minute))
	if _, err := v.Verify(context.Background(), gh); err != nil {
		t.Errorf("Verify GitHub token: %v", err)
	}
}

// rejectCase is a token built to fail one check.
type rejectCase struct {
	name         string
	token        func(t *testing.T) string
	err          error
	field, value string
	fetch        bool // the rejection needs the issuer's keys
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit, other := newKit(t, clk), newKit(t, clk)
	good := func(t *testing.T) string { return mint(t, kit, map[string]any{"sub": "repo:octo/a"}) }
	parts := func(t *testing.T) []string { return strings.Split(good(t), ".") }
	with := func(opts ...oidctest.MintOption) func(*testing.T) string {
		return func(t *testing.T) string { return mint(t, kit, nil, opts...) }
	}
	editPayload := func(f func(string) string) func(*testing.T) string {
		return with(oidctest.EditPayload(func(b []byte) []byte { return []byte(f(string(b))) }))
	}
	otherJWK, err := oidctest.JWK(&other.Signer().Private.PublicKey, map[string]any{"kid": other.Signer().ID})
	if err != nil {
		t.Fatal(err)
	}
	jweHeader := b64.EncodeToString([]byte(`{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"` + kit.Signer().ID + `"}`))

	cases := []rejectCase{
		{name: "JSON serialization", err: oidc.ErrMalformed, token: func(t *testing.T) string {
			p := parts(t)
			return `{"payload":"` + p[1] + `","protected":"` + p[0] + `","signature":"` + p[2] + `"}`
		}},
		{name: "JSON serialization after space", err: oidc.ErrMalformed, token: func(t *testing.T) string {
			p := parts(t)
			return "\n {\"payload\":\"" + p[1] + "\",\"signatures\":[{\"protected\":\"" + p[0] + "\",\"signature\":\"" + p[2] + "\"}]}"
		}},
		{name: "JWE, five parts", err: oidc.ErrMalformed, token: func(t *testing.T) string {
			return jweHeader + ".ZW5jcnlwdGVka2V5.aXY.Y2lwaGVydGV4dA.dGFn"
		}},
		{name: "two parts", err: oidc.ErrMalformed, token: func(t *testing.T) string {
			p := parts(t)
			return p[0] + "." + p[1]
		}},
		{name: "four parts", err: oidc.ErrMalformed, token: func(t *testing.T) string { return good(t) + ".x" }},
		{name: "empty header", err: oidc.ErrMalformed, token: func(t *testing.T) string { return "." + strings.SplitN(good(t), ".", 2)[1] }},
		{name: "empty signature", err: oidc.ErrMalformed, token: func(t *testing.T) string {
			p := parts(t)
			return p[0] + "." + p[1] + "."
		}},
		{name: "padded base64", err: oidc.ErrMalformed, token: func(t *testing.T) string {
			p := parts(t)
			return p[0] + "." + p[1] + "." + p[2] + "=="
		}},
		{name: "trailing newline", err: oidc.ErrMalformed, token: func(t *testing.T) string { return good(t) + "\n" }},
		{name: "CR LF inside the signature", err: oidc.ErrMalformed, token: func(t *testing.T) string {
			p := parts(t)
			return p[0] + "." + p[1] + "." + p[2][:40] + "\r\n" + p[2][40:]
		}},
		{name: "line break in the payload", err: oidc.ErrMalformed, token: func(t *testing.T) string {
			p := parts(t)
			return p[0] + "." + p[1][:20] + "\n" + p[1][20:] + "." + p[2]
		}},
		{name: "header not JSON", err: oidc.ErrMalformed, token: with(oidctest.EditHeader(func([]byte) []byte { return []byte("RS256") }))},
		{name: "payload not an object", err: oidc.ErrMalformed, token: editPayload(func(string) string { return `["iss"]` })},
		{name: "payload with trailing data", err: oidc.ErrMalformed, token: editPayload(func(s string) string { return s + `{}` })},

		{name: "alg none", err: oidc.ErrAlgorithm, field: "alg", value: "none", token: with(oidctest.Header("alg", "none"))},
		{name: "alg None", err: oidc.ErrAlgorithm, field: "alg", value: "None", token: with(oidctest.Header("alg", "None"))},
		{name: "alg NONE", err: oidc.ErrAlgorithm, field: "alg", value: "NONE", token: with(oidctest.Header("alg", "NONE"))},
		{name: "alg none with a real signature", err: oidc.ErrAlgorithm, field: "alg", value: "none", token: func(t *testing.T) string {
			unsigned := mint(t, kit, nil, oidctest.Header("alg", "none"))
			return unsigned + parts(t)[2]
		}},
		{name: "HS256 keyed with the public key", err: oidc.ErrAlgorithm, field: "alg", value: "HS256", token: with(oidctest.Header("alg", "HS256"))},
		{name: "RS384 for an RS256 issuer", err: oidc.ErrAlgorithm, field: "alg", value: "RS384", token: with(oidctest.Header("alg", "RS384"))},
		{name: "PS256 for an RS256 issuer", err: oidc.ErrAlgorithm, field: "alg", value: "PS256", token: with(oidctest.Header("alg", "PS256"))},
		{name: "alg in lower case", err: oidc.ErrAlgorithm, field: "alg", value: "rs256", token: with(oidctest.Header("alg", "rs256"))},
		{name: "ES256 for an RS256 issuer", err: oidc.ErrAlgorithm, field: "alg", value: "ES256", token: with(oidctest.Header("alg", "ES256"))},

		{name: "jku", err: oidc.ErrUnsafeHeader, field: "jku", value: `"` + other.JWKSURL() + `"`, token: with(oidctest.Header("jku", other.JWKSURL()))},
		{name: "x5u", err: oidc.ErrUnsafeHeader, field: "x5u", value: `"https://example.com/cert.pem"`, token: with(oidctest.Header("x5u", "https://example.com/cert.pem"))},
		{name: "jwk carrying the signing key", err: oidc.ErrUnsafeHeader, field: "jwk", value: clipped(string(otherJWK)),
			token: with(oidctest.SignWith(other.Signer()), oidctest.Header("jwk", otherJWK))},
		{name: "x5c", err: oidc.ErrUnsafeHeader, field: "x5c", value: `["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]`,
			token: with(oidctest.Header("x5c", []string{"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"}))},
		{name: "crit", err: oidc.ErrUnsafeHeader, field: "crit", value: `["exp"]`, token: with(oidctest.Header("crit", []string{"exp"}))},

		{name: "no kid", err: oidc.ErrMalformed, field: "kid", token: with(oidctest.Header("kid", nil))},
		{name: "empty kid", err: oidc.ErrMalformed, field: "kid", token: with(oidctest.Header("kid", ""))},
		{name: "kid a number", err: oidc.ErrMalformed, field: "kid", value: "7", token: with(oidctest.Header("kid", 7))},
		{name: "no alg", err: oidc.ErrMalformed, field: "alg", token: with(oidctest.Header("alg", nil))},
		{name: "alg twice", err: oidc.ErrMalformed, token: with(oidctest.EditHeader(func(b []byte) []byte {
			return append([]byte(`{"alg":"none",`), b[1:]...)
		}))},

		{name: "duplicate iss", err: oidc.ErrMalformed, value: "", token: editPayload(func(s string) string {
			return `{"iss":"https://evil.example",` + s[1:]
		})},
		{name: "duplicate iss, escaped", err: oidc.ErrMalformed, token: editPayload(func(s string) string {
			return `{"\u0069ss":"https://evil.example",` + s[1:]
		})},
		{name: "duplicate aud", err: oidc.ErrMalformed, token: editPayload(func(s string) string {
			return s[:len(s)-1] + `,"aud":"someone-else"}`
		})},
		{name: "exp a string", err: oidc.ErrMalformed, field: "exp", value: `"1748856900"`, token: with(oidctest.Claim("exp", "1748856900"))},
		{name: "iat a bool", err: oidc.ErrMalformed, field: "iat", value: "true", token: with(oidctest.Claim("iat", true))},
		{name: "nbf an object", err: oidc.ErrMalformed, field: "nbf", value: `{"t":1}`, token: with(oidctest.Claim("nbf", map[string]int{"t": 1}))},
		{name: "exp beyond year 9999", err: oidc.ErrMalformed, field: "exp", value: "9223372036854775807", token: editPayload(func(s string) string {
			return `{"exp":9223372036854775807,` + strings.Replace(s[1:], `"exp":`, `"_exp":`, 1)
		})},
		{name: "exp 1e300", err: oidc.ErrMalformed, field: "exp", value: "1e+300", token: with(oidctest.Claim("exp", 1e300))},
		{name: "aud a number", err: oidc.ErrMalformed, field: "aud", value: "42", token: with(oidctest.Claim("aud", 42))},
		{name: "aud array of numbers", err: oidc.ErrMalformed, field: "aud", value: "[1,2]", token: with(oidctest.Claim("aud", []int{1, 2}))},
		{name: "iss a number", err: oidc.ErrMalformed, field: "iss", value: "1", token: with(oidctest.Claim("iss", 1))},
		{name: "sub an array", err: oidc.ErrMalformed, field: "sub", value: `["a"]`, token: with(oidctest.Claim("sub", []string{"a"}))},

		// Claims checks all come before the keys are fetched.
		{name: "expired", err: oidc.ErrExpired, field: "exp", value: stamp(t0.Add(-time.Hour)), token: with(oidctest.Expired())},
		{name: "not yet valid", err: oidc.ErrNotYetValid, field: "nbf", value: stamp(t0.Add(time.Hour)), token: with(oidctest.Claim("nbf", t0.Add(time.Hour).Unix()))},
		{name: "issued in the future", err: oidc.ErrIssuedInFuture, field: "iat", value: stamp(t0.Add(time.Hour)), token: with(oidctest.IssuedAt(t0.Add(time.Hour)))},
		{name: "lifetime too long", err: oidc.ErrLifetime, field: "exp", value: stamp(t0.Add(7 * time.Hour)), token: with(oidctest.Lifetime(7 * time.Hour))},
		{name: "no exp", err: oidc.ErrMissingClaim, field: "exp", token: with(oidctest.Claim("exp", nil))},
		{name: "wrong audience", err: oidc.ErrAudience, field: "aud", value: "pypi", token: with(oidctest.Audience("pypi"))},
		{name: "several audiences", err: oidc.ErrAudience, field: "aud", value: oidctest.DefaultAudience + ",pypi", token: with(oidctest.Audience(oidctest.DefaultAudience, "pypi"))},
		{name: "unknown issuer", err: oidc.ErrIssuer, field: "iss", value: other.URL(), token: with(oidctest.IssuerURL(other.URL()))},

		{name: "tampered payload", err: oidc.ErrSignature, field: "kid", value: kit.Signer().ID, fetch: true, token: func(t *testing.T) string {
			p := parts(t)
			body, err := b64.DecodeString(p[1])
			if err != nil {
				t.Fatal(err)
			}
			body = bytes.Replace(body, []byte("repo:octo/a"), []byte("repo:octo/b"), 1)
			return p[0] + "." + b64.EncodeToString(body) + "." + p[2]
		}},
		{name: "tampered signature", err: oidc.ErrSignature, field: "kid", value: kit.Signer().ID, fetch: true, token: func(t *testing.T) string {
			p := parts(t)
			sig, _ := b64.DecodeString(p[2])
			sig[len(sig)/2] ^= 1
			return p[0] + "." + p[1] + "." + b64.EncodeToString(sig)
		}},
		{name: "signature of another token", err: oidc.ErrSignature, field: "kid", value: kit.Signer().ID, fetch: true, token: func(t *testing.T) string {
			p, q := parts(t), strings.Split(mint(t, kit, map[string]any{"sub": "repo:octo/b"}), ".")
			return p[0] + "." + p[1] + "." + q[2]
		}},
		{name: "truncated signature", err: oidc.ErrSignature, field: "kid", value: kit.Signer().ID, fetch: true, token: func(t *testing.T) string {
			p := parts(t)
			sig, _ := b64.DecodeString(p[2])
			return p[0] + "." + p[1] + "." + b64.EncodeToString(sig[:len(sig)-1])
		}},
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A cold cache: any request made for an early rejection is a
			// cheap check come too late.
			cold := newVerifier(t, newCache(t, kit, clk, nil), clk, nil, kit)
			raw := c.token(t)
			before := requests(kit) + requests(other)
			tok, err := cold.Verify(context.Background(), raw)
			if tok != nil {
				t.Fatalf("Verify accepted %s", raw)
			}
			wantReject(t, err, c.err, c.field, c.value)
			if fetched := requests(kit) + requests(other) - before; !c.fetch && fetched != 0 {
				t.Errorf("rejection made %d requests, want none before the keys are needed", fetched)
			}
		})
	}
}

// clipped is how the verifier quotes a long header value.
func clipped(s string) string {
	if len(s) <= 80 {
		return s
	}
	return s[:80] + "…"
}

func TestVerifyTooLarge(t *testing.T) {
	t.Parallel()
	env := newKitEnv(t, nil)
	kit, v := env.kit, env.v
	big := mint(t, kit, map[string]any{"pad": strings.Repeat("x", 10<<10)})
	if _, err := v.Verify(context.Background(), big); err != nil {
		t.Fatalf("a %d-byte token under the default 16 KiB: %v", len(big), err)
	}
	// Garbage over the limit is refused for its size, before any decoding.
	_, err := v.Verify(context.Background(), strings.Repeat("!", 16<<10+1))
	wantReject(t, err, oidc.ErrTooLarge, "", "")
	if !strings.Contains(err.Error(), "16385 bytes") {
		t.Errorf("message %q does not give the size", err)
	}

	small := newVerifier(t, env.cache, newStepClock(), func(c *oidc.Config) { c.MaxTokenSize = 1024 }, kit)
	_, err = small.Verify(context.Background(), big)
	wantReject(t, err, oidc.ErrTooLarge, "", "")
	huge := mint(t, kit, map[string]any{"pad": strings.Repeat("x", 20<<10)})
	_, err = v.Verify(context.Background(), huge)
	wantReject(t, err, oidc.ErrTooLarge, "", "")
	roomy := newVerifier(t, env.cache, newStepClock(), func(c *oidc.Config) { c.MaxTokenSize = 64 << 10 }, kit)
	if _, err := roomy.Verify(context.Background(), huge); err != nil {
		t.Errorf("a %d-byte token under a 64 KiB limit: %v", len(huge), err)
	}
}

func TestVerifyIssuer(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	a, b, stranger := newKit(t, clk), newKit(t, clk), newKit(t, clk)
	cache := newCache(t, a, clk, nil)
	legacy := a.OIDC()
	legacy.Aliases = []string{"legacy.example"}
	v := newVerifier(t, cache, clk, func(c *oidc.Config) { c.Issuers = []oidc.Issuer{legacy, b.OIDC()} })

	upper := "HTTPS://" + strings.ToUpper(strings.TrimPrefix(a.URL(), "https://"))
	for _, c := range []struct {
		name, iss string
		kit       *oidctest.Issuer
	}{
		{"trailing slash", a.URL() + "/", a},
		{"upper case", upper, a},
		{"another issuer", stranger.URL(), stranger},
		{"path appended", a.URL() + "/org", a},
		{"empty", "", a},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw := mint(t, c.kit, nil, oidctest.IssuerURL(c.iss))
			_, err := v.Verify(context.Background(), raw)
			wantReject(t, err, oidc.ErrIssuer, "iss", c.iss)
			if n := requests(a) + requests(b) + requests(stranger); n != 0 {
				t.Errorf("%d requests made for an untrusted issuer, want none", n)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		_, err := v.Verify(context.Background(), mint(t, a, nil, oidctest.Claim("iss", nil)))
		wantReject(t, err, oidc.ErrIssuer, "iss", "")
	})
	t.Run("alias", func(t *testing.T) {
		tok, err := v.Verify(context.Background(), mint(t, a, nil, oidctest.IssuerURL("legacy.example")))
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if tok.Issuer != "legacy.example" {
			t.Errorf("Issuer = %q, want the alias as stated", tok.Issuer)
		}
	})
	// Keys never cross issuers, even between two trusted ones.
	t.Run("B's key and kid", func(t *testing.T) {
		_, err := v.Verify(context.Background(), mint(t, a, nil, oidctest.SignWith(b.Signer())))
		wantReject(t, err, oidc.ErrUnknownKey, "kid", b.Signer().ID)
	})
	t.Run("B's key under A's kid", func(t *testing.T) {
		k := &oidctest.Key{ID: a.Signer().ID, Private: b.Signer().Private}
		_, err := v.Verify(context.Background(), mint(t, a, nil, oidctest.SignWith(k)))
		wantReject(t, err, oidc.ErrSignature, "kid", a.Signer().ID)
	})
	t.Run("A's key claiming B", func(t *testing.T) {
		clk.Add(2 * time.Minute) // past the refetch interval
		_, err := v.Verify(context.Background(), mint(t, a, nil, oidctest.IssuerURL(b.URL())))
		wantReject(t, err, oidc.ErrUnknownKey, "kid", a.Signer().ID)
		if b.JWKSRequests() != 1 {
			t.Errorf("B's key set fetched %d times, want 1", b.JWKSRequests())
		}
	})
	if _, err := v.Verify(context.Background(), mint(t, b, nil)); err != nil {
		t.Errorf("B's own token: %v", err)
	}
}

func TestVerifyAudience(t *testing.T) {
	t.Parallel()
	env := newKitEnv(t, nil)
	kit, v, clk := env.kit, env.v, env.clk
	multi := newVerifier(t, env.cache, clk, func(c *oidc.Config) { c.AllowMultipleAudiences = true }, kit)
	const ours = oidctest.DefaultAudience
	for _, c := range []struct {
		name      string
		opt       oidctest.MintOption
		ok, okAll bool   // accepted by v, by multi
		value     string // in the rejection
	}{
		{"string", oidctest.Audience(ours), true, true, ""},
		{"one-element array", oidctest.Claim("aud", []string{ours}), true, true, ""},
		{"several", oidctest.Audience(ours, "https://github.com/octo"), false, true, ours + ",https://github.com/octo"},
		{"several without ours", oidctest.Audience("a", "b"), false, false, "a,b"},
		{"another", oidctest.Audience("pypi"), false, false, "pypi"},
		{"case changed", oidctest.Audience(strings.ToUpper(ours)), false, false, strings.ToUpper(ours)},
		{"missing", oidctest.Claim("aud", nil), false, false, ""},
		{"empty array", oidctest.Claim("aud", []string{}), false, false, ""},
		{"empty string", oidctest.Audience(""), false, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			raw := mint(t, kit, nil, c.opt)
			for _, vc := range []struct {
				v  *oidc.Verifier
				ok bool
			}{{v, c.ok}, {multi, c.okAll}} {
				_, err := vc.v.Verify(context.Background(), raw)
				if vc.ok {
					if err != nil {
						t.Errorf("Verify: %v", err)
					}
					continue
				}
				wantReject(t, err, oidc.ErrAudience, "aud", c.value)
			}
		})
	}
}

// TestVerifierWithAudience: a derived verifier accepts its own audience
// only, through the very same key source (no fetch of its own), and leaves
// the original unchanged.
func TestVerifierWithAudience(t *testing.T) {
	t.Parallel()
	env := newKitEnv(t, func(c *oidc.Config) { c.MaxTokenSize = 8 << 10 })
	kit, v := env.kit, env.v
	npm, err := v.WithAudience("npm:registry.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if v.Audience() != oidctest.DefaultAudience || npm.Audience() != "npm:registry.example.com" {
		t.Errorf("audiences %q and %q", v.Audience(), npm.Audience())
	}
	fetched := requests(kit)
	ours, theirs := mint(t, kit, nil), mint(t, kit, nil, oidctest.Audience("npm:registry.example.com"))
	if _, err := npm.Verify(context.Background(), theirs); err != nil {
		t.Errorf("derived verifier, its audience: %v", err)
	}
	if _, err := v.Verify(context.Background(), ours); err != nil {
		t.Errorf("original verifier, its audience: %v", err)
	}
	_, err = npm.Verify(context.Background(), ours)
	wantReject(t, err, oidc.ErrAudience, "aud", oidctest.DefaultAudience)
	_, err = v.Verify(context.Background(), theirs)
	wantReject(t, err, oidc.ErrAudience, "aud", "npm:registry.example.com")
	if got := requests(kit); got != fetched {
		t.Errorf("%d requests to the issuer, want none beyond the %d before: the key source is shared", got, fetched)
	}
	// Every other setting is the original's.
	_, err = npm.Verify(context.Background(), strings.Repeat("a", 8<<10+1))
	wantClass(t, err, oidc.ErrTooLarge, "")
	if npm.Leeway() != v.Leeway() {
		t.Errorf("leeway %v, want %v", npm.Leeway(), v.Leeway())
	}
	if _, ok := npm.Issuer(kit.URL()); !ok {
		t.Error("the derived verifier lost the issuer")
	}
	if w, err := v.WithAudience(""); err == nil || w != nil {
		t.Errorf("WithAudience(\"\") = %v, %v; want an error", w, err)
	}
}

func TestVerifyTimes(t *testing.T) {
	t.Parallel()
	env := newKitEnv(t, nil)
	kit, v, clk, keys := env.kit, env.v, env.clk, env.cache
	const L = oidc.DefaultLeeway
	for _, c := range []struct {
		name  string
		opts  []oidctest.MintOption
		now   time.Duration // after iat
		edit  func(*oidc.Config)
		err   error // nil: accepted
		field string
	}{
		{name: "exp just inside the leeway", now: 5*time.Minute + L - time.Second},
		{name: "exp just outside the leeway", now: 5*time.Minute + L, err: oidc.ErrExpired, field: "exp"},
		{name: "nbf just inside the leeway", opts: []oidctest.MintOption{oidctest.Claim("nbf", t0.Add(time.Minute).Unix())}, now: time.Minute - L},
		{name: "nbf just outside the leeway", opts: []oidctest.MintOption{oidctest.Claim("nbf", t0.Add(time.Minute).Unix())}, now: time.Minute - L - time.Second, err: oidc.ErrNotYetValid, field: "nbf"},
		{name: "iat just inside the leeway", now: -L},
		{name: "iat just outside the leeway", now: -L - time.Second, err: oidc.ErrIssuedInFuture, field: "iat"},
		{name: "no exp", opts: []oidctest.MintOption{oidctest.Claim("exp", nil)}, err: oidc.ErrMissingClaim, field: "exp"},
		{name: "no iat", opts: []oidctest.MintOption{oidctest.Claim("iat", nil)}, err: oidc.ErrMissingClaim, field: "iat"},
		{name: "no nbf", opts: []oidctest.MintOption{oidctest.Claim("nbf", nil)}},
		{name: "expired an hour ago", opts: []oidctest.MintOption{oidctest.Expired()}, err: oidc.ErrExpired, field: "exp"},
		{name: "GitLab-like hour", opts: []oidctest.MintOption{oidctest.Lifetime(time.Hour)}, now: 59 * time.Minute},
		{name: "six hours", opts: []oidctest.MintOption{oidctest.Lifetime(6 * time.Hour)}},
		{name: "six hours and a second", opts: []oidctest.MintOption{oidctest.Lifetime(6*time.Hour + time.Second)}, err: oidc.ErrLifetime, field: "exp"},
		{name: "exp before iat", opts: []oidctest.MintOption{oidctest.Lifetime(-10 * time.Second)}, err: oidc.ErrLifetime, field: "exp"},
		{name: "lifetime cap lowered", opts: []oidctest.MintOption{oidctest.Lifetime(time.Hour)},
			edit: func(c *oidc.Config) { c.MaxLifetime = 30 * time.Minute }, err: oidc.ErrLifetime, field: "exp"},
		{name: "leeway 5s, inside", now: 5*time.Minute + 4*time.Second, edit: func(c *oidc.Config) { c.Leeway = 5 * time.Second }},
		{name: "leeway 5s, outside", now: 5*time.Minute + 5*time.Second, edit: func(c *oidc.Config) { c.Leeway = 5 * time.Second }, err: oidc.ErrExpired, field: "exp"},
		{name: "no leeway, inside", now: 5*time.Minute - time.Second, edit: func(c *oidc.Config) { c.Leeway = -1 }},
		{name: "no leeway, at exp", now: 5 * time.Minute, edit: func(c *oidc.Config) { c.Leeway = -1 }, err: oidc.ErrExpired, field: "exp"},
		{name: "no leeway, iat a second ahead", now: -time.Second, edit: func(c *oidc.Config) { c.Leeway = -1 }, err: oidc.ErrIssuedInFuture, field: "iat"},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk.Set(t0)
			raw := mint(t, kit, nil, c.opts...)
			clk.Set(t0.Add(c.now))
			vv := v
			if c.edit != nil {
				vv = newVerifier(t, keys, clk, c.edit, kit)
			}
			_, err := vv.Verify(context.Background(), raw)
			if c.err == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !strings.Contains(err.Error(), "now is "+clk.Now().UTC().Format(time.RFC3339)) && c.err != oidc.ErrMissingClaim && c.err != oidc.ErrLifetime {
				t.Errorf("message %q does not give the time", err)
			}
			e := wantClass(t, err, c.err, c.field)
			if c.err == oidc.ErrMissingClaim {
				return
			}
			if want := claimStamp(t, raw, c.field); e.Value != want {
				t.Errorf("Value = %q, want the token's %s %q", e.Value, c.field, want)
			}
		})
	}
}

// claimStamp reads a time claim of a token as an error quotes it.
func claimStamp(t *testing.T, raw, name string) string {
	t.Helper()
	body, err := b64.DecodeString(strings.Split(raw, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(body, &claims); err != nil {
		t.Fatal(err)
	}
	n, _ := claims[name].(float64)
	return time.Unix(int64(n), 0).UTC().Format(time.RFC3339)
}

// stamp is how errors quote a time claim.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func TestNewVerifierConfig(t *testing.T) {
	t.Parallel()
	keys := oidc.NewKeyCache(oidc.CacheConfig{})
	defer keys.Close()
	ok := oidc.Issuer{URL: "https://token.actions.githubusercontent.com"}
	for name, cfg := range map[string]oidc.Config{
		"no audience":      {Issuers: []oidc.Issuer{ok}, Keys: keys},
		"no keys":          {Issuers: []oidc.Issuer{ok}, Audience: "a"},
		"no issuers":       {Audience: "a", Keys: keys},
		"issuer twice":     {Issuers: []oidc.Issuer{ok, ok}, Audience: "a", Keys: keys},
		"alias of another": {Issuers: []oidc.Issuer{ok, {URL: "https://accounts.google.com", Aliases: []string{ok.URL}}}, Audience: "a", Keys: keys},
		"empty alias":      {Issuers: []oidc.Issuer{{URL: ok.URL, Aliases: []string{""}}}, Audience: "a", Keys: keys},
		"HMAC algorithm":   {Issuers: []oidc.Issuer{{URL: ok.URL, Algorithms: []string{"HS256"}}}, Audience: "a", Keys: keys},
		"none algorithm":   {Issuers: []oidc.Issuer{{URL: ok.URL, Algorithms: []string{"none"}}}, Audience: "a", Keys: keys},
		"http issuer":      {Issuers: []oidc.Issuer{{URL: "http://gitlab.example"}}, Audience: "a", Keys: keys},
		"issuer not a URL": {Issuers: []oidc.Issuer{{URL: "gitlab.com"}}, Audience: "a", Keys: keys},
		"http JWKS URL":    {Issuers: []oidc.Issuer{{URL: ok.URL, JWKSURL: "http://x/jwks"}}, Audience: "a", Keys: keys},
	} {
		if _, err := oidc.NewVerifier(cfg); err == nil {
			t.Errorf("%s: NewVerifier accepted %+v", name, cfg)
		}
	}
	// The verifier keeps its own copy of the allow-list.
	algs := []string{"RS256"}
	v, err := oidc.NewVerifier(oidc.Config{Issuers: []oidc.Issuer{{URL: ok.URL, Algorithms: algs}}, Audience: "a", Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	algs[0] = "ES256"
	if iss, _ := v.Issuer(ok.URL); iss.Algorithms[0] != "RS256" {
		t.Errorf("Algorithms changed with the caller's slice: %v", iss.Algorithms)
	}
	if v.Leeway() != oidc.DefaultLeeway {
		t.Errorf("Leeway = %s", v.Leeway())
	}
}

// keySourceFunc adapts a function to oidc.KeySource.
type keySourceFunc func(context.Context, oidc.Issuer, string) ([]oidc.Key, error)

func (f keySourceFunc) Keys(ctx context.Context, iss oidc.Issuer, kid string) ([]oidc.Key, error) {
	return f(ctx, iss, kid)
}

// Whatever a KeySource returns, Verify's errors stay *oidc.Error.
func TestVerifyKeySourceError(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	broken := keySourceFunc(func(context.Context, oidc.Issuer, string) ([]oidc.Key, error) {
		return nil, io.ErrUnexpectedEOF
	})
	_, err := newVerifier(t, broken, clk, nil, kit).Verify(context.Background(), mint(t, kit, nil))
	wantReject(t, err, oidc.ErrKeysUnavailable, "kid", kit.Signer().ID)
	if !strings.Contains(err.Error(), io.ErrUnexpectedEOF.Error()) {
		t.Errorf("error %q hides the cause", err)
	}
}
