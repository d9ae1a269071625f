package oidc

import (
	"errors"

	"github.com/trustpub/trustpub/internal/quote"
)

// Sentinel errors, one per class of rejection. Every error returned by
// Verifier.Verify wraps exactly one of them; test with errors.Is.
var (
	// ErrTooLarge: the token is longer than Config.MaxTokenSize.
	ErrTooLarge = errors.New("token too large")
	// ErrMalformed: not a compact JWS with a JSON header and claims set.
	ErrMalformed = errors.New("malformed token")
	// ErrUnsafeHeader: the header points at or carries keys (jku, x5u, jwk,
	// x5c), or marks extensions critical (crit).
	ErrUnsafeHeader = errors.New("unsafe token header")
	// ErrAlgorithm: the signing algorithm is not allowed for the issuer.
	ErrAlgorithm = errors.New("signing algorithm not allowed")
	// ErrIssuer: the issuer is not one the verifier trusts, or is a member
	// of a trusted family that its Admit does not admit.
	ErrIssuer = errors.New("untrusted issuer")
	// ErrAudience: the token is not for this registry.
	ErrAudience = errors.New("wrong audience")
	// ErrMissingClaim: a claim the verifier requires is absent.
	ErrMissingClaim = errors.New("missing claim")
	// ErrExpired: exp is in the past, beyond the leeway.
	ErrExpired = errors.New("token expired")
	// ErrNotYetValid: nbf is in the future, beyond the leeway.
	ErrNotYetValid = errors.New("token not yet valid")
	// ErrIssuedInFuture: iat is in the future, beyond the leeway.
	ErrIssuedInFuture = errors.New("token issued in the future")
	// ErrLifetime: exp - iat exceeds the issuer's own MaxLifetime, or else
	// Config.MaxLifetime, or is negative.
	ErrLifetime = errors.New("token lifetime too long")
	// ErrUnknownKey: no key of the issuer has the token's kid.
	ErrUnknownKey = errors.New("unknown signing key")
	// ErrSignature: the signature does not verify with the issuer's key.
	ErrSignature = errors.New("invalid signature")
	// ErrKeysUnavailable: the issuer's keys could not be fetched and no
	// usable cached copy remains, or a family could not tell whether it
	// admits the issuer (the error then wraps Admit's too).
	ErrKeysUnavailable = errors.New("signing keys unavailable")
)

// Error is a rejection: the class (one of the sentinels), the claim or
// header field at fault, the value seen, and why it was refused.
type Error struct {
	Err    error  // the sentinel
	Field  string // claim or header name, e.g. "aud", "alg"; may be empty
	Value  string // the offending value as seen in the token; may be empty
	Reason string // what was expected instead
}

// Error implements error: the class, then the field and value at fault and
// the reason, when known. The value is quoted and clipped (it comes from
// the token).
func (e *Error) Error() string {
	msg := "oidc: " + e.Err.Error()
	if e.Field != "" {
		msg += ": " + e.Field
		if e.Value != "" {
			msg += " " + quote.Value(e.Value)
		}
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

func reject(class error, field, value, reason string) error {
	return &Error{Err: class, Field: field, Value: value, Reason: reason}
}
