package oidctest_test

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/oidc/oidctest"
)

var t0 = time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)

// parts decodes a minted token's header and claims; sig is raw.
func parts(t *testing.T, tok string) (hdr, claims map[string]any, input string, sig []byte) {
	t.Helper()
	p := strings.Split(tok, ".")
	if len(p) != 3 {
		t.Fatalf("token has %d parts", len(p))
	}
	dec := func(s string, v any) {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		if v != nil {
			if err := json.Unmarshal(b, v); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
		}
	}
	dec(p[0], &hdr)
	dec(p[1], &claims)
	sig, err := base64.RawURLEncoding.DecodeString(p[2])
	if err != nil {
		t.Fatal(err)
	}
	return hdr, claims, p[0] + "." + p[1], sig
}

func TestMintClaims(t *testing.T) {
	t.Parallel()
	kit := oidctest.New(t, oidctest.Options{Now: func() time.Time { return t0 }, Audience: "pypi"})
	for _, c := range []struct {
		name string
		opts []oidctest.MintOption
		want map[string]any
	}{
		{"defaults", nil, map[string]any{"iss": kit.URL(), "aud": "pypi", "iat": t0.Unix(), "exp": t0.Add(5 * time.Minute).Unix()}},
		{"expired, then lifetime", []oidctest.MintOption{oidctest.Expired(), oidctest.Lifetime(time.Hour)},
			map[string]any{"exp": t0.Add(-time.Hour).Unix(), "iat": t0.Add(-2 * time.Hour).Unix()}},
		{"lifetime, then expired", []oidctest.MintOption{oidctest.Lifetime(time.Hour), oidctest.Expired()},
			map[string]any{"exp": t0.Add(-time.Hour).Unix()}},
		{"issued at", []oidctest.MintOption{oidctest.IssuedAt(t0.Add(time.Minute)), oidctest.Lifetime(time.Hour)},
			map[string]any{"iat": t0.Add(time.Minute).Unix(), "exp": t0.Add(61 * time.Minute).Unix()}},
		{"audiences", []oidctest.MintOption{oidctest.Audience("a", "b")}, map[string]any{"aud": []any{"a", "b"}}},
		{"issuer and jti", []oidctest.MintOption{oidctest.IssuerURL("https://x"), oidctest.JWTID("j")}, map[string]any{"iss": "https://x", "jti": "j"}},
		{"claim set and removed", []oidctest.MintOption{oidctest.Claim("exp", "soon"), oidctest.Claim("aud", nil)}, map[string]any{"exp": "soon", "aud": nil}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok, err := kit.Mint(map[string]any{"sub": "s"}, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, claims, _, _ := parts(t, tok)
			for k, want := range c.want {
				got, ok := claims[k]
				if n, isNum := want.(int64); isNum {
					want = float64(n)
				}
				if want == nil && ok || want != nil && !cmp.Equal(got, want) {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
			if claims["sub"] != "s" {
				t.Errorf("sub = %v", claims["sub"])
			}
		})
	}
	tok, _ := kit.Mint(nil, oidctest.JWTID(""))
	if _, claims, _, _ := parts(t, tok); claims["jti"] != nil {
		t.Errorf("JWTID(\"\") left jti %v", claims["jti"])
	}
}

func TestMintSignatures(t *testing.T) {
	t.Parallel()
	kit := oidctest.New(t, oidctest.Options{})
	pub := &kit.Signer().Private.PublicKey
	mint := func(opts ...oidctest.MintOption) (map[string]any, string, []byte) {
		tok, err := kit.Mint(nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		h, _, in, sig := parts(t, tok)
		return h, in, sig
	}
	digest := func(in string) []byte { s := sha256.Sum256([]byte(in)); return s[:] }

	h, in, sig := mint()
	if h["alg"] != "RS256" || h["kid"] != kit.Signer().ID || rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest(in), sig) != nil {
		t.Errorf("default token: header %v, signature does not verify", h)
	}
	_, in, sig = mint(oidctest.Header("alg", "PS256"))
	if err := rsa.VerifyPSS(pub, crypto.SHA256, digest(in), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
		t.Errorf("PS256: %v", err)
	}
	_, in, sig = mint(oidctest.Header("alg", "HS256"))
	mac := hmac.New(sha256.New, x509.MarshalPKCS1PublicKey(pub))
	mac.Write([]byte(in))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		t.Error("HS256 is not keyed with the public key")
	}
	if _, _, sig = mint(oidctest.Header("alg", "none")); len(sig) != 0 {
		t.Errorf("alg none carries a %d-byte signature", len(sig))
	}
	if h, _, _ = mint(oidctest.Header("kid", nil), oidctest.Header("jku", "https://x")); h["kid"] != nil || h["jku"] != "https://x" {
		t.Errorf("header %v", h)
	}

	// Edits are signed: the signature covers the edited JSON.
	tok, err := kit.Mint(nil,
		oidctest.EditHeader(func(b []byte) []byte { return append([]byte(`{"alg":"none",`), b[1:]...) }),
		oidctest.EditPayload(func([]byte) []byte { return []byte(`{"a":1,"a":2}`) }))
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Split(tok, ".")
	hb, _ := base64.RawURLEncoding.DecodeString(p[0])
	pb, _ := base64.RawURLEncoding.DecodeString(p[1])
	sig, _ = base64.RawURLEncoding.DecodeString(p[2])
	if !strings.HasPrefix(string(hb), `{"alg":"none","alg":"RS256"`) || string(pb) != `{"a":1,"a":2}` {
		t.Errorf("edited header %s, payload %s", hb, pb)
	}
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest(p[0]+"."+p[1]), sig) != nil {
		t.Error("the edited token is not signed")
	}
}

func TestIssuerServes(t *testing.T) {
	t.Parallel()
	kit := oidctest.New(t, oidctest.Options{Path: "/_services/token/"})
	if !strings.HasSuffix(kit.URL(), "/_services/token") {
		t.Errorf("URL %s", kit.URL())
	}
	get := func(url string) (int, string) {
		resp, err := kit.Client().Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	kids := func() []string {
		_, body := get(kit.JWKSURL())
		var set struct{ Keys []struct{ Kid string } }
		json.Unmarshal([]byte(body), &set)
		var out []string
		for _, k := range set.Keys {
			out = append(out, k.Kid)
		}
		return out
	}
	var doc map[string]any
	_, body := get(kit.URL() + "/.well-known/openid-configuration")
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc["issuer"] != kit.URL() || doc["jwks_uri"] != kit.JWKSURL() {
		t.Errorf("discovery %s", body)
	}
	first := kit.Signer().ID
	second, err := kit.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if got := kids(); !cmp.Equal(got, []string{first, second.ID}) {
		t.Errorf("after Rotate: %v", got)
	}
	kit.Retire()
	if got := kids(); !cmp.Equal(got, []string{second.ID}) {
		t.Errorf("after Retire: %v", got)
	}
	kit.ServeJWKS([]byte(`{"keys":[]}`))
	kit.CacheControl("max-age=60")
	resp, err := kit.Client().Get(kit.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != `{"keys":[]}` || resp.Header.Get("Cache-Control") != "max-age=60" {
		t.Errorf("served %s with Cache-Control %q", b, resp.Header.Get("Cache-Control"))
	}
	kit.Fail(http.StatusBadGateway)
	if code, _ := get(kit.JWKSURL()); code != http.StatusBadGateway {
		t.Errorf("Fail: status %d", code)
	}
	kit.Fail(0)
	if n := kit.JWKSRequests(); n != 4 {
		t.Errorf("JWKSRequests = %d, want 4", n)
	}
	if n := kit.Requests("/.well-known/openid-configuration"); n != 1 {
		t.Errorf("discovery requests = %d, want 1", n)
	}

	// A delayed answer the client gives up on is aborted, never an empty 200.
	kit.Delay(5 * time.Second)
	c := *kit.Client()
	c.Timeout = 50 * time.Millisecond
	if resp, err := c.Get(kit.JWKSURL()); err == nil {
		resp.Body.Close()
		t.Errorf("a delayed request answered %d", resp.StatusCode)
	}
}

func TestAddIssuer(t *testing.T) {
	t.Parallel()
	root := oidctest.New(t, oidctest.Options{})
	a, err := root.IssuerAt("/org/a")
	if err != nil {
		t.Fatal(err)
	}
	if again, err := root.IssuerAt("/org/a/"); err != nil || again != a {
		t.Errorf("IssuerAt again = %p, %v; want the same issuer %p", again, err, a)
	}
	if _, err := root.AddIssuer("/org/a"); err == nil {
		t.Error("AddIssuer twice at one path succeeded")
	}
	for _, bad := range []string{"org", "/org?x=1", "/x/.well-known/jwks"} {
		if _, err := root.AddIssuer(bad); err == nil {
			t.Errorf("AddIssuer(%q) succeeded", bad)
		}
	}
	if a.URL() != root.URL()+"/org/a" || a.Signer().ID == root.Signer().ID {
		t.Errorf("member %s with key %s: want its own URL and key", a.URL(), a.Signer().ID)
	}
	get := func(url string) (int, string) {
		resp, err := root.Client().Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(a.JWKSURL()); code != 200 || !strings.Contains(body, a.Signer().ID) || strings.Contains(body, root.Signer().ID) {
		t.Errorf("member's key set: %d %s", code, body)
	}
	if code, body := get(a.URL() + "/.well-known/openid-configuration"); code != 200 || !strings.Contains(body, `"issuer":"`+a.URL()+`"`) {
		t.Errorf("member's discovery: %d %s", code, body)
	}
	a.Fail(503)
	if code, _ := get(a.JWKSURL()); code != 503 {
		t.Errorf("failing member answered %d", code)
	}
	if code, _ := get(root.JWKSURL()); code != 200 {
		t.Errorf("root answered %d while a member fails", code)
	}
	if a.JWKSRequests() != 2 || root.JWKSRequests() != 1 {
		t.Errorf("requests: member %d, root %d; want 2 and 1", a.JWKSRequests(), root.JWKSRequests())
	}
	a.Close()
	if code, _ := get(a.JWKSURL()); code != 404 {
		t.Errorf("closed member answered %d", code)
	}
}
