// Package claims holds the typed claim schemas of each CI provider's OIDC
// tokens, decoded from a verified payload.
//
// Decoding is strict about types (a number where the provider sends a string
// is an error, not a zero value) and lenient about novelty: claims a schema
// does not know are kept in Extra and never fail a token, since providers add
// claims all the time. A JSON null counts as an absent claim.
//
// DecodeGitHubToken and its siblings decode a verified *oidc.Token from the
// members its verification read (oidc.Token.EachClaim), so that a token's
// payload is parsed once; DecodeGitHub and its siblings decode JSON text,
// such as a fixture.
package claims

import (
	"encoding/json"
	"errors"
	"sync"

	"github.com/trustpub/trustpub/internal/jsonobj"
	"github.com/trustpub/trustpub/internal/quote"
	"github.com/trustpub/trustpub/oidc"
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
func (s *schema[T]) known(claim string) bool { return s.fields().find(claim) != nil }

// registered claims belong to package oidc; schemas skip them.
var registered = map[string]bool{"iss": true, "aud": true, "exp": true, "iat": true, "nbf": true, "jti": true}

// schema maps a provider's claim names to the fields of its struct T.
type schema[T any] struct {
	strings map[string]func(*T) *string
	ints    map[string]func(*T) *int64
	bools   map[string]func(*T) *bool
	other   map[string]func(*T, jsonobj.Value) error // objects, arrays, nullable
	extra   func(*T) *map[string]json.RawMessage

	once  sync.Once
	index *fieldIndex[T] // the maps above in one table, built on first use
}

// field is how a schema reads one claim: with exactly one of the
// functions, or not at all (a registered claim).
type field[T any] struct {
	name  string
	str   func(*T) *string
	int   func(*T) *int64
	bool  func(*T) *bool
	other func(*T, jsonobj.Value) error
}

// fieldIndex finds a schema's fields by claim name in one table, where
// looking the name up in each map would hash it each time, for every claim
// of every token. It is open addressing: positions in list, probed
// linearly from a hash of the name's length and first, middle and last
// bytes, names compared in full. The table is at least four times the
// number of fields and holds only those, so a lookup, whatever the name,
// ends at the first empty slot of the cluster its hash falls in.
type fieldIndex[T any] struct {
	list  []field[T]
	slots []uint16 // 1 + a position in list; 0 for an empty slot
	shift uint     // 32 - log2(len(slots))
}

func (s *schema[T]) fields() *fieldIndex[T] {
	s.once.Do(func() {
		var list []field[T]
		seen := make(map[string]bool)
		add := func(f field[T]) {
			if !seen[f.name] { // the first map naming a claim wins, as decode used to look
				seen[f.name] = true
				list = append(list, f)
			}
		}
		for name, f := range s.other {
			add(field[T]{name: name, other: f})
		}
		for name, f := range s.strings {
			add(field[T]{name: name, str: f})
		}
		for name, f := range s.ints {
			add(field[T]{name: name, int: f})
		}
		for name, f := range s.bools {
			add(field[T]{name: name, bool: f})
		}
		for name := range registered {
			add(field[T]{name: name})
		}
		x := &fieldIndex[T]{list: list, slots: make([]uint16, 16), shift: 32 - 4}
		for len(x.slots) < 4*len(list) {
			x.slots, x.shift = make([]uint16, 2*len(x.slots)), x.shift-1
		}
		for i, f := range list {
			j := x.slot(f.name)
			for x.slots[j] != 0 {
				j = (j + 1) & uint32(len(x.slots)-1)
			}
			x.slots[j] = uint16(i + 1)
		}
		s.index = x
	})
	return s.index
}

func (x *fieldIndex[T]) slot(name string) uint32 {
	h := uint32(len(name))
	if n := len(name); n > 0 {
		h ^= uint32(name[0])<<8 | uint32(name[n/2])<<16 | uint32(name[n-1])<<24
	}
	return h * 0x9E3779B1 >> x.shift
}

// find returns the field named name, or nil.
func (x *fieldIndex[T]) find(name string) *field[T] {
	for j := x.slot(name); x.slots[j] != 0; j = (j + 1) & uint32(len(x.slots)-1) {
		if f := &x.list[x.slots[j]-1]; f.name == name {
			return f
		}
	}
	return nil
}

// source is a claims set to decode: JSON text, or a verified token, whose
// members were read when it was verified.
type source struct {
	payload string
	token   *oidc.Token
}

func (s source) each(fn func(key string, v jsonobj.Value) error) error {
	if s.token == nil {
		return jsonobj.Each(s.payload, fn)
	}
	// EachClaim hands out only values the strict reader accepted.
	return s.token.EachClaim(func(name, value string) error {
		return fn(name, jsonobj.Parsed(value))
	})
}

// decodeSet decodes and validates one provider's claims set: never a
// half-valid set a caller might use.
func decodeSet[T any, P interface {
	*T
	Set
}](s *schema[T], src source) (P, error) {
	c := P(new(T))
	if err := s.decode(src, c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// decode fills c from src, keeping unknown claims in Extra.
func (s *schema[T]) decode(src source, c *T) error {
	index := s.fields()
	err := src.each(func(key string, v jsonobj.Value) error {
		f := index.find(key)
		if f != nil && f.other != nil {
			if err := f.other(c, v); err != nil {
				return wrapType(key, err)
			}
			return nil
		}
		if v.Kind == jsonobj.Null {
			return nil
		}
		var err error
		switch {
		case f == nil:
			m := s.extra(c)
			if *m == nil {
				*m = make(map[string]json.RawMessage)
			}
			(*m)[key] = json.RawMessage(v.Raw)
		case f.str != nil:
			*f.str(c), err = v.Str()
		case f.int != nil:
			*f.int(c), err = v.Int()
		case f.bool != nil:
			*f.bool(c), err = v.Bool()
		}
		if err != nil {
			return wrapType(key, err)
		}
		return nil
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
