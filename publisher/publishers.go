package publisher

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/internal/jsonobj"
	"github.com/trustpub/trustpub/internal/nilness"
	"github.com/trustpub/trustpub/internal/quote"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/providers"
)

// LoadPublishers reads a registry's configuration file of publishers: one
// JSON array of publishers in the form Registered.MarshalJSON writes,
//
//	[{"id": "hello", "provider": "github", "policy": {"owner": "octo-org", …}}, …]
//
// Each entry is read as strictly as Registered.UnmarshalJSON does (unknown,
// misspelt, repeated or explicitly empty fields are errors) and validated;
// an id used twice is an error too. Every error but a failed read wraps
// ErrPolicy and names the entry at fault. An empty array is no publisher.
func LoadPublishers(r io.Reader) ([]Registered, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("publisher: reading publishers: %w", err)
	}
	pubs := []Registered{}
	seen := make(map[string]int) // id -> entry number
	err = jsonobj.EachElem(string(data), func(v jsonobj.Value) error {
		n := len(pubs) + 1
		var reg Registered
		if err := reg.UnmarshalJSON([]byte(v.Raw)); err != nil {
			return fmt.Errorf("entry %d: %w", n, err)
		}
		if first, dup := seen[reg.ID]; dup {
			return fmt.Errorf("%w: entry %d: publisher id %q is already entry %d's", ErrPolicy, n, reg.ID, first)
		}
		seen[reg.ID] = n
		pubs = append(pubs, reg)
		return nil
	})
	if err != nil {
		if !errors.Is(err, ErrPolicy) { // not one JSON array
			err = fmt.Errorf("%w: %w", ErrPolicy, err)
		}
		return nil, fmt.Errorf("publisher: loading publishers: %w", err)
	}
	return pubs, nil
}

// ErrUnserved: a registered publisher's issuer is served by no configured
// provider of its kind, so the publisher could never match a token (a
// typo in its issuer, a provider left out of Config.Providers). The error
// is an *UnservedError that lists them.
var ErrUnserved = errors.New("no configured provider serves the publisher's issuer")

// UnservedError lists the registered publishers whose issuer no configured
// provider of their kind serves.
type UnservedError struct {
	Publishers []Registered // in the order they were checked
}

// Error implements error, naming each publisher, its kind and its issuer.
func (e *UnservedError) Error() string {
	var b strings.Builder
	b.WriteString("publisher: no configured provider serves ")
	for i, r := range e.Publishers {
		if i > 0 {
			b.WriteString(", ")
		}
		if nilness.Is(r.Policy) { // not built by CheckIssuers
			fmt.Fprintf(&b, "publisher %s (no policy)", quote.Value(r.ID))
			continue
		}
		fmt.Fprintf(&b, "publisher %s (%s on %s)", quote.Value(r.ID), r.Policy.Provider(), quote.Text(r.Policy.Issuer()))
	}
	b.WriteString(": add the provider, or correct the publisher's issuer")
	return b.String()
}

// Unwrap returns ErrUnserved.
func (e *UnservedError) Unwrap() error { return ErrUnserved }

// CheckIssuers reports, as an *UnservedError, the publishers that no
// provider of provs serves: one of the publisher's kind (Policy.Provider)
// whose issuer URL is exactly the policy's Issuer, or whose family has the
// policy's Issuer as a member. Such a publisher is
// valid but can never match, since Verify looks publishers up by the
// token's issuer and kind.
//
// New checks the publishers of a *MemoryStore itself. A registry that
// implements Store over its own database calls CheckIssuers with the same
// providers as Config.Providers: on the rows it holds at start-up, and on
// each publisher before it saves it. A publisher without a policy is an
// ErrPolicy error.
func CheckIssuers(provs []providers.Provider, pubs ...Registered) error {
	serves := servedBy(provs)
	var unserved []Registered
	for _, r := range pubs {
		if nilness.Is(r.Policy) {
			return fmt.Errorf("%w: publisher %q has no policy", ErrPolicy, r.ID)
		}
		if !serves(r.Policy.Provider(), r.Policy.Issuer()) {
			unserved = append(unserved, r)
		}
	}
	if len(unserved) > 0 {
		return &UnservedError{Publishers: unserved}
	}
	return nil
}

// servedBy reports whether a provider of provs serves an issuer for
// policies of a kind.
func servedBy(provs []providers.Provider) func(kind claims.Kind, issuer string) bool {
	type domain struct {
		kind   claims.Kind
		issuer string
	}
	served := make(map[domain]bool, len(provs))
	type family struct {
		kind claims.Kind
		fam  oidc.Family
	}
	var fams []family // described once: Family returns a copy
	for _, p := range provs {
		switch f, ok := p.(providers.Family); {
		case nilness.Is(p):
		case ok:
			fams = append(fams, family{f.Kind(), f.Family()})
		default:
			served[domain{p.Kind(), p.Issuer().URL}] = true
		}
	}
	return func(kind claims.Kind, issuer string) bool {
		if served[domain{kind, issuer}] {
			return true
		}
		for i := range fams {
			if _, ok := fams[i].fam.Member(issuer); ok && fams[i].kind == kind {
				return true
			}
		}
		return false
	}
}
