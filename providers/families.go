package providers

import (
	"slices"

	"github.com/trustpub/trustpub/internal/nilness"
	"github.com/trustpub/trustpub/internal/quote"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
)

// The issuers of CircleCI, Semaphore and Buildkite. CircleCI and Semaphore
// give each organization its own issuer: CircleCIIssuer and
// SemaphoreIssuer build one member's URL.
const (
	// CircleCIIssuerPrefix is followed by the organization's id (a UUID)
	// in a CircleCI issuer: https://oidc.circleci.com/org/<organization id>.
	CircleCIIssuerPrefix = "https://oidc.circleci.com/org/"
	// SemaphoreIssuerSuffix follows the organization's name (one DNS
	// label) in a Semaphore issuer: https://<organization>.semaphoreci.com.
	SemaphoreIssuerSuffix = ".semaphoreci.com"
	// BuildkiteIssuer is the one issuer of Buildkite's tokens, for every
	// organization: the claims tell organizations apart.
	BuildkiteIssuer = "https://agent.buildkite.com"
)

// CircleCIIssuer is the issuer of the CircleCI organization with this id.
func CircleCIIssuer(orgID string) string { return CircleCIIssuerPrefix + orgID }

// SemaphoreIssuer is the issuer of the Semaphore organization of this name.
func SemaphoreIssuer(org string) string { return "https://" + org + SemaphoreIssuerSuffix }

// Family is a provider whose issuers come in a family, one per
// organization: CircleCI's and Semaphore's. Each member is its own trust
// domain. Its Issuer method gives the members' algorithms and no URL, since
// no single issuer is the provider's: Family describes them.
type Family interface {
	Provider
	// Family is the form of the provider's issuers. Its Admit is nil: the
	// verifier trusting the family sets it (package publisher admits the
	// members its registered publishers name).
	Family() oidc.Family
	// Member is the issuer URL of the organization the claims belong to,
	// the one that signed them.
	Member(set claims.Set) string
}

// family is the common shape of the family providers of this package.
type family struct {
	provider
	fam   oidc.Family
	claim string // the claim naming the organization
	// name is the organization the claims name: the member's name in the
	// issuer URL ("" for claims of another type).
	name func(claims.Set) string
}

// Family implements Family: a copy, its algorithms too, so that a caller
// cannot change the provider.
func (f *family) Family() oidc.Family {
	fam := f.fam
	fam.Algorithms = slices.Clone(fam.Algorithms)
	return fam
}

// Member implements Family.
func (f *family) Member(set claims.Set) string {
	if nilness.Is(set) {
		return ""
	}
	n := f.name(set)
	if n == "" {
		return ""
	}
	return f.fam.URL(n)
}

// Decode implements Provider: the claims of a member's token, which must
// name the organization its issuer is for: a token signed by one
// organization's key never passes for another's.
func (f *family) Decode(t *oidc.Token) (claims.Set, error) {
	if t == nil {
		return nil, &claims.Error{Err: claims.ErrInvalid, Claim: "(claims set)", Reason: "no token"}
	}
	name, ok := f.fam.Member(t.Issuer)
	if !ok {
		return nil, &claims.Error{Err: claims.ErrInvalid, Claim: "iss",
			Reason: quote.Value(t.Issuer) + ": not an issuer of the family " + f.fam.String()}
	}
	set, err := f.decode(t)
	if err != nil {
		return nil, err
	}
	if got := f.name(set); got != name {
		return nil, &claims.Error{Err: claims.ErrInvalid, Claim: f.claim,
			Reason: quote.Value(got) + ": the token's issuer is organization " + quote.Value(name) + "'s"}
	}
	return set, nil
}

// Workload implements Provider, with the member's issuer and its web
// address.
func (f *family) Workload(set claims.Set) claims.Workload {
	p := f.provider
	p.issuer.URL = f.Member(set)
	return p.Workload(set)
}

// newFamily builds a family provider of kind, whose members' issuers have
// fam's form and whose claim named claim holds the member's name.
func newFamily(kind claims.Kind, fam oidc.Family, claim string, decode func(*oidc.Token) (claims.Set, error), name func(claims.Set) string) *family {
	fam.Admit = nil
	if len(fam.Algorithms) == 0 {
		fam.Algorithms = []string{"RS256"}
	}
	return &family{provider: provider{kind: kind, issuer: oidc.Issuer{Algorithms: slices.Clone(fam.Algorithms)}, decode: decode},
		fam: fam, claim: claim, name: name}
}
