package oidctest

import (
	"time"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
)

// ActiveStateClaims returns the claims of an ActiveState Platform token
// for PyPI: organization ActiveState-Labs, project pyproject-example,
// builder pypi-publisher. The fixture is written from the documented claim
// set (no real token is public). Edit the copy freely.
func ActiveStateClaims() *claims.ActiveState {
	c, err := claims.DecodeActiveState(fixture("activestate.json"))
	if err != nil {
		panic("oidctest: bad ActiveState fixture: " + err.Error())
	}
	return c
}

// activestateProfile: ActiveState's lifetime is not documented; five
// minutes with nbf = iat is a guess on the short side.
var activestateProfile = profile{lifetime: 5 * time.Minute}

// MintActiveState mints an ActiveState token: exp 5 min after iat, nbf at
// iat, a fresh jti. A nil c mints ActiveStateClaims.
func (i *Issuer) MintActiveState(c *claims.ActiveState, opts ...MintOption) (string, error) {
	if c == nil {
		c = ActiveStateClaims()
	}
	return i.mint(c, activestateProfile, opts)
}

// ActiveState is an ActiveState provider for this issuer.
func (i *Issuer) ActiveState() providers.Provider { return providers.NewActiveState(i.OIDC()) }
