package providers

import (
	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
)

// ActiveStateIssuer is the issuer of ActiveState Platform tokens.
const ActiveStateIssuer = "https://platform.activestate.com/api/v1/oauth/oidc"

// ActiveState is the ActiveState Platform; keys by discovery.
var ActiveState = NewActiveState(oidc.Issuer{URL: ActiveStateIssuer})

// NewActiveState returns an ActiveState provider for another issuer
// description (a test issuer, pinned keys). Algorithms default to RS256.
func NewActiveState(iss oidc.Issuer) Provider {
	return &provider{kind: claims.KindActiveState, issuer: rs256(iss), decode: decodeActiveState}
}

func decodeActiveState(t *oidc.Token) (claims.Set, error) {
	c, err := claims.DecodeActiveStateToken(t)
	if err != nil {
		return nil, err
	}
	return c, nil
}
