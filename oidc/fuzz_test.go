package oidc_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustpub/trustpub/oidc"
)

// The fuzz targets verify tokens end to end against a static key source:
// no network, so each run costs what parsing and one signature check cost.
// FuzzVerify mutates whole signed tokens; FuzzVerifySigned mutates the
// header and payload and signs them again, so that mutations reach the
// claim checks and, now and then, an accepted token.

const (
	fuzzIssuer   = "https://issuer.example"
	fuzzAlias    = "issuer.example"
	fuzzAudience = "trustpub-fuzz"
)

// fuzzNow is the verifier's clock: fixed, so seed tokens never expire.
var fuzzNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// fuzzEC is a fixed P-256 key (kid "ec"): seeds signed with it verify on
// every run. Its signatures are deterministic (RFC 6979).
var fuzzEC = func() *ecdsa.PrivateKey {
	d := sha256.Sum256([]byte("trustpub fuzz key"))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	if err != nil {
		panic(err)
	}
	return k
}()

// fuzzRSA is an RSA key (kid "rsa") made once per process: tokens are
// signed with it inside the fuzz function, never stored.
var fuzzRSA = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// fuzzVerifier trusts one issuer (and an alias) for ES256 and RS256, with
// keys "ec", "rsa", and "both" (two keys under one kid, the EC one first).
var fuzzVerifier = sync.OnceValue(func() *oidc.Verifier {
	ec := oidc.Key{ID: "ec", Public: &fuzzEC.PublicKey}
	rs := oidc.Key{ID: "rsa", Algorithm: "RS256", Public: &fuzzRSA().PublicKey}
	keys := map[string][]oidc.Key{"ec": {ec}, "rsa": {rs}, "both": {ec, rs}}
	v, err := oidc.NewVerifier(oidc.Config{
		Issuers:  []oidc.Issuer{{URL: fuzzIssuer, Aliases: []string{fuzzAlias}, Algorithms: []string{"ES256", "RS256"}}},
		Audience: fuzzAudience,
		Keys: staticKeys(func(_ context.Context, iss oidc.Issuer, kid string) ([]oidc.Key, error) {
			if iss.URL != fuzzIssuer {
				return nil, errors.New("keys asked for another issuer")
			}
			if k, ok := keys[kid]; ok {
				return k, nil
			}
			return nil, &oidc.Error{Err: oidc.ErrUnknownKey, Field: "kid", Value: kid}
		}),
		Now: func() time.Time { return fuzzNow },
	})
	if err != nil {
		panic(err)
	}
	return v
})

// staticKeys is a KeySource written inline.
type staticKeys func(context.Context, oidc.Issuer, string) ([]oidc.Key, error)

func (f staticKeys) Keys(ctx context.Context, iss oidc.Issuer, kid string) ([]oidc.Key, error) {
	return f(ctx, iss, kid)
}

// fuzzClaims is a valid claims set at fuzzNow.
func fuzzClaims() string {
	iat := fuzzNow.Add(-time.Minute).Unix()
	b, _ := json.Marshal(map[string]any{"iss": fuzzIssuer, "aud": fuzzAudience, "sub": "repo:o/r:ref:refs/heads/main",
		"jti": "a1", "iat": iat, "nbf": iat - 600, "exp": iat + 300, "repository": "o/r"})
	return string(b)
}

// fuzzSign signs header.payload with the key the header's alg names:
// RS256 with the RSA key, anything else with the EC key.
func fuzzSign(header, payload string) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	digest := sha256.Sum256([]byte(input))
	var hdr struct {
		Alg string `json:"alg"`
	}
	json.Unmarshal([]byte(header), &hdr)
	var sig []byte
	if hdr.Alg == "RS256" {
		sig, _ = rsa.SignPKCS1v15(nil, fuzzRSA(), crypto.SHA256, digest[:])
	} else {
		der, err := fuzzEC.Sign(nil, digest[:], crypto.SHA256)
		if err != nil {
			panic(err)
		}
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(der, &rs); err != nil {
			panic(err)
		}
		sig = make([]byte, 64)
		rs.R.FillBytes(sig[:32])
		rs.S.FillBytes(sig[32:])
	}
	return input + "." + b64.EncodeToString(sig)
}

func FuzzVerify(f *testing.F) {
	for _, hdr := range []string{`{"alg":"ES256","kid":"ec","typ":"JWT"}`, `{"alg":"ES256","kid":"both"}`} {
		f.Add(fuzzSign(hdr, fuzzClaims()))
	}
	f.Add(fuzzSign(`{"alg":"ES256","kid":"ec"}`, `{"iss":"issuer.example","aud":["trustpub-fuzz"],"iat":1777636740,"exp":1777637040.5}`))
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := fuzzVerifier().Verify(context.Background(), raw)
		checkVerified(t, raw, tok, err)
	})
}

func FuzzVerifySigned(f *testing.F) {
	for _, hdr := range []string{`{"alg":"ES256","kid":"ec"}`, `{"alg":"RS256","kid":"rsa","typ":"JWT"}`, `{"alg":"RS256","kid":"both"}`} {
		f.Add(hdr, fuzzClaims())
	}
	f.Add(`{"alg":"ES256","kid":"ec"}`, `{"iss":"issuer.example","aud":["x","trustpub-fuzz"],"iat":1777636740,"exp":1777637040}`)
	f.Fuzz(func(t *testing.T, header, payload string) {
		raw := fuzzSign(header, payload)
		tok, err := fuzzVerifier().Verify(context.Background(), raw)
		checkVerified(t, raw, tok, err)
	})
}

// checkVerified holds Verify's result to what it promises: a rejection is
// an *oidc.Error of one class; an acceptance is a token whose signature
// verifies independently, whose parts have one spelling, and whose claims
// encoding/json reads the same way and finds within every limit.
func checkVerified(t *testing.T, raw string, tok *oidc.Token, err error) {
	t.Helper()
	if err != nil {
		checkRejection(t, err)
		if tok != nil {
			t.Fatalf("Verify returned a token with error %v", err)
		}
		return
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("accepted %q, not three parts", raw)
	}
	hdr, payload, sig := decodeB64(t, parts[0]), decodeB64(t, parts[1]), decodeB64(t, parts[2])
	for i, p := range [][]byte{hdr, payload, sig} {
		if b64.EncodeToString(p) != parts[i] {
			t.Fatalf("accepted part %d %q, which has another spelling", i, parts[i])
		}
	}
	if !signedBy(tok.KeyID, parts[0]+"."+parts[1], sig) {
		t.Fatalf("accepted %q, whose signature does not verify with key %q", raw, tok.KeyID)
	}
	if tok.Payload != string(payload) {
		t.Fatalf("Payload %q, the token carries %q", tok.Payload, payload)
	}
	checkHeader(t, hdr, tok)
	checkClaims(t, payload, tok)
	if again, err := fuzzVerifier().Verify(context.Background(), raw); err != nil || again.ReplayID() != tok.ReplayID() {
		t.Fatalf("verified again: %v, replay id %q then %q", err, tok.ReplayID(), again.ReplayID())
	}
}

// fuzzClasses are the sentinels a rejection may wrap.
var fuzzClasses = []error{oidc.ErrTooLarge, oidc.ErrMalformed, oidc.ErrUnsafeHeader, oidc.ErrAlgorithm, oidc.ErrIssuer,
	oidc.ErrAudience, oidc.ErrMissingClaim, oidc.ErrExpired, oidc.ErrNotYetValid, oidc.ErrIssuedInFuture, oidc.ErrLifetime,
	oidc.ErrUnknownKey, oidc.ErrSignature, oidc.ErrKeysUnavailable}

func checkRejection(t *testing.T, err error) {
	t.Helper()
	var e *oidc.Error
	if !errors.As(err, &e) {
		t.Fatalf("rejection %v (%T) is not an *oidc.Error", err, err)
	}
	n := 0
	for _, c := range fuzzClasses {
		if errors.Is(err, c) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("rejection %v wraps %d classes, want 1", err, n)
	}
}

func decodeB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := b64.DecodeString(s)
	if err != nil {
		t.Fatalf("accepted a part that is not base64url: %q", s)
	}
	return b
}

// signedBy checks sig over input with the fuzz key(s) of kid, by hand.
func signedBy(kid, input string, sig []byte) bool {
	digest := sha256.Sum256([]byte(input))
	ec := func() bool {
		return len(sig) == 64 && ecdsa.Verify(&fuzzEC.PublicKey, digest[:],
			new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
	}
	rs := func() bool { return rsa.VerifyPKCS1v15(&fuzzRSA().PublicKey, crypto.SHA256, digest[:], sig) == nil }
	switch kid {
	case "ec":
		return ec()
	case "rsa":
		return rs()
	case "both":
		return ec() || rs()
	}
	return false
}

// checkHeader reads the header with encoding/json: an object naming an
// allowed algorithm and the kid, and none of the headers that carry keys.
func checkHeader(t *testing.T, hdr []byte, tok *oidc.Token) {
	t.Helper()
	var h map[string]any
	if err := json.Unmarshal(hdr, &h); err != nil {
		t.Fatalf("accepted header %q, which encoding/json refuses: %v", hdr, err)
	}
	if h["alg"] != tok.Algorithm || h["kid"] != tok.KeyID || !slices.Contains([]string{"ES256", "RS256"}, tok.Algorithm) {
		t.Fatalf("accepted header %q as alg %q kid %q", hdr, tok.Algorithm, tok.KeyID)
	}
	for _, k := range []string{"jku", "x5u", "jwk", "x5c", "crit", "b64", "enc", "zip"} {
		if _, ok := h[k]; ok {
			t.Fatalf("accepted header %q, which has %s", hdr, k)
		}
	}
}

// checkClaims reads the payload with encoding/json and checks the token's
// registered claims against it and against the verifier's limits.
func checkClaims(t *testing.T, payload []byte, tok *oidc.Token) {
	t.Helper()
	var c map[string]any
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	if err := d.Decode(&c); err != nil {
		t.Fatalf("accepted payload %q, which encoding/json refuses: %v", payload, err)
	}
	str := func(k string) string { s, _ := c[k].(string); return s }
	if tok.Issuer != str("iss") || (tok.Issuer != fuzzIssuer && tok.Issuer != fuzzAlias) {
		t.Fatalf("accepted iss %q (encoding/json: %v)", tok.Issuer, c["iss"])
	}
	if tok.Subject != str("sub") || tok.ID != str("jti") {
		t.Fatalf("sub %q jti %q; encoding/json reads %v and %v", tok.Subject, tok.ID, c["sub"], c["jti"])
	}
	switch aud := c["aud"].(type) {
	case string:
		if aud != fuzzAudience || len(tok.Audience) != 1 || tok.Audience[0] != aud {
			t.Fatalf("accepted aud %q as %q", aud, tok.Audience)
		}
	case []any:
		if len(aud) != 1 || aud[0] != fuzzAudience || !slices.Equal(tok.Audience, []string{fuzzAudience}) {
			t.Fatalf("accepted aud %v as %q", aud, tok.Audience)
		}
	default:
		t.Fatalf("accepted aud %v", c["aud"])
	}
	date := func(k string, got time.Time) {
		n, ok := c[k].(json.Number)
		want, readable := truncExact(string(n))
		if !ok || readable && (!want.IsInt64() || got.Unix() != want.Int64()) || got.Nanosecond() != 0 {
			t.Fatalf("%s %v read as %s", k, c[k], got)
		}
	}
	date("exp", tok.Expiry)
	date("iat", tok.IssuedAt)
	if _, ok := c["nbf"]; ok {
		date("nbf", tok.NotBefore)
	}
	leeway := fuzzVerifier().Leeway()
	life := tok.Expiry.Sub(tok.IssuedAt)
	switch {
	case !fuzzNow.Before(tok.Expiry.Add(leeway)):
		t.Fatalf("accepted exp %s at %s", tok.Expiry, fuzzNow)
	case tok.IssuedAt.After(fuzzNow.Add(leeway)) || tok.NotBefore.After(fuzzNow.Add(leeway)):
		t.Fatalf("accepted iat %s nbf %s at %s", tok.IssuedAt, tok.NotBefore, fuzzNow)
	case life < 0 || life > oidc.DefaultMaxLifetime:
		t.Fatalf("accepted a lifetime of %s", life)
	}
}

// The fuzz targets' accepting seeds are accepted, so the properties checked
// on acceptance are exercised from the first run.
func TestFuzzSeedsVerify(t *testing.T) {
	for _, hdr := range []string{`{"alg":"ES256","kid":"ec"}`, `{"alg":"RS256","kid":"rsa"}`, `{"alg":"RS256","kid":"both"}`} {
		raw := fuzzSign(hdr, fuzzClaims())
		tok, err := fuzzVerifier().Verify(context.Background(), raw)
		if err != nil {
			t.Fatalf("%s: %v", hdr, err)
		}
		checkVerified(t, raw, tok, nil)
	}
}

// truncExact is a JSON number truncated toward zero, computed exactly; ok is
// false when big.Rat cannot read it (an exponent beyond a million).
func truncExact(num string) (trunc *big.Int, ok bool) {
	mant := num
	if i := strings.IndexAny(num, "eE"); i >= 0 {
		mant = num[:i]
	}
	if strings.Trim(mant, "-0.") == "" {
		return new(big.Int), true
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return nil, false
	}
	return new(big.Int).Quo(r.Num(), r.Denom()), true
}
