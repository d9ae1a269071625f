package providers

import (
	"github.com/trustpub/trustpub/internal/ident"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
)

// CircleCIRootIssuer is the one issuer of CircleCI tokens requested with
// circleci run oidc get --root-issuer, shared by every organization (what
// PyPI registers). The claims tell organizations apart.
const CircleCIRootIssuer = "https://oidc.circleci.com"

// CircleCI is CircleCI's family of issuers, one per organization:
// https://oidc.circleci.com/org/<organization id>, the id a lower-case UUID
// (what npm trusts). Keys by discovery at each organization's issuer.
var CircleCI = NewCircleCI(oidc.Family{Prefix: CircleCIIssuerPrefix})

// CircleCIRoot is CircleCI's root issuer (CircleCIRootIssuer), shared by
// every organization; keys by discovery. A policy names its organization
// either way, by its organization_id.
var CircleCIRoot = NewCircleCIRoot(oidc.Issuer{URL: CircleCIRootIssuer})

// NewCircleCI returns a CircleCI provider for another family of the same
// form, e.g. a test issuer's <URL>/org/<organization id>. Only fam's
// Prefix, Suffix, Algorithms and MaxLifetime are used: members' names are
// lower-case UUIDs, algorithms default to RS256, and Admit is the
// verifier's. A member's token must name its issuer's organization in
// oidc.circleci.com/org-id.
func NewCircleCI(fam oidc.Family) Family {
	fam.Name = ident.LowerUUID
	return newFamily(claims.KindCircleCI, fam, "oidc.circleci.com/org-id", decodeCircleCI, circleCIOrg)
}

// NewCircleCIRoot returns a CircleCI provider for one issuer shared by
// every organization: CircleCI's root issuer, or a test issuer.
// Algorithms default to RS256.
func NewCircleCIRoot(iss oidc.Issuer) Provider {
	return &provider{kind: claims.KindCircleCI, issuer: rs256(iss), decode: decodeCircleCI}
}

func decodeCircleCI(t *oidc.Token) (claims.Set, error) {
	c, err := claims.DecodeCircleCIToken(t)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func circleCIOrg(set claims.Set) string {
	if c, ok := set.(*claims.CircleCI); ok && c != nil {
		return c.OrganizationID
	}
	return ""
}
