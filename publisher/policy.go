package publisher

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/trustpub/trustpub/internal/nilness"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/internal/jsonobj"
)

// Policy is a trusted publisher: the CI workflow identity allowed to
// publish. Each provider has its own policy type (GitHub, …).
//
// An optional rule is off when its field holds the zero value: in Go, leave
// the field unset; in a configuration file (Registered's JSON form), leave
// the field out, since an explicit "" or null there is an error.
type Policy interface {
	// Provider is the kind of provider the policy is for: it can match only
	// tokens of a provider of this kind.
	Provider() claims.Kind
	// Issuer is the one issuer whose tokens the policy can match.
	Issuer() string
	// LookupKey is the workload the policy is indexed by; it equals
	// claims.Set.LookupKey of the tokens it may match.
	LookupKey() string
	// Check lists every rule the claims fail; none means a match.
	Check(c claims.Set) []Mismatch
	// Validate reports a malformed policy, wrapping ErrPolicy.
	Validate() error
}

// Registered is a policy as a registry records it, under its own identifier
// (a publisher row's id, a package name…).
type Registered struct {
	ID     string // the registry's identifier for the publisher
	Policy Policy // the rules a token must satisfy
}

// registeredJSON is Registered's configuration-file form:
// {"id": "…", "provider": "github", "policy": {…}}.
type registeredJSON struct {
	ID       string          `json:"id"`
	Provider claims.Kind     `json:"provider"`
	Policy   json.RawMessage `json:"policy"`
}

// policyKinds creates an empty policy of each provider kind.
var policyKinds = map[claims.Kind]func() Policy{
	claims.KindGitHub:      func() Policy { return new(GitHub) },
	claims.KindGitLab:      func() Policy { return new(GitLab) },
	claims.KindGoogle:      func() Policy { return new(Google) },
	claims.KindActiveState: func() Policy { return new(ActiveState) },
}

// MarshalJSON writes the configuration-file form.
func (r Registered) MarshalJSON() ([]byte, error) {
	if nilness.Is(r.Policy) {
		return nil, fmt.Errorf("%w: publisher %q has no policy", ErrPolicy, r.ID)
	}
	p, err := json.Marshal(r.Policy)
	if err != nil {
		return nil, err
	}
	return json.Marshal(registeredJSON{ID: r.ID, Provider: r.Policy.Provider(), Policy: p})
}

// UnmarshalJSON reads the configuration-file form and validates the policy.
// It is stricter than encoding/json: unknown fields, fields spelt in
// another case and duplicate keys are errors, since a misspelt or repeated
// rule must not silently vanish or override another. A policy field given
// as "" or null is an error too: a field left out sets no rule, but an
// empty value (a template's unfilled blank) must not pass for one.
func (r *Registered) UnmarshalJSON(data []byte) error {
	var j registeredJSON
	if err := strictJSON(data, &j); err != nil {
		return fmt.Errorf("%w: %v", ErrPolicy, err)
	}
	kind, ok := policyKinds[j.Provider]
	if !ok {
		return fmt.Errorf("%w: publisher %q: unknown provider %q", ErrPolicy, j.ID, j.Provider)
	}
	p := kind()
	if err := strictJSON(j.Policy, p); err != nil {
		return fmt.Errorf("%w: publisher %q: %v", ErrPolicy, j.ID, err)
	}
	if err := explicitEmpty(j.Policy); err != nil {
		return fmt.Errorf("%w: publisher %q: %v", ErrPolicy, j.ID, err)
	}
	reg := Registered{ID: j.ID, Policy: p}
	if err := validate(reg); err != nil {
		return err
	}
	*r = reg
	return nil
}

// validate checks a registered publisher; the error wraps ErrPolicy.
func validate(r Registered) error {
	if r.ID == "" {
		return fmt.Errorf("%w: a registered publisher needs an id", ErrPolicy)
	}
	if nilness.Is(r.Policy) {
		return fmt.Errorf("%w: publisher %q has no policy", ErrPolicy, r.ID)
	}
	err := r.Policy.Validate()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrPolicy):
		return fmt.Errorf("publisher %q: %w", r.ID, err)
	}
	return fmt.Errorf("%w: publisher %q: %w", ErrPolicy, r.ID, err)
}

// strictJSON decodes the JSON object data into v (a pointer to a struct),
// refusing what encoding/json lets through: duplicate keys, keys that match
// a field only case-insensitively, and, like DisallowUnknownFields, keys
// that match none.
func strictJSON(data []byte, v any) error {
	names := fieldNames(reflect.TypeOf(v))
	err := jsonobj.Each(string(data), func(key string, _ jsonobj.Value) error {
		if names != nil && !names[key] {
			return fmt.Errorf("unknown field %q", key)
		}
		return nil
	})
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// explicitEmpty refuses a member of the JSON object data given as "" or
// null.
func explicitEmpty(data []byte) error {
	return jsonobj.Each(string(data), func(key string, v jsonobj.Value) error {
		if v.Kind == jsonobj.Null || v.Kind == jsonobj.String && v.Raw == `""` {
			return fmt.Errorf("field %q is %s: give it a value, or leave an optional field out to set no rule", key, v.Raw)
		}
		return nil
	})
}

// fieldNames lists the JSON names of a struct's fields, or nil for a type
// that is not a pointer to a struct.
func fieldNames(t reflect.Type) map[string]bool {
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	names := make(map[string]bool)
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case tag == "-":
			case f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct:
				walk(f.Type)
			case !f.IsExported():
			case tag != "":
				names[tag] = true
			default:
				names[f.Name] = true
			}
		}
	}
	walk(t.Elem())
	return names
}

// policyError builds an ErrPolicy error naming the field.
func policyError(kind claims.Kind, field, format string, args ...any) error {
	return fmt.Errorf("%w: %s %s: %s", ErrPolicy, kind, field, fmt.Sprintf(format, args...))
}

// wrongProvider is the mismatch of claims that are not the policy's kind,
// or none, worded alike for every policy: Want and Got are provider kinds,
// as a configuration file's "provider" names them.
func wrongProvider(want claims.Kind, set claims.Set) Mismatch {
	m := Mismatch{Rule: "provider", Claim: "iss", Want: string(want), Got: "no claims"}
	if !nilness.Is(set) {
		m.Got = string(set.Provider())
		if set.Provider() == want { // the right kind, but not this package's claims type
			m.Got += fmt.Sprintf(" claims of type %T", set)
		}
	}
	return m
}
