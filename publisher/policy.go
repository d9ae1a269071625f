package publisher

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustpub/trustpub/internal/nilness"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/internal/jsonobj"
	"github.com/trustpub/trustpub/internal/quote"
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

// Specific is implemented by a Policy that reports how narrowly it
// matches. When a token satisfies several publishers, Verify returns them
// most specific first: by Specificity, highest first, then by ID. A policy
// that does not implement Specific (a registry's own) counts as 0.
type Specific interface {
	// Specificity ranks the policy against others the same token
	// satisfies. The policies of this package return SpecificEnvironment
	// when they pin a deployment environment, plus one for each optional
	// rule they set (the environment included): a publisher pinned to an
	// environment comes before any publisher without one, then the one
	// that sets more rules.
	Specificity() int
}

// SpecificEnvironment is what pinning a deployment environment adds to a
// policy's Specificity: more than every other optional rule together.
const SpecificEnvironment = 1 << 10

// count is how many of the rules are set.
func count(set ...bool) int {
	n := 0
	for _, b := range set {
		if b {
			n++
		}
	}
	return n
}

// specificity is p's Specificity, 0 when it does not report one.
func specificity(p Policy) int {
	if s, ok := p.(Specific); ok {
		return s.Specificity()
	}
	return 0
}

// Registered is a policy as a registry records it, under its own identifier
// (a publisher row's id, a package name…), with the packages it may publish.
type Registered struct {
	ID     string // the registry's identifier for the publisher
	Policy Policy // the rules a token must satisfy
	// Packages are the registry's packages (projects) the publisher may
	// publish; one publisher may serve several. Names are compared exactly,
	// byte for byte: the registry normalises its names (PyPI's PEP 503
	// form, npm's lower case) before it registers them and before it calls
	// Verifier.VerifyPackage. Each is non-empty, unique, valid UTF-8 without
	// control characters, and at most MaxPackageName bytes.
	//
	// A publisher without packages can still satisfy Verify (a gateway's
	// publisher is not a package's), but never VerifyPackage.
	Packages []string
	// Pending marks a publisher registered before its package exists, as
	// PyPI allows: the first successful publish creates the package. It
	// needs at least one package. Verification treats it like any other;
	// what it may do (create the package if the name is still free) is the
	// registry's decision.
	Pending bool
}

// MaxPackageName bounds the length of a package name in
// Registered.Packages, in bytes.
const MaxPackageName = 512

// registeredJSON is Registered's configuration-file form:
// {"id": "…", "provider": "github", "policy": {…}, "packages": ["…"], "pending": true}.
type registeredJSON struct {
	ID       string          `json:"id"`
	Provider claims.Kind     `json:"provider"`
	Policy   json.RawMessage `json:"policy"`
	Packages []string        `json:"packages,omitempty"`
	Pending  bool            `json:"pending,omitempty"`
}

// policyKinds creates an empty policy of each provider kind.
var policyKinds = map[claims.Kind]func() Policy{
	claims.KindGitHub:      func() Policy { return new(GitHub) },
	claims.KindGitLab:      func() Policy { return new(GitLab) },
	claims.KindGoogle:      func() Policy { return new(Google) },
	claims.KindActiveState: func() Policy { return new(ActiveState) },
	claims.KindBuildkite:   func() Policy { return new(Buildkite) },
	claims.KindCircleCI:    func() Policy { return new(CircleCI) },
	claims.KindSemaphore:   func() Policy { return new(Semaphore) },
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
	return json.Marshal(registeredJSON{ID: r.ID, Provider: r.Policy.Provider(), Policy: p,
		Packages: r.Packages, Pending: r.Pending})
}

// UnmarshalJSON reads the configuration-file form and validates the policy.
// It is stricter than encoding/json: unknown fields, fields spelt in
// another case and duplicate keys are errors, since a misspelt or repeated
// rule must not silently vanish or override another. A policy field given
// as "" or null is an error too: a field left out sets no rule, but an
// empty value (a template's unfilled blank) must not pass for one; so is
// "" or null for id, packages or pending, and an empty packages list:
// leave "packages" out for a publisher without packages.
func (r *Registered) UnmarshalJSON(data []byte) error {
	var j registeredJSON
	if err := strictJSON(data, &j); err != nil {
		return fmt.Errorf("%w: %v", ErrPolicy, err)
	}
	if err := explicitEmpty(data); err != nil {
		return fmt.Errorf("%w: publisher %q: %v", ErrPolicy, j.ID, err)
	}
	if j.Packages != nil && len(j.Packages) == 0 {
		return fmt.Errorf("%w: publisher %q: field \"packages\" is an empty list: name the packages, "+
			"or leave it out for a publisher without packages", ErrPolicy, j.ID)
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
	reg := Registered{ID: j.ID, Policy: p, Packages: j.Packages, Pending: j.Pending}
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
		return validPackages(r)
	case errors.Is(err, ErrPolicy):
		return fmt.Errorf("publisher %q: %w", r.ID, err)
	}
	return fmt.Errorf("%w: publisher %q: %w", ErrPolicy, r.ID, err)
}

// validPackages checks Registered.Packages and Pending. It allocates
// nothing when they are valid and at most 16: the verifier checks every
// candidate.
func validPackages(r Registered) error {
	if r.Pending && len(r.Packages) == 0 {
		return fmt.Errorf("%w: publisher %q is pending but names no package", ErrPolicy, r.ID)
	}
	for i, p := range r.Packages {
		if !packageName(p) {
			return fmt.Errorf("%w: publisher %q: package %s is not a package name: 1 to %d bytes of UTF-8, "+
				"no control characters", ErrPolicy, r.ID, quote.Value(p), MaxPackageName)
		}
		if len(r.Packages) <= 16 && slices.Contains(r.Packages[:i], p) {
			return fmt.Errorf("%w: publisher %q: package %s is listed twice", ErrPolicy, r.ID, quote.Value(p))
		}
	}
	if len(r.Packages) > 16 { // a long list: a set rather than n² comparisons
		seen := make(map[string]struct{}, len(r.Packages))
		for _, p := range r.Packages {
			if _, dup := seen[p]; dup {
				return fmt.Errorf("%w: publisher %q: package %s is listed twice", ErrPolicy, r.ID, quote.Value(p))
			}
			seen[p] = struct{}{}
		}
	}
	return nil
}

// packageName accepts a registry's package name: what the registry itself
// normalised, so only what no name can hold is refused.
func packageName(s string) bool {
	if s == "" || len(s) > MaxPackageName || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
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
