package oidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"testing"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
)

// jwkOf encodes a key as a JWK or fails the test.
func jwkOf(t *testing.T, raw any, fields map[string]any) json.RawMessage {
	t.Helper()
	k, err := oidctest.JWK(raw, fields)
	if err != nil {
		t.Fatalf("JWK: %v", err)
	}
	return k
}

// jwkSet encodes keys as a JWK set.
func jwkSet(t *testing.T, keys ...json.RawMessage) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHostileKeySets(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	good := kit.Signer()
	pub := &good.Private.PublicKey
	decoyKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	weakKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	goodJWK := jwkOf(t, pub, map[string]any{"kid": good.ID, "alg": "RS256", "use": "sig"})
	// The decoy keeps a set non-empty, so a dropped key shows as an
	// unknown kid rather than an unusable set.
	decoy := jwkOf(t, &decoyKey.PublicKey, map[string]any{"kid": "decoy"})
	many := []json.RawMessage{goodJWK}
	for i := range 100 {
		many = append(many, jwkOf(t, pub, map[string]any{"kid": fmt.Sprint("copy-", i)}))
	}

	// Public keys need no private half: a random odd modulus of the right
	// size is what a hostile set would serve to make checks dear.
	rsaJWK := func(kid string, bits int, e *big.Int) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"kty":"RSA","kid":%q,"n":%q,"e":%q}`, kid,
			base64.RawURLEncoding.EncodeToString(randomModulus(t, bits).Bytes()), base64.RawURLEncoding.EncodeToString(e.Bytes())))
	}
	f4 := big.NewInt(65537)
	underOneKid := []json.RawMessage{goodJWK}
	for range 99 {
		underOneKid = append(underOneKid, rsaJWK(good.ID, 2048, f4))
	}
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	goodNoAlg := jwkOf(t, pub, map[string]any{"kid": good.ID})

	// A P-256 point off the curve: the generator's x with y + 1.
	gx, gy := elliptic.P256().Params().Gx, elliptic.P256().Params().Gy
	offCurve := fmt.Sprintf(`{"kty":"EC","crv":"P-256","kid":"off-curve","x":%q,"y":%q}`,
		base64.RawURLEncoding.EncodeToString(gx.FillBytes(make([]byte, 32))),
		base64.RawURLEncoding.EncodeToString(new(big.Int).Add(gy, big.NewInt(1)).FillBytes(make([]byte, 32))))

	for _, c := range []struct {
		name  string
		set   []byte
		algs  []string
		opts  []oidctest.MintOption
		err   error // nil: accepted
		value string
		log   string // a dropped key's reason
	}{
		{name: "private RSA key", set: jwkSet(t, jwkOf(t, good.Private, map[string]any{"kid": good.ID}), decoy),
			err: oidc.ErrUnknownKey, log: "private key"},
		{name: "symmetric key", set: jwkSet(t, jwkOf(t, []byte("a shared secret of thirty-two b."), map[string]any{"kid": good.ID}), decoy),
			err: oidc.ErrUnknownKey, log: "symmetric key"},
		{name: "use enc", set: jwkSet(t, jwkOf(t, pub, map[string]any{"kid": good.ID, "use": "enc"}), decoy),
			err: oidc.ErrUnknownKey, log: "use is enc"},
		{name: "RSA 1024", set: jwkSet(t, jwkOf(t, &weakKey.PublicKey, map[string]any{"kid": "weak"}), decoy),
			opts: []oidctest.MintOption{oidctest.SignWith(&oidctest.Key{ID: "weak", Private: weakKey})},
			err:  oidc.ErrUnknownKey, value: "weak", log: "RSA key of 1024 bits"},
		{name: "no kid", set: jwkSet(t, jwkOf(t, pub, nil), decoy), err: oidc.ErrUnknownKey, log: "no kid"},
		{name: "EC point off its curve", set: jwkSet(t, json.RawMessage(offCurve), goodJWK), log: "not on its curve"},
		{name: "EC key under the token's kid", set: jwkSet(t, jwkOf(t, &ecKey.PublicKey, map[string]any{"kid": good.ID}), decoy),
			err: oidc.ErrUnknownKey},
		{name: "EC key claiming RS256", set: jwkSet(t, jwkOf(t, &ecKey.PublicKey, map[string]any{"kid": good.ID, "alg": "RS256"})),
			err: oidc.ErrUnknownKey},
		{name: "JWK alg PS256 for an RS256 token", set: jwkSet(t, jwkOf(t, pub, map[string]any{"kid": good.ID, "alg": "PS256"})),
			algs: []string{"RS256", "PS256"}, err: oidc.ErrUnknownKey},
		{name: "JWK alg RS256 for a PS256 token", set: jwkSet(t, goodJWK), algs: []string{"RS256", "PS256"},
			opts: []oidctest.MintOption{oidctest.Header("alg", "PS256")}, err: oidc.ErrUnknownKey},
		{name: "PS256 with a JWK stating no alg", set: jwkSet(t, jwkOf(t, pub, map[string]any{"kid": good.ID})), algs: []string{"PS256"},
			opts: []oidctest.MintOption{oidctest.Header("alg", "PS256")}},
		{name: "RS512 with a JWK stating no alg", set: jwkSet(t, jwkOf(t, pub, map[string]any{"kid": good.ID})), algs: []string{"RS512"},
			opts: []oidctest.MintOption{oidctest.Header("alg", "RS512")}},
		{name: "two keys under one kid", set: jwkSet(t, jwkOf(t, &decoyKey.PublicKey, map[string]any{"kid": good.ID}), goodJWK, decoy),
			err: oidc.ErrUnknownKey, log: "2 different keys could check RS256; every key under this kid dropped"},
		{name: "100 keys under one kid", set: jwkSet(t, underOneKid...),
			err: oidc.ErrKeysUnavailable, log: "99 different keys could check"},
		{name: "a key with and one without alg under one kid", set: jwkSet(t, jwkOf(t, &decoyKey.PublicKey, map[string]any{"kid": good.ID, "alg": "RS256"}), goodNoAlg, decoy),
			err: oidc.ErrUnknownKey, log: "every key under this kid dropped"},
		{name: "the same key twice under one kid", set: jwkSet(t, goodJWK, goodJWK)},
		{name: "one kid, one key per algorithm", set: jwkSet(t, jwkOf(t, &decoyKey.PublicKey, map[string]any{"kid": good.ID, "alg": "PS256"}), goodJWK,
			jwkOf(t, &ecKey.PublicKey, map[string]any{"kid": good.ID}), jwkOf(t, &p384.PublicKey, map[string]any{"kid": good.ID})), algs: []string{"RS256", "PS256", "ES256"}},
		{name: "RSA 8192", set: jwkSet(t, rsaJWK("big", 8192, f4), decoy), opts: []oidctest.MintOption{oidctest.SignWith(&oidctest.Key{ID: "big", Private: good.Private})},
			err: oidc.ErrUnknownKey, value: "big", log: "RSA key of 8192 bits"},
		{name: "RSA 4096 by default", set: jwkSet(t, rsaJWK("big", 4096, f4), decoy), opts: []oidctest.MintOption{oidctest.SignWith(&oidctest.Key{ID: "big", Private: good.Private})},
			err: oidc.ErrUnknownKey, value: "big", log: "RSA key of 4096 bits"},
		{name: "RSA 2049", set: jwkSet(t, rsaJWK("big", 2049, f4), decoy), opts: []oidctest.MintOption{oidctest.SignWith(&oidctest.Key{ID: "big", Private: good.Private})},
			err: oidc.ErrUnknownKey, value: "big", log: "RSA key of 2049 bits"},
		{name: "exponent 3", set: jwkSet(t, rsaJWK(good.ID, 2048, big.NewInt(3)), decoy),
			err: oidc.ErrUnknownKey, log: "RSA exponent 3, only 65537"},
		{name: "exponent 2^31-1", set: jwkSet(t, rsaJWK(good.ID, 2048, big.NewInt(1<<31-1)), decoy),
			err: oidc.ErrUnknownKey, log: "RSA exponent 2147483647"},
		{name: "exponent 2^64+65537, 65537 in its low bits", set: jwkSet(t, rsaJWK(good.ID, 2048, new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 64), f4)), decoy),
			err: oidc.ErrUnknownKey, log: "RSA exponent 18446744073709617153"},
		{name: "exponent 65537 with a leading zero byte", set: []byte(strings.Replace(string(jwkSet(t, goodJWK)), `"e":"AQAB"`, `"e":"AAEAAQ"`, 1))},
		{name: "EC P-521", set: jwkSet(t, jwkOf(t, &p521.PublicKey, map[string]any{"kid": good.ID}), decoy), algs: []string{"RS256", "ES512"},
			err: oidc.ErrUnknownKey, log: "EC curve P-521, only P-256 and P-384"},
		{name: "101 keys", set: jwkSet(t, many...), err: oidc.ErrKeysUnavailable},
		{name: "100 keys", set: jwkSet(t, many[:100]...)},
		{name: "garbage beside a good key", set: []byte(`{"keys":[42,"x",null,{},[],{"kty":"RSA"},` +
			`{"kty":"EC","crv":"P-256","x":"AA","y":"AA","kid":"bad-ec"},` + offCurve + `,{"kty":"RSA","kid":"bad-n","n":"!!","e":"AQAB"},` +
			`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"ed"},` + string(goodJWK) + `]}`),
			log: "unparsable"},
		{name: "only hostile keys", set: jwkSet(t, jwkOf(t, good.Private, map[string]any{"kid": good.ID})),
			err: oidc.ErrKeysUnavailable, log: "private key"},
		{name: "keys not an array", set: []byte(`{"keys":{"kid":"x"}}`), err: oidc.ErrKeysUnavailable},
		{name: "keys missing", set: []byte(`{}`), err: oidc.ErrKeysUnavailable},
	} {
		t.Run(c.name, func(t *testing.T) {
			kit.ServeJWKS(c.set)
			rec := &logRecorder{}
			cache := newCache(t, kit, clk, func(cc *oidc.CacheConfig) { cc.Logger = slog.New(rec) })
			iss := kit.OIDC()
			iss.Algorithms = c.algs
			v := newVerifier(t, cache, clk, func(cfg *oidc.Config) { cfg.Issuers = []oidc.Issuer{iss} })
			_, err := v.Verify(context.Background(), mint(t, kit, nil, c.opts...))
			switch {
			case c.err == nil && err != nil:
				t.Errorf("Verify: %v", err)
			case c.err != nil:
				value := c.value
				if value == "" {
					value = good.ID
				}
				wantReject(t, err, c.err, "kid", value)
			}
			if c.log != "" && (rec.count("key dropped") == 0 || rec.count(c.log) == 0) {
				t.Errorf("no key dropped for %q; log:\n%s", c.log, rec)
			}
		})
	}
}

// randomModulus returns an odd number of exactly bits bits.
func randomModulus(tb testing.TB, bits int) *big.Int {
	tb.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits-1)))
	if err != nil {
		tb.Fatal(err)
	}
	n.SetBit(n, bits-1, 1)
	return n.SetBit(n, 0, 1)
}

// Every entry of a garbage set is dropped with a reason, none panics.
func TestHostileKeySetReasons(t *testing.T) {
	t.Parallel()
	clk := newStepClock()
	kit := newKit(t, clk)
	entries := []string{`42`, `"x"`, `null`, `{}`, `[]`, `{"kty":"RSA"}`, `{"kty":"RSA","n":"AQAB","e":""}`,
		`{"kty":"EC","crv":"P-999","x":"AA","y":"AA","kid":"k"}`, `{"kty":"oct","k":"c2VjcmV0","kid":"k"}`}
	kit.ServeJWKS([]byte(`{"keys":[` + strings.Join(entries, ",") + `]}`))
	rec := &logRecorder{}
	cache := newCache(t, kit, clk, func(cc *oidc.CacheConfig) { cc.Logger = slog.New(rec) })
	err := cache.Prefetch(context.Background(), kit.OIDC())
	wantClass(t, err, oidc.ErrKeysUnavailable, "iss")
	if n := rec.count("key dropped"); n != len(entries) {
		t.Errorf("%d keys dropped, want %d; log:\n%s", n, len(entries), rec)
	}
}
