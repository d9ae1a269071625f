package oidc

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// This file is the only place the key cache touches jwx, so that a move to
// another JOSE library stays contained.

// Key is one public signing key of an issuer, converted once per fetch.
type Key struct {
	ID        string           // kid
	Algorithm string           // the JWK's alg; empty when the JWK states none
	Public    crypto.PublicKey // *rsa.PublicKey or *ecdsa.PublicKey
}

// Limits on what a key set may contain. Together they bound what any token,
// forged or not, costs: at most one signature check, with a key no dearer
// than the ones issuers really use (see CacheConfig).
const (
	maxKeys    = 100  // entries of a set; a larger set is refused whole
	minRSABits = 2048 // below: too weak
	defRSABits = 2048 // default CacheConfig.MaxRSABits
	capRSABits = 4096 // the most CacheConfig.MaxRSABits may allow
)

// rsaExponent is the only public exponent accepted: every issuer uses it,
// a larger one makes each check dearer and a small one is a needless risk.
var rsaExponent = []byte{0x01, 0x00, 0x01}

// errEmptySet is returned when a key set holds no usable key; such a set is
// never cached.
var errEmptySet = errors.New("key set holds no usable public signing key")

// parseJWKS keeps the usable keys of a JWK set and says why it dropped the
// others. A single bad key does not spoil the set.
func parseJWKS(body []byte, maxRSABits int) (keys []Key, dropped []string, err error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, nil, fmt.Errorf("key set is not a JWK set: %w", err)
	}
	if len(doc.Keys) > maxKeys {
		return nil, nil, fmt.Errorf("key set holds %d keys, more than %d", len(doc.Keys), maxKeys)
	}
	for i, raw := range doc.Keys {
		k, why := usableKey(raw, maxRSABits)
		if why != "" {
			dropped = append(dropped, fmt.Sprintf("key %d: %s", i, why))
			continue
		}
		keys = append(keys, k)
	}
	keys, dup := onePerAlgorithm(keys)
	dropped = append(dropped, dup...)
	if len(keys) == 0 {
		return nil, dropped, errEmptySet
	}
	return keys, dropped, nil
}

// usableKey converts one JWK, or says why it is not a public signing key.
func usableKey(raw []byte, maxRSABits int) (Key, string) {
	k, err := jwk.ParseKey(raw)
	if err != nil {
		return Key{}, "unparsable: " + err.Error()
	}
	if k.KeyType() == jwa.OctetSeq {
		return Key{}, "symmetric key"
	}
	if private, err := jwk.IsPrivateKey(k); err != nil || private {
		return Key{}, "private key"
	}
	if use := k.KeyUsage(); use != "" && use != string(jwk.ForSignature) {
		return Key{}, "use is " + use + ", not sig"
	}
	if k.KeyID() == "" {
		return Key{}, "no kid"
	}
	var pub crypto.PublicKey
	if err := k.Raw(&pub); err != nil {
		return Key{}, "unconvertible: " + err.Error()
	}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if bits := p.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return Key{}, fmt.Sprintf("RSA key of %d bits, outside %d to %d", bits, minRSABits, maxRSABits)
		}
		// jwx keeps only the low 64 bits of e: read the JWK's own bytes.
		rk, ok := k.(jwk.RSAPublicKey)
		if !ok {
			return Key{}, "RSA exponent unreadable"
		}
		if e := bytes.TrimLeft(rk.E(), "\x00"); !bytes.Equal(e, rsaExponent) {
			return Key{}, fmt.Sprintf("RSA exponent %s, only 65537 is accepted", new(big.Int).SetBytes(e))
		}
	case *ecdsa.PublicKey:
		if p.Curve != elliptic.P256() && p.Curve != elliptic.P384() {
			return Key{}, "EC curve " + p.Curve.Params().Name + ", only P-256 and P-384 are accepted"
		}
		if _, err := p.ECDH(); err != nil { // also refuses points off the curve
			return Key{}, "EC key not on its curve: " + err.Error()
		}
	default:
		return Key{}, fmt.Sprintf("unsupported key type %T", pub)
	}
	var alg string
	if a := k.Algorithm(); a != nil {
		alg = a.String()
	}
	return Key{ID: k.KeyID(), Algorithm: alg, Public: pub}, ""
}

// onePerAlgorithm leaves at most one key per kid and algorithm, so that a
// token costs one signature check whatever the set holds. Exact copies
// collapse into one. When different keys under one kid could check the same
// algorithm, the issuer's intent cannot be told: every key under that kid is
// dropped, and tokens naming it fail closed as an unknown key.
func onePerAlgorithm(keys []Key) (kept []Key, dropped []string) {
	byID := make(map[string][]Key, len(keys))
	for _, k := range keys {
		same := func(o Key) bool { return o.Algorithm == k.Algorithm && equalKeys(o.Public, k.Public) }
		if !slices.ContainsFunc(byID[k.ID], same) {
			byID[k.ID] = append(byID[k.ID], k)
		}
	}
	names := slices.Sorted(maps.Keys(algorithms))
	for _, k := range keys {
		group, ok := byID[k.ID]
		if !ok {
			continue // already kept or dropped with its kid
		}
		delete(byID, k.ID)
		if alg, n := sharedAlgorithm(group, names); n > 1 {
			dropped = append(dropped, fmt.Sprintf("kid %q: %d different keys could check %s; every key under this kid dropped", k.ID, n, alg))
			continue
		}
		kept = append(kept, group...)
	}
	return kept, dropped
}

// sharedAlgorithm returns an algorithm that more than one key of group can
// check, and how many can.
func sharedAlgorithm(group []Key, names []string) (string, int) {
	if len(group) < 2 {
		return "", len(group)
	}
	for _, name := range names {
		n := 0
		for _, k := range group {
			if (k.Algorithm == "" || k.Algorithm == name) && algorithms[name].fits(k.Public) {
				n++
			}
		}
		if n > 1 {
			return name, n
		}
	}
	return "", 1
}

func equalKeys(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}
