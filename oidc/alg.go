package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"math/big"
)

// algorithm describes one JWS signing algorithm the verifier implements.
type algorithm struct {
	hash  crypto.Hash
	pss   bool // RSASSA-PSS rather than PKCS #1 v1.5
	curve int  // for ECDSA: the coordinate size in bytes; 0 for RSA
}

// algorithms are the asymmetric JWS algorithms supported. HMAC is absent on
// purpose: a public key must never be usable as a shared secret.
var algorithms = map[string]algorithm{
	"RS256": {hash: crypto.SHA256},
	"RS384": {hash: crypto.SHA384},
	"RS512": {hash: crypto.SHA512},
	"PS256": {hash: crypto.SHA256, pss: true},
	"PS384": {hash: crypto.SHA384, pss: true},
	"PS512": {hash: crypto.SHA512, pss: true},
	"ES256": {hash: crypto.SHA256, curve: 32},
	"ES384": {hash: crypto.SHA384, curve: 48},
	"ES512": {hash: crypto.SHA512, curve: 66},
}

// fits reports whether key can verify signatures of this algorithm.
func (a algorithm) fits(key crypto.PublicKey) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return a.curve == 0
	case *ecdsa.PublicKey:
		return a.curve != 0 && (k.Curve.Params().BitSize+7)/8 == a.curve
	}
	return false
}

// verify checks sig over the digest of the signed input. The key must fit
// the algorithm.
func (a algorithm) verify(key crypto.PublicKey, digest, sig []byte) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if a.pss {
			opts := rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: a.hash}
			return rsa.VerifyPSS(k, a.hash, digest, sig, &opts) == nil
		}
		return rsa.VerifyPKCS1v15(k, a.hash, digest, sig) == nil
	case *ecdsa.PublicKey:
		if len(sig) != 2*a.curve {
			return false
		}
		r := new(big.Int).SetBytes(sig[:a.curve])
		s := new(big.Int).SetBytes(sig[a.curve:])
		return ecdsa.Verify(k, digest, r, s)
	}
	return false
}

// digest appends the hash of input to dst.
func (a algorithm) digest(dst, input []byte) []byte {
	switch a.hash {
	case crypto.SHA256:
		s := sha256.Sum256(input)
		return append(dst, s[:]...)
	case crypto.SHA384:
		s := sha512.Sum384(input)
		return append(dst, s[:]...)
	default:
		s := sha512.Sum512(input)
		return append(dst, s[:]...)
	}
}
