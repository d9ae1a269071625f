// Package publisher decides whether a verified CI token may publish: the
// trusted-publisher policies a registry records per package, the store that
// finds them, and Verifier, the one call from raw token to decision.
package publisher

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/trustpub/trustpub/claims"
)

// Policy is a trusted publisher: the CI workflow identity allowed to
// publish. Each provider has its own policy type (GitHub, …).
type Policy interface {
	// Provider names the provider kind the policy is for, e.g. "github".
	Provider() string
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
	ID     string
	Policy Policy
}

// registeredJSON is Registered's configuration-file form:
// {"id": "…", "provider": "github", "policy": {…}}.
type registeredJSON struct {
	ID       string          `json:"id"`
	Provider string          `json:"provider"`
	Policy   json.RawMessage `json:"policy"`
}

// policyKinds creates an empty policy of each provider kind.
var policyKinds = map[string]func() Policy{
	"github": func() Policy { return new(GitHub) },
}

// MarshalJSON writes the configuration-file form.
func (r Registered) MarshalJSON() ([]byte, error) {
	if r.Policy == nil {
		return nil, fmt.Errorf("%w: publisher %q has no policy", ErrPolicy, r.ID)
	}
	p, err := json.Marshal(r.Policy)
	if err != nil {
		return nil, err
	}
	return json.Marshal(registeredJSON{ID: r.ID, Provider: r.Policy.Provider(), Policy: p})
}

// UnmarshalJSON reads the configuration-file form and validates the policy.
// Unknown fields are errors: a misspelt rule must not silently vanish.
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
	if err := p.Validate(); err != nil {
		return fmt.Errorf("publisher %q: %w", j.ID, err)
	}
	*r = Registered{ID: j.ID, Policy: p}
	return nil
}

func strictJSON(data []byte, v any) error {
	d := json.NewDecoder(strings.NewReader(string(data)))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// policyError builds an ErrPolicy error naming the field.
func policyError(kind, field, format string, args ...any) error {
	return fmt.Errorf("%w: %s %s: %s", ErrPolicy, kind, field, fmt.Sprintf(format, args...))
}
