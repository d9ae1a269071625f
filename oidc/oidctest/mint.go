package oidctest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// MintOption changes how a token is minted: its registered claims, header,
// key or signature. Most exist to mint broken tokens on purpose.
type MintOption func(*minting)

type minting struct {
	aud       any
	iss       string
	iat       time.Time
	lifetime  time.Duration
	nbfBefore time.Duration // nbf = iat - nbfBefore; negative: no nbf
	jti       string        // "": random; "-": none
	expired   bool
	key       *Key
	header    map[string]any
	claims    map[string]any // nil value: remove
	editHdr   func([]byte) []byte
	editBody  func([]byte) []byte
}

// Audience mints the token for these audiences: one is a string, several
// an array.
func Audience(aud ...string) MintOption {
	return func(m *minting) {
		if len(aud) == 1 {
			m.aud = aud[0]
		} else {
			m.aud = aud
		}
	}
}

// IssuerURL puts another iss in the token (signed with this issuer's key).
func IssuerURL(iss string) MintOption { return func(m *minting) { m.iss = iss } }

// IssuedAt sets iat; nbf and exp follow the provider's offsets from it.
func IssuedAt(t time.Time) MintOption { return func(m *minting) { m.iat = t } }

// Lifetime sets exp - iat.
func Lifetime(d time.Duration) MintOption { return func(m *minting) { m.lifetime = d } }

// NotBefore sets nbf to skew before iat; a negative skew leaves nbf out.
// Provider kits use it for their provider's habit (GitHub: 10 min).
func NotBefore(skew time.Duration) MintOption { return func(m *minting) { m.nbfBefore = skew } }

// Expired mints a token whose exp passed an hour ago, whatever the order
// of the options.
func Expired() MintOption { return func(m *minting) { m.expired = true } }

// JWTID sets jti; "" removes it.
func JWTID(id string) MintOption {
	return func(m *minting) {
		if id == "" {
			id = "-"
		}
		m.jti = id
	}
}

// Claim sets a claim, overriding the claims value and the registered claims
// (iss, aud, exp…); a nil value removes it.
func Claim(name string, v any) MintOption {
	return func(m *minting) { m.claims[name] = v }
}

// Header sets a header field (alg, kid, jku…); a nil value removes it.
// Setting alg to "none" mints an unsigned token, and an "HS" algorithm signs
// with the public key as an HMAC secret (the algorithm-confusion attack).
func Header(name string, v any) MintOption {
	return func(m *minting) { m.header[name] = v }
}

// SignWith signs with another key (another issuer's, or one never
// published), naming its kid.
func SignWith(k *Key) MintOption { return func(m *minting) { m.key = k } }

// EditHeader rewrites the header's JSON before it is signed, for what a map
// cannot express: duplicate or escaped keys, invalid JSON.
func EditHeader(edit func(json []byte) []byte) MintOption {
	return func(m *minting) { m.editHdr = edit }
}

// EditPayload rewrites the claims set's JSON before it is signed, for what
// a map cannot express: duplicate or escaped keys, invalid JSON.
func EditPayload(edit func(json []byte) []byte) MintOption {
	return func(m *minting) { m.editBody = edit }
}

// Mint signs claims (a struct or map marshalled to a JSON object) into a
// compact JWS, adding registered claims: iss, aud, iat, exp 5 min after iat
// (Lifetime), no nbf (NotBefore) and a fresh jti (JWTID). Options apply in
// order, so a provider kit passes its habits first and the caller's after.
func (i *Issuer) Mint(claims any, opts ...MintOption) (string, error) {
	m := &minting{aud: i.audience, iss: i.url, iat: i.now(), lifetime: 5 * time.Minute,
		nbfBefore: -1, key: i.Signer(), header: map[string]any{}, claims: map[string]any{}}
	for _, o := range opts {
		o(m)
	}
	if m.expired {
		m.iat = i.now().Add(-time.Hour - m.lifetime)
	}
	payload, err := m.payload(claims)
	if err != nil {
		return "", err
	}
	if m.editBody != nil {
		payload = m.editBody(payload)
	}
	hdr := map[string]any{"alg": "RS256", "typ": "JWT", "kid": m.key.ID}
	for k, v := range m.header {
		if v == nil {
			delete(hdr, k)
		} else {
			hdr[k] = v
		}
	}
	return sign(hdr, m.editHdr, payload, m.key)
}

func (m *minting) payload(claims any) ([]byte, error) {
	body := map[string]any{}
	if claims != nil {
		b, err := json.Marshal(claims)
		if err != nil {
			return nil, fmt.Errorf("oidctest: claims: %w", err)
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return nil, fmt.Errorf("oidctest: claims are not a JSON object: %w", err)
		}
	}
	body["iss"], body["aud"] = m.iss, m.aud
	body["iat"], body["exp"] = m.iat.Unix(), m.iat.Add(m.lifetime).Unix()
	if m.nbfBefore >= 0 {
		body["nbf"] = m.iat.Add(-m.nbfBefore).Unix()
	}
	switch m.jti {
	case "":
		body["jti"] = uuid()
	case "-":
	default:
		body["jti"] = m.jti
	}
	for k, v := range m.claims {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	return json.Marshal(body)
}

var enc = base64.RawURLEncoding

// sign produces header.payload.signature for the header's alg.
func sign(hdr map[string]any, edit func([]byte) []byte, payload []byte, k *Key) (string, error) {
	hb, err := json.Marshal(hdr)
	if err != nil {
		return "", err
	}
	if edit != nil {
		hb = edit(hb)
	}
	input := enc.EncodeToString(hb) + "." + enc.EncodeToString(payload)
	alg, _ := hdr["alg"].(string)
	hashes := map[byte]crypto.Hash{'2': crypto.SHA256, '3': crypto.SHA384, '5': crypto.SHA512}
	var sig []byte
	switch {
	case alg == "none" || alg == "None" || alg == "NONE":
		return input + ".", nil
	case len(alg) == 5 && hashes[alg[2]] != 0:
		h := hashes[alg[2]]
		digest := hashOf(h, input)
		switch alg[:2] {
		case "RS":
			sig, err = rsa.SignPKCS1v15(rand.Reader, k.Private, h, digest)
		case "PS":
			sig, err = rsa.SignPSS(rand.Reader, k.Private, h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		case "HS":
			secret := x509.MarshalPKCS1PublicKey(&k.Private.PublicKey)
			mac := hmac.New(h.New, secret)
			mac.Write([]byte(input))
			sig = mac.Sum(nil)
		default:
			sig, err = rsa.SignPKCS1v15(rand.Reader, k.Private, crypto.SHA256, hashOf(crypto.SHA256, input))
		}
	default:
		// An algorithm the kit does not implement: sign as RS256 anyway, so
		// only the header is wrong.
		sig, err = rsa.SignPKCS1v15(rand.Reader, k.Private, crypto.SHA256, hashOf(crypto.SHA256, input))
	}
	if err != nil {
		return "", fmt.Errorf("oidctest: signing: %w", err)
	}
	return input + "." + enc.EncodeToString(sig), nil
}

func hashOf(h crypto.Hash, input string) []byte {
	switch h {
	case crypto.SHA384:
		s := sha512.Sum384([]byte(input))
		return s[:]
	case crypto.SHA512:
		s := sha512.Sum512([]byte(input))
		return s[:]
	}
	s := sha256.Sum256([]byte(input))
	return s[:]
}

func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
