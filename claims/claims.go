// Package claims holds the typed claim schemas of each CI provider's OIDC
// tokens, decoded from a verified payload.
//
// Decoding is strict about types (a number where the provider sends a string
// is an error, not a zero value) and lenient about novelty: claims a schema
// does not know are kept in Extra and never fail a token, since providers add
// claims all the time. A JSON null counts as an absent claim.
package claims

import (
	"encoding/json"
	"errors"

	"github.com/trustpub/trustpub/internal/jsonobj"
	"github.com/trustpub/trustpub/internal/quote"
)

// Set is the decoded claims of one provider's token.
type Set interface {
	// Provider is the kind of provider whose schema the claims follow.
	Provider() Kind
	// LookupKey is the normalised workload identity publishers are indexed
	// by, e.g. the lower-cased "owner/repo" on GitHub.
	LookupKey() string
	// Validate reports a claim the decision needs that is missing or invalid.
	Validate() error
}

// Errors wrapped by decoding and validation; test with errors.Is.
var (
	// ErrMissing: a required claim is absent or empty.
	ErrMissing = errors.New("required claim missing")
	// ErrType: a claim has another JSON type than the provider sends.
	ErrType = errors.New("claim has the wrong type")
	// ErrInvalid: a claim's value is not of the provider's form.
	ErrInvalid = errors.New("claim has an invalid value")
)

// Error names the claim at fault.
type Error struct {
	Err    error  // ErrMissing, ErrType or ErrInvalid
	Claim  string // the claim's name, dotted for nested members (google.compute_engine.zone)
	Reason string // what is wrong with it; may be empty
}

// Error implements error: "claims: <class>: <claim>[: <reason>]".
func (e *Error) Error() string {
	msg := "claims: " + e.Unwrap().Error() + ": " + e.Claim
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Unwrap returns the class of the error; ErrInvalid when Err is unset, so
// an Error always has a class.
func (e *Error) Unwrap() error {
	if e.Err == nil {
		return ErrInvalid
	}
	return e.Err
}

// known reports whether the schema names a claim (registered claims
// included, since those belong to package oidc).
func (s *schema[T]) known(claim string) bool {
	if registered[claim] {
		return true
	}
	if _, ok := s.strings[claim]; ok {
		return true
	}
	if _, ok := s.ints[claim]; ok {
		return true
	}
	if _, ok := s.bools[claim]; ok {
		return true
	}
	_, ok := s.other[claim]
	return ok
}

// registered claims belong to package oidc; schemas skip them.
var registered = map[string]bool{"iss": true, "aud": true, "exp": true, "iat": true, "nbf": true, "jti": true}

// schema maps a provider's claim names to the fields of its struct T.
type schema[T any] struct {
	strings map[string]func(*T) *string
	ints    map[string]func(*T) *int64
	bools   map[string]func(*T) *bool
	other   map[string]func(*T, jsonobj.Value) error // objects, arrays, nullable
	extra   func(*T) *map[string]json.RawMessage
}

// decode fills c from payload, keeping unknown claims in Extra.
func (s *schema[T]) decode(payload string, c *T) error {
	err := jsonobj.Each(payload, func(key string, v jsonobj.Value) error {
		if f, ok := s.other[key]; ok {
			if err := f(c, v); err != nil {
				return wrapType(key, err)
			}
			return nil
		}
		if v.Kind == jsonobj.Null {
			return nil
		}
		var err error
		if f, ok := s.strings[key]; ok {
			*f(c), err = v.Str()
		} else if f, ok := s.ints[key]; ok {
			*f(c), err = v.Int()
		} else if f, ok := s.bools[key]; ok {
			*f(c), err = v.Bool()
		} else if !registered[key] {
			m := s.extra(c)
			if *m == nil {
				*m = make(map[string]json.RawMessage)
			}
			(*m)[key] = json.RawMessage(v.Raw)
		}
		return wrapType(key, err)
	})
	if err != nil && !errors.As(err, new(*Error)) {
		return &Error{Err: ErrInvalid, Claim: "(claims set)", Reason: err.Error()}
	}
	return err
}

func wrapType(claim string, err error) error {
	if err == nil {
		return nil
	}
	var te *jsonobj.TypeError
	if errors.As(err, &te) {
		return &Error{Err: ErrType, Claim: claim, Reason: te.Error()}
	}
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	return &Error{Err: ErrInvalid, Claim: claim, Reason: err.Error()}
}

// require reports the first of the named claims that is empty.
func require(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return &Error{Err: ErrMissing, Claim: pairs[i]}
		}
	}
	return nil
}

func invalid(claim, value, reason string) error {
	return &Error{Err: ErrInvalid, Claim: claim, Reason: quote.Value(value) + ": " + reason}
}

// marshal writes the claims of v (a struct with json tags) merged with
// extra. An Extra entry never stands in for a claim the schema names (an
// empty omitempty field stays absent) nor for a registered claim: what is
// written decodes back to the same struct.
func marshal(v any, extra map[string]json.RawMessage, known func(string) bool) ([]byte, error) {
	type plain = map[string]json.RawMessage
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var m plain
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, raw := range extra {
		if !known(k) {
			m[k] = raw
		}
	}
	return json.Marshal(m)
}
