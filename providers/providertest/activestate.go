package providertest

import (
	"time"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
)

// ActiveStateClaims returns the claims of an ActiveState Platform token
// for PyPI: organization ActiveState-Labs, project pyproject-example,
// builder pypi-publisher. The fixture is written from the documented claim
// set (no real token is public). Edit the copy freely.
func ActiveStateClaims() *claims.ActiveState {
	c, err := claims.DecodeActiveState(fixture("activestate.json"))
	if err != nil {
		panic("providertest: bad ActiveState fixture: " + err.Error())
	}
	return c
}

// activestateProfile: ActiveState's lifetime is not documented; five
// minutes with nbf = iat is a guess on the short side.

// MintActiveState mints an ActiveState token: exp 5 min after iat, nbf at
// iat, a fresh jti. A nil c mints ActiveStateClaims.
func (i *Issuer) MintActiveState(c *claims.ActiveState, opts ...oidctest.MintOption) (string, error) {
	if c == nil {
		c = ActiveStateClaims()
	}
	return i.Mint(c, append([]oidctest.MintOption{oidctest.Lifetime(5 * time.Minute), oidctest.NotBefore(0)}, opts...)...)
}

// ActiveState is an ActiveState provider for this issuer.
func (i *Issuer) ActiveState() providers.Provider { return providers.NewActiveState(i.OIDC()) }
