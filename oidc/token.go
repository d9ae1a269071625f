package oidc

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trustpub/trustpub/internal/jsonobj"
)

// Token is a verified token: its registered claims, typed, and the whole
// claims set as JSON for a provider to decode.
type Token struct {
	Issuer    string    // iss, exactly as the token states it
	Subject   string    // sub; informative only, never authorise on it
	Audience  []string  // aud
	ID        string    // jti; empty for issuers that send none (Google)
	IssuedAt  time.Time // iat
	Expiry    time.Time // exp
	NotBefore time.Time // nbf; zero when absent
	KeyID     string    // the header's kid
	Algorithm string    // the header's alg

	// Payload is the verified claims set, as JSON.
	Payload string

	raw string
}

// ReplayID identifies the token for replay protection: the issuer and jti, or
// for issuers without jti, the SHA-256 of the signed part (header and
// payload). The signature is left out: ECDSA signatures are malleable, so a
// replayed token could otherwise come back under a new identity.
func (t *Token) ReplayID() string {
	if t.ID != "" {
		return "jti:" + t.Issuer + "#" + t.ID
	}
	signed := t.raw
	if i := strings.LastIndexByte(signed, '.'); i >= 0 {
		signed = signed[:i]
	}
	sum := sha256.Sum256([]byte(signed))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// header is the part of a JOSE header the verifier reads.
type header struct {
	alg, kid string
}

// forbiddenHeaders name keys the token would have us trust, or extensions we
// would have to understand. A verifier takes keys only from the issuer.
var forbiddenHeaders = map[string]string{
	"jku":  "the token points at its own key set",
	"x5u":  "the token points at its own certificate",
	"jwk":  "the token carries its own key",
	"x5c":  "the token carries its own certificate chain",
	"crit": "critical header extensions are not supported",
	"b64":  "unencoded payloads are not supported",
	"enc":  "encrypted tokens are not supported",
	"zip":  "compressed tokens are not supported",
}

var b64 = base64.RawURLEncoding.Strict()

// split checks the compact serialization and returns its three parts.
func split(raw string) (h, p, s string, err error) {
	if strings.HasPrefix(strings.TrimSpace(raw), "{") {
		return "", "", "", reject(ErrMalformed, "", "", "JWS JSON serialization is not accepted, only compact")
	}
	h, rest, ok1 := strings.Cut(raw, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s, ".") {
		return "", "", "", reject(ErrMalformed, "", "", "not a compact JWS of three parts (JWE is not accepted)")
	}
	// An empty signature is left for Verify to refuse after the header, so
	// that an unsigned token is reported as alg "none".
	if h == "" || p == "" {
		return "", "", "", reject(ErrMalformed, "", "", "empty JWS part")
	}
	return h, p, s, nil
}

// decodePart base64url-decodes a part into a string. The decoder skips
// CR and LF, even strict; they are refused first so that a token has one
// spelling only (the replay id of a token without jti is its hash).
func decodePart(part, name string) (string, error) {
	if strings.ContainsAny(part, "\r\n") {
		return "", reject(ErrMalformed, "", "", name+" contains a line break")
	}
	buf := make([]byte, b64.DecodedLen(len(part)))
	n, err := b64.Decode(buf, []byte(part))
	if err != nil {
		return "", reject(ErrMalformed, "", "", name+" is not base64url without padding")
	}
	return string(buf[:n]), nil
}

func parseHeader(js string) (header, error) {
	var h header
	err := jsonobj.Each(js, func(key string, v jsonobj.Value) error {
		if why, bad := forbiddenHeaders[key]; bad {
			return reject(ErrUnsafeHeader, key, clip(v.Raw), why)
		}
		var err error
		switch key {
		case "alg":
			h.alg, err = v.Str()
		case "kid":
			h.kid, err = v.Str()
		default:
			return nil
		}
		if err != nil {
			return reject(ErrMalformed, key, clip(v.Raw), err.Error())
		}
		return nil
	})
	if err != nil {
		return h, wrapSyntax(err, "header")
	}
	if strings.EqualFold(h.alg, "none") {
		return h, reject(ErrAlgorithm, "alg", h.alg, "unsigned tokens are never accepted")
	}
	if h.alg == "" {
		return h, reject(ErrMalformed, "alg", "", "the header names no algorithm")
	}
	if h.kid == "" {
		return h, reject(ErrMalformed, "kid", "", "the header names no key id")
	}
	return h, nil
}

// parseClaims reads the registered claims; the rest stays in the payload.
func parseClaims(js string, t *Token) (hasExp, hasIat, hasNbf bool, err error) {
	err = jsonobj.Each(js, func(key string, v jsonobj.Value) error {
		var err error
		switch key {
		case "iss":
			t.Issuer, err = v.Str()
		case "sub":
			t.Subject, err = v.Str()
		case "jti":
			t.ID, err = v.Str()
		case "aud":
			t.Audience, err = audience(v)
		case "exp":
			t.Expiry, err = numericDate(v)
			hasExp = true
		case "iat":
			t.IssuedAt, err = numericDate(v)
			hasIat = true
		case "nbf":
			t.NotBefore, err = numericDate(v)
			hasNbf = true
		default:
			return nil
		}
		if err != nil {
			return reject(ErrMalformed, key, clip(v.Raw), err.Error())
		}
		return nil
	})
	return hasExp, hasIat, hasNbf, wrapSyntax(err, "claims set")
}

func audience(v jsonobj.Value) ([]string, error) {
	if v.Kind == jsonobj.String {
		s, err := v.Str()
		return []string{s}, err
	}
	if v.Kind != jsonobj.Array {
		return nil, &jsonobj.TypeError{Want: jsonobj.String, Got: v.Kind}
	}
	var out []string
	err := jsonobj.EachElem(v.Raw, func(e jsonobj.Value) error {
		s, err := e.Str()
		out = append(out, s)
		return err
	})
	return out, err
}

// maxDate is 9999-12-31T23:59:59Z: later seconds would overflow time.Time
// arithmetic and wrap around.
const maxDate = 253402300799

func numericDate(v jsonobj.Value) (time.Time, error) {
	n, err := v.Trunc()
	if err != nil {
		return time.Time{}, err
	}
	if n < 0 || n > maxDate {
		return time.Time{}, errors.New("date out of range")
	}
	return time.Unix(n, 0), nil
}

// clip shortens a value quoted in an error: tokens are attacker-controlled
// and errors end up in logs.
func clip(s string) string {
	const limit = 80
	if len(s) <= limit {
		return s
	}
	for i := limit; i > limit-4; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return s[:limit] + "…"
}

// wrapSyntax turns a JSON syntax error into a typed rejection.
func wrapSyntax(err error, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*Error); ok {
		return err
	}
	return reject(ErrMalformed, "", "", what+" is not a valid JSON object: "+err.Error())
}
