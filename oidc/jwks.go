package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"

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

// Limits on what a key set may contain.
const (
	maxKeys    = 100
	minRSABits = 2048
	maxRSABits = 8192
)

// errEmptySet is returned when a key set holds no usable key; such a set is
// never cached.
var errEmptySet = errors.New("key set holds no usable public signing key")

// parseJWKS keeps the usable keys of a JWK set and says why it dropped the
// others. A single bad key does not spoil the set.
func parseJWKS(body []byte) (keys []Key, dropped []string, err error) {
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
		k, why := usableKey(raw)
		if why != "" {
			dropped = append(dropped, fmt.Sprintf("key %d: %s", i, why))
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, dropped, errEmptySet
	}
	return keys, dropped, nil
}

// usableKey converts one JWK, or says why it is not a public signing key.
func usableKey(raw []byte) (Key, string) {
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
			return Key{}, fmt.Sprintf("RSA key of %d bits", bits)
		}
	case *ecdsa.PublicKey:
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
