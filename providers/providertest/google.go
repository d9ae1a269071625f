package providertest

import (
	"time"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
)

// GoogleClaims returns the claims of a real Compute Engine service-account
// token requested with format=full (email, email_verified, sub and the
// google.compute_engine claim). Edit the copy freely.
func GoogleClaims() *claims.Google {
	c, err := claims.DecodeGoogle(fixture("google-gce-full.json"))
	if err != nil {
		panic("providertest: bad Google fixture: " + err.Error())
	}
	return c
}

// MintGoogle mints a Google identity token with Google's habits: exp an
// hour after iat, no nbf, no jti. A nil c mints GoogleClaims.
func (i *Issuer) MintGoogle(c *claims.Google, opts ...oidctest.MintOption) (string, error) {
	if c == nil {
		c = GoogleClaims()
	}
	return i.Mint(c, append([]oidctest.MintOption{oidctest.Lifetime(time.Hour), oidctest.NotBefore(-1), oidctest.JWTID("")}, opts...)...)
}

// Google is a Google provider for this issuer. Like Google's, it also
// accepts the issuer's URL without its scheme (BareURL), the legacy form.
func (i *Issuer) Google() providers.Provider {
	return providers.NewGoogle(oidc.Issuer{URL: i.URL(), Aliases: []string{i.BareURL()}})
}
