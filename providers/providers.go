// Package providers describes each CI provider that issues OIDC tokens: its
// issuers, where their keys live, which algorithms they sign with, and how a
// verified payload decodes into that provider's claims.
//
// A Provider value stands for one issuer, one trust domain: GitHub Actions on
// github.com and a GitHub Enterprise Server are two providers, and a policy
// registered for one never matches a token of the other. A Family provider
// (CircleCI, Semaphore) stands for an open-ended set of issuers, one per
// organization, each its own trust domain in the same way.
package providers

import (
	"slices"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
)

// Provider is one issuer of CI tokens.
type Provider interface {
	// Kind is the provider's kind: the schema of the claims Decode returns,
	// and the kind of the policies that can match its tokens.
	Kind() claims.Kind
	// Issuer is the trust domain: exact iss value, key location, algorithms.
	Issuer() oidc.Issuer
	// Decode turns a verified token into the provider's validated claims.
	Decode(t *oidc.Token) (claims.Set, error)
	// Workload describes the workload of claims the provider decoded, with
	// its issuer and web addresses, which the token does not carry.
	Workload(set claims.Set) claims.Workload
}

// provider is the common shape of the providers in this package.
type provider struct {
	kind   claims.Kind
	issuer oidc.Issuer
	decode func(t *oidc.Token) (claims.Set, error)
}

func (p *provider) Kind() claims.Kind { return p.kind }
func (p *provider) Issuer() oidc.Issuer {
	iss := p.issuer // a copy, so that a caller cannot change the provider
	iss.Aliases, iss.Algorithms = slices.Clone(iss.Aliases), slices.Clone(iss.Algorithms)
	return iss
}
func (p *provider) Decode(t *oidc.Token) (claims.Set, error) {
	return p.decode(t)
}

// rs256 fills the algorithm allow-list when the issuer states none.
func rs256(iss oidc.Issuer) oidc.Issuer {
	if len(iss.Algorithms) == 0 {
		iss.Algorithms = []string{"RS256"}
	}
	return iss
}
