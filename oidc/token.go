package oidc

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trustpub/trustpub/internal/jsonobj"
)

// Token is a verified token: its registered claims, typed, and the whole
// claims set, as JSON and member by member (EachClaim) for a provider to
// decode.
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

	raw     string
	payload string   // the payload verified, whatever Payload is set to later
	members []member // where its members lie; nil for a Token made otherwise
}

// member is where one member of a claims set lies in the payload: offsets,
// not strings, so that recording it stores no pointer.
type member struct {
	key, keyEnd     uint32 // the key, quotes included
	value, valueEnd uint32
	escaped         bool // the key has escapes
}

// EachClaim calls fn with the name and the exact JSON text of every member
// of the claims set, registered claims included, in the token's order, and
// returns the first error fn returns. Each value is one complete JSON value
// that passed the same strict reading as the registered claims (no
// duplicate keys, valid UTF-8, nesting at most 32 deep). A token from
// Verifier.Verify hands out the members read when it was verified, so the
// payload is parsed once per token; a Token made otherwise has its Payload
// parsed, and a malformed one is an error wrapping ErrMalformed.
func (t *Token) EachClaim(fn func(name, value string) error) error {
	if t.members != nil {
		for _, m := range t.members {
			name := t.payload[m.key+1 : m.keyEnd-1]
			if m.escaped {
				var err error
				if name, err = jsonobj.Parsed(t.payload[m.key:m.keyEnd]).Str(); err != nil {
					return wrapSyntax(err, "claims set") // cannot happen: the parser unquoted it before
				}
			}
			if err := fn(name, t.payload[m.value:m.valueEnd]); err != nil {
				return err
			}
		}
		return nil
	}
	var stopped error // fn's own error, returned as it is
	err := jsonobj.Each(t.Payload, func(name string, v jsonobj.Value) error {
		stopped = fn(name, v.Raw)
		return stopped
	})
	if stopped != nil {
		return stopped
	}
	return wrapSyntax(err, "claims set")
}

// verified is a verified Token with room for what it refers to, in one
// allocation: where the members of a usual claims set lie, a single
// audience, and the digest crypto/rsa is handed (which escapes to the heap
// anyway).
type verified struct {
	tok    Token
	aud    [1]string
	room   [40]member
	digest [sha512.Size]byte
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

// scratchSize is the stack buffer Verify decodes into: room for the parts
// of a usual token (a GitHub token is under 2 KiB); a larger one is decoded
// into a heap buffer instead. Small, since it is zeroed for every token.
const scratchSize = 2 << 10

// decodeText base64url-decodes the header and the payload into one string,
// using buf as scratch space (enlarged if too small): two strings would be
// two allocations.
func decodeText(buf []byte, h64, p64 string) (header, payload string, err error) {
	hn, pn := b64.DecodedLen(len(h64)), b64.DecodedLen(len(p64))
	if hn+pn > len(buf) {
		buf = make([]byte, hn+pn)
	}
	if hn, err = decodePart(buf[:hn], h64, "header"); err != nil {
		return "", "", err
	}
	if pn, err = decodePart(buf[hn:hn+pn], p64, "payload"); err != nil {
		return "", "", err
	}
	text := string(buf[:hn+pn])
	return text[:hn], text[hn:], nil
}

// decodePart base64url-decodes part into dst. The decoder skips CR and LF,
// even strict; they are refused first so that a token has one spelling
// only (the replay id of a token without jti is its hash). Two IndexByte
// scans: ContainsAny goes a byte at a time, costing more than the decoding.
func decodePart(dst []byte, part, name string) (int, error) {
	if strings.IndexByte(part, '\r') >= 0 || strings.IndexByte(part, '\n') >= 0 {
		return 0, reject(ErrMalformed, "", "", name+" contains a line break")
	}
	n, err := b64.Decode(dst, []byte(part))
	if err != nil {
		return 0, reject(ErrMalformed, "", "", name+" is not base64url without padding")
	}
	return n, nil
}

// MaxClaimValues bounds the JSON values a token's header or claims set may
// hold in all, nested members and array elements included. Real tokens hold
// fewer than 300 (a GitLab token with 199 groups, GitLab's cap); the bound keeps the cost
// of parsing an unauthenticated token, which comes before its signature is
// checked, close to that of a real one, whatever its size.
const MaxClaimValues = 512

func parseHeader(js string) (header, error) {
	var h header
	err := jsonobj.EachMemberLimit(js, MaxClaimValues, func(m jsonobj.Member) error {
		key, v := m.Key, m.Value
		var err error
		switch key {
		case "alg":
			h.alg, err = v.Str()
		case "kid":
			h.kid, err = v.Str()
		default:
			if why, bad := forbiddenHeaders[key]; bad {
				return reject(ErrUnsafeHeader, key, clip(v.Raw), why)
			}
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

// parseClaims reads the registered claims into t and records where every
// member lies in t.members, which should have room (it grows if not).
func parseClaims(js string, t *Token, aud *[1]string) (hasExp, hasIat, hasNbf bool, err error) {
	if uint64(len(js)) > math.MaxUint32 {
		return false, false, false, reject(ErrTooLarge, "", "", "the claims set does not fit 32-bit offsets")
	}
	err = jsonobj.EachMemberLimit(js, MaxClaimValues, func(m jsonobj.Member) error {
		t.members = append(t.members, member{
			key: uint32(m.KeyAt), keyEnd: uint32(m.KeyAt + len(m.RawKey)),
			value: uint32(m.ValueAt), valueEnd: uint32(m.ValueAt + len(m.Value.Raw)),
			escaped: len(m.Key) != len(m.RawKey)-2, // escapes only shorten a key
		})
		key, v := m.Key, m.Value
		var err error
		switch key {
		case "iss":
			t.Issuer, err = v.Str()
		case "sub":
			t.Subject, err = v.Str()
		case "jti":
			t.ID, err = v.Str()
		case "aud":
			t.Audience, err = audience(v, aud)
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

// audience reads aud: a string, kept in one (no allocation), or an array of
// strings.
func audience(v jsonobj.Value, one *[1]string) ([]string, error) {
	if v.Kind == jsonobj.String {
		s, err := v.Str()
		one[0] = s
		return one[:], err
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
