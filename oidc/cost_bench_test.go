package oidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
)

// BenchmarkGarbageToken prices what anyone can make a verifier spend: a token
// with made-up claims that pass every cheap check and a random signature,
// against the dearest key set the cache accepts, next to a valid token
// against an ordinary set. Each iteration verifies one of each, so that
// x-valid, the ratio of their times, compares them under the same load.
// Target: x-valid at most 3 for RS256, the key set's part of the cost.
//
// The dearest set holds 100 entries (the cap): under the token's kid, an
// RSA key of MaxRSABits (default 2048) with no alg, which fits every RSA
// algorithm, a P-256 and a P-384 key; 97 more RSA keys under other kids.
// The cases:
//
//   - RS256: a token of ordinary size, the issuer's default algorithms;
//   - RS256/16KiB, PS512/16KiB: the token padded to the default
//     MaxTokenSize with the dearest JSON found (short distinct keys), which
//     prices the token's size rather than the key set;
//   - ES256, ES384: issuers configured to allow these;
//   - hostile: the set the review used, 100 keys of 8192 bits with the
//     exponent 2^31-1 under one kid, which the cache now refuses;
//   - RS256/MaxRSABits4096: the dearest set when MaxRSABits is raised.
func BenchmarkGarbageToken(b *testing.B) {
	ctx := context.Background()
	clk := newStepClock()
	ordinary := oidctest.New(b, oidctest.Options{Now: clk.Now})
	valid, err := ordinary.Mint(nil)
	if err != nil {
		b.Fatal(err)
	}
	verifier := func(kit *oidctest.Issuer, maxRSABits int, algs ...string) *oidc.Verifier {
		cache := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: kit.Client(), Now: clk.Now, MaxRSABits: maxRSABits})
		b.Cleanup(func() { cache.Close() })
		iss := kit.OIDC()
		iss.Algorithms = algs
		v, err := oidc.NewVerifier(oidc.Config{Issuers: []oidc.Issuer{iss}, Audience: oidctest.DefaultAudience, Keys: cache, Now: clk.Now})
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	vv := verifier(ordinary, 0)
	if _, err := vv.Verify(ctx, valid); err != nil {
		b.Fatal(err)
	}

	const kid = "k"
	dearest := oidctest.New(b, oidctest.Options{Now: clk.Now})
	dearest.ServeJWKS(dearestSet(b, kid, 2048))
	dearest4096 := oidctest.New(b, oidctest.Options{Now: clk.Now})
	dearest4096.ServeJWKS(dearestSet(b, kid, 4096))
	hostile := oidctest.New(b, oidctest.Options{Now: clk.Now})
	hostile.ServeJWKS(hostileSet(b, kid))
	rsaAlgs := []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	for _, c := range []struct {
		name    string
		kit     *oidctest.Issuer
		rsaBits int      // CacheConfig.MaxRSABits
		sigBits int      // the size of the RSA signature; default max(rsaBits, 2048)
		algs    []string // the issuer's allow-list
		alg     string
		pad     func(room int) any // nil: a token of ordinary size
	}{
		{name: "RS256", kit: dearest, alg: "RS256"},
		{name: "RS256/16KiB", kit: dearest, alg: "RS256", pad: padKeys},
		{name: "PS512/16KiB", kit: dearest, algs: rsaAlgs, alg: "PS512", pad: padKeys},
		{name: "ES256", kit: dearest, algs: []string{"RS256", "ES256"}, alg: "ES256"},
		{name: "ES384", kit: dearest, algs: []string{"RS256", "ES384"}, alg: "ES384"},
		{name: "hostile", kit: hostile, alg: "RS256", sigBits: 8192},
		{name: "RS256/MaxRSABits4096", kit: dearest4096, rsaBits: 4096, alg: "RS256"},
	} {
		v := verifier(c.kit, c.rsaBits, c.algs...)
		tok := garbageToken(b, c.kit, kid, c.alg, max(c.sigBits, c.rsaBits, 2048), c.pad)
		_, err := v.Verify(ctx, tok)
		if c.kit != hostile && !errors.Is(err, oidc.ErrSignature) {
			b.Fatalf("%s: the garbage token did not reach the signature check: %v", c.name, err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var good, bad time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := vv.Verify(ctx, valid); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := v.Verify(ctx, tok); err == nil {
					b.Fatal("a garbage token verified")
				}
				good, bad = good+t1.Sub(t0), bad+time.Since(t1)
			}
			b.ReportMetric(float64(good.Nanoseconds())/float64(b.N), "valid-ns")
			b.ReportMetric(float64(bad.Nanoseconds())/float64(b.N), "garbage-ns")
			b.ReportMetric(float64(bad)/float64(good), "x-valid")
		})
	}
}

// garbageToken returns a token anyone could send: made-up claims that pass
// every cheap check, under kid and alg, with a random signature that only
// the whole arithmetic refutes (sized for an RSA key of rsaBits). pad, if
// not nil, fills the payload up to the default MaxTokenSize.
func garbageToken(tb testing.TB, kit *oidctest.Issuer, kid, alg string, rsaBits int, pad func(room int) any) string {
	tb.Helper()
	const size = 16 << 10
	opts := []oidctest.MintOption{oidctest.SignWith(&oidctest.Key{ID: kid, Private: kit.Signer().Private}), oidctest.Header("alg", alg)}
	tok, err := kit.Mint(nil, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	if pad != nil {
		room := (size-len(tok))*3/4 - 32
		if tok, err = kit.Mint(nil, append(opts, oidctest.Claim("pad", pad(room)))...); err != nil {
			tb.Fatal(err)
		}
		if len(tok) > size {
			tb.Fatalf("garbage token of %d bytes, more than %d", len(tok), size)
		}
	}
	var sig []byte
	switch alg {
	case "ES256":
		sig = ecSignature(tb, elliptic.P256())
	case "ES384":
		sig = ecSignature(tb, elliptic.P384())
	default:
		sig = make([]byte, rsaBits/8)
		rand.Read(sig[1:]) // a leading zero keeps it below the modulus
	}
	return tok[:strings.LastIndexByte(tok, '.')+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// ecSignature returns a random r and s in range, which ecdsa.Verify must
// take through its whole computation to refute.
func ecSignature(tb testing.TB, curve elliptic.Curve) []byte {
	size := (curve.Params().BitSize + 7) / 8
	sig := make([]byte, 2*size)
	for i := range 2 {
		n, err := rand.Int(rand.Reader, curve.Params().N)
		if err != nil {
			tb.Fatal(err)
		}
		n.FillBytes(sig[i*size : (i+1)*size])
	}
	return sig
}

// padKeys fills room with the dearest JSON found for a token payload: as
// many short distinct keys as oidc.MaxClaimValues leaves room for, each
// escaped so that it must be unquoted, then one string of escapes.
func padKeys(room int) any {
	var b strings.Builder
	b.WriteString(`{`)
	for i := 0; i < oidc.MaxClaimValues-64 && b.Len() < room-64; i++ {
		fmt.Fprintf(&b, `"\u0078%x":0,`, i)
	}
	b.WriteString(`"s":"`)
	for b.Len() < room-16 {
		b.WriteString(`\u0041`)
	}
	b.WriteString(`"}`)
	return json.RawMessage(b.String())
}

// rsaPublicJWK is a JWK of a random odd modulus: a hostile set needs no
// private half to make checks dear.
func rsaPublicJWK(tb testing.TB, kid string, bits int, e *big.Int) json.RawMessage {
	b64 := base64.RawURLEncoding.EncodeToString
	return json.RawMessage(fmt.Sprintf(`{"kty":"RSA","kid":%q,"n":%q,"e":%q}`, kid, b64(randomModulus(tb, bits).Bytes()), b64(e.Bytes())))
}

func dearestSet(tb testing.TB, kid string, rsaBits int) []byte {
	keys := []json.RawMessage{rsaPublicJWK(tb, kid, rsaBits, big.NewInt(65537))}
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384()} {
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		j, err := oidctest.JWK(&k.PublicKey, map[string]any{"kid": kid})
		if err != nil {
			tb.Fatal(err)
		}
		keys = append(keys, j)
	}
	for i := len(keys); i < 100; i++ {
		keys = append(keys, rsaPublicJWK(tb, fmt.Sprint("other-", i), rsaBits, big.NewInt(65537)))
	}
	set, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		tb.Fatal(err)
	}
	return set
}

func hostileSet(tb testing.TB, kid string) []byte {
	var keys []json.RawMessage
	for range 100 {
		keys = append(keys, rsaPublicJWK(tb, kid, 8192, big.NewInt(1<<31-1)))
	}
	set, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		tb.Fatal(err)
	}
	return set
}
