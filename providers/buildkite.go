package providers

import (
	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
)

// Buildkite is Buildkite Pipelines: one issuer, BuildkiteIssuer, for every
// organization, so a policy names its organization and pipeline and the
// claims tell them apart. Keys by discovery
// (https://agent.buildkite.com/.well-known/jwks).
var Buildkite = NewBuildkite(oidc.Issuer{URL: BuildkiteIssuer})

// NewBuildkite returns a Buildkite provider for another issuer description
// (a test issuer, pinned keys). Algorithms default to RS256.
func NewBuildkite(iss oidc.Issuer) Provider {
	return &provider{kind: claims.KindBuildkite, issuer: rs256(iss), decode: decodeBuildkite}
}

func decodeBuildkite(t *oidc.Token) (claims.Set, error) {
	c, err := claims.DecodeBuildkiteToken(t)
	if err != nil {
		return nil, err
	}
	return c, nil
}
