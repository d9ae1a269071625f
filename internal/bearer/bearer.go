// Package bearer reads an OAuth 2.0 bearer token (RFC 6750, section 2.1)
// from a request's Authorization header, strictly: exactly one header, the
// scheme "Bearer" in any case, a token of RFC 6750's b64token characters
// and of bounded size. What it refuses never reaches a verifier.
package bearer

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/trustpub/trustpub/oidc"
)

var (
	// ErrMissing: no Authorization header, or one of another scheme
	// (RFC 6750 answers it with a bare challenge, no error code).
	ErrMissing = errors.New("no bearer token")
	// ErrRepeated: more than one Authorization header (RFC 6750's
	// invalid_request).
	ErrRepeated = errors.New("more than one Authorization header")
)

// Token returns the bearer token of h's Authorization header. A token
// longer than max bytes is an error wrapping oidc.ErrTooLarge, checked
// before anything else is read of it; one with characters outside
// b64token, or empty, wraps oidc.ErrMalformed. Neither error quotes the
// token.
func Token(h http.Header, max int) (string, error) {
	vals := h.Values("Authorization")
	switch {
	case len(vals) == 0:
		return "", ErrMissing
	case len(vals) > 1:
		return "", ErrRepeated
	}
	v := strings.Trim(vals[0], " \t")
	scheme, tok, _ := strings.Cut(v, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", ErrMissing
	}
	tok = strings.TrimLeft(tok, " ")
	if len(tok) > max {
		return "", &oidc.Error{Err: oidc.ErrTooLarge, Reason: fmt.Sprintf("the bearer token exceeds %d bytes", max)}
	}
	if !b64token(tok) {
		return "", &oidc.Error{Err: oidc.ErrMalformed, Reason: "the bearer token is empty or not of b64token characters"}
	}
	return tok, nil
}

// b64token reports whether s is RFC 6750's
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func b64token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}
