package oidctest

import (
	"encoding/json"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// PublicJWKS encodes the public halves of keys as a JWK set, as a provider
// publishes it (kid, alg RS256, use sig).
func PublicJWKS(keys ...*Key) ([]byte, error) {
	set := jwk.NewSet()
	for _, k := range keys {
		jk, err := jwk.FromRaw(&k.Private.PublicKey)
		if err != nil {
			return nil, err
		}
		for name, v := range map[string]any{jwk.KeyIDKey: k.ID, jwk.AlgorithmKey: jwa.RS256, jwk.KeyUsageKey: jwk.ForSignature} {
			if err := jk.Set(name, v); err != nil {
				return nil, err
			}
		}
		if err := set.AddKey(jk); err != nil {
			return nil, err
		}
	}
	return json.Marshal(set)
}

// JWK encodes any key jwx understands (private, symmetric, EC…) as one JWK
// object with the given extra fields, for building hostile key sets.
func JWK(raw any, fields map[string]any) (json.RawMessage, error) {
	jk, err := jwk.FromRaw(raw)
	if err != nil {
		return nil, err
	}
	for name, v := range fields {
		if err := jk.Set(name, v); err != nil {
			return nil, err
		}
	}
	return json.Marshal(jk)
}
