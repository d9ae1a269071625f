package providertest

import (
	"time"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
)

// BuildkiteClaims returns the claims of a Buildkite job's token for PyPI:
// organization acme-inc, pipeline super-duper-app, build 42 of tag v1.0.0,
// step publish, with the organization_id and pipeline_id claims requested.
// The fixture is written from Buildkite's documentation (no real token of a
// publish is public). Edit the copy freely.
func BuildkiteClaims() *claims.Buildkite {
	c, err := claims.DecodeBuildkite(fixture("buildkite-tag-release.json"))
	if err != nil {
		panic("providertest: bad Buildkite fixture: " + err.Error())
	}
	return c
}

// MintBuildkite mints a Buildkite token with Buildkite's habits: exp 5 min
// after iat (the default of buildkite-agent oidc request-token, whose
// --lifetime changes it), nbf at iat, a fresh jti. A nil c mints
// BuildkiteClaims.
func (i *Issuer) MintBuildkite(c *claims.Buildkite, opts ...oidctest.MintOption) (string, error) {
	if c == nil {
		c = BuildkiteClaims()
	}
	return i.Mint(c, append([]oidctest.MintOption{oidctest.Lifetime(5 * time.Minute), oidctest.NotBefore(0)}, opts...)...)
}

// Buildkite is a Buildkite provider for this issuer.
func (i *Issuer) Buildkite() providers.Provider { return providers.NewBuildkite(i.OIDC()) }
