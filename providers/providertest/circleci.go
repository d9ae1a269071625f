package providertest

import (
	"fmt"
	"time"

	"github.com/trustpub/trustpub/internal/ident"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
)

// CircleCIClaims returns the claims of a CircleCI token for npm: a tag
// pipeline (refs/tags/v1.2.0) of github.com/octo-org/hello-world, one
// context, not an SSH re-run, audience npm:registry.npmjs.org. The fixture
// is written from CircleCI's documentation; its ids are made up. Edit the
// copy freely.
func CircleCIClaims() *claims.CircleCI {
	c, err := claims.DecodeCircleCI(fixture("circleci-github-tag.json"))
	if err != nil {
		panic("providertest: bad CircleCI fixture: " + err.Error())
	}
	return c
}

// CircleCI is a CircleCI provider trusting this issuer's family of
// organizations: one issuer per organization, at <URL>/org/<organization
// id>, each with its own keys (CircleCIOrg), as CircleCI's
// https://oidc.circleci.com/org/<organization id>.
func (i *Issuer) CircleCI() providers.Family {
	return providers.NewCircleCI(oidc.Family{Prefix: i.URL() + "/org/"})
}

// CircleCIRoot is a CircleCI provider trusting this issuer itself as the
// one issuer of every organization, as CircleCI's root issuer
// (circleci run oidc get --root-issuer).
func (i *Issuer) CircleCIRoot() providers.Provider { return providers.NewCircleCIRoot(i.OIDC()) }

// CircleCIOrg is the issuer of the CircleCI organization orgID (a
// lower-case UUID) in the family of CircleCI: served by i's server at
// /org/<orgID> with its own keys, started on first use. Its URL is what a
// test's publisher.CircleCI names as its issuer.
func (i *Issuer) CircleCIOrg(orgID string) (*Issuer, error) {
	if !ident.LowerUUID(orgID) {
		return nil, fmt.Errorf("providertest: CircleCI organization id %q is not a lower-case UUID", orgID)
	}
	m, err := i.IssuerAt("/org/" + orgID)
	if err != nil {
		return nil, err
	}
	return &Issuer{m}, nil
}

// MintCircleCI mints a token of the organization c names, signed by that
// organization's own issuer (CircleCIOrg), with CircleCI's habits: one
// hour of life, no nbf and no jti (CircleCI documents neither; the replay
// identity is then the token's hash). A nil c mints CircleCIClaims.
func (i *Issuer) MintCircleCI(c *claims.CircleCI, opts ...oidctest.MintOption) (string, error) {
	if c == nil {
		c = CircleCIClaims()
	}
	org, err := i.CircleCIOrg(c.OrganizationID)
	if err != nil {
		return "", err
	}
	return org.Mint(c, circleCIHabits(opts)...)
}

// MintCircleCIRoot mints a token of c signed by i as CircleCI's root
// issuer (CircleCIRoot), with the habits of MintCircleCI.
func (i *Issuer) MintCircleCIRoot(c *claims.CircleCI, opts ...oidctest.MintOption) (string, error) {
	if c == nil {
		c = CircleCIClaims()
	}
	return i.Mint(c, circleCIHabits(opts)...)
}

func circleCIHabits(opts []oidctest.MintOption) []oidctest.MintOption {
	return append([]oidctest.MintOption{oidctest.Lifetime(time.Hour), oidctest.NotBefore(-1), oidctest.JWTID("")}, opts...)
}
