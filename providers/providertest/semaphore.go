package providertest

import (
	"fmt"

	"github.com/trustpub/trustpub/internal/ident"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
)

// SemaphoreClaims returns the claims of a Semaphore job's token:
// organization acme, project hello-py of repository acme-labs/hello-py,
// the tag v1.2.0 pushed and its pipeline promoted by hand. The fixture is
// written from Semaphore's documentation and source (no real token is
// public). Edit the copy freely.
func SemaphoreClaims() *claims.Semaphore {
	c, err := claims.DecodeSemaphore(fixture("semaphore-tag.json"))
	if err != nil {
		panic("providertest: bad Semaphore fixture: " + err.Error())
	}
	return c
}

// Semaphore is a Semaphore provider trusting this issuer's family of
// organizations: one issuer per organization, at <URL>/semaphore/<org>,
// each with its own keys (SemaphoreOrg). Semaphore's own issuers are
// https://<org>.semaphoreci.com; one local server cannot have those host
// names, so the kit's members differ by path, and providers.Semaphore's
// form is tested apart.
func (i *Issuer) Semaphore() providers.Family {
	return providers.NewSemaphore(oidc.Family{Prefix: i.URL() + "/semaphore/"})
}

// SemaphoreOrg is the issuer of the Semaphore organization org (one
// lower-case DNS label) in the family of Semaphore: served by i's server at
// /semaphore/<org> with its own keys, started on first use. Its URL is what
// a test's publisher.Semaphore names as its issuer.
func (i *Issuer) SemaphoreOrg(org string) (*Issuer, error) {
	if !ident.Label(org) {
		return nil, fmt.Errorf("providertest: Semaphore organization %q is not a lower-case DNS label", org)
	}
	m, err := i.IssuerAt("/semaphore/" + org)
	if err != nil {
		return nil, err
	}
	return &Issuer{m}, nil
}

// MintSemaphore mints a token of the organization c names, signed by that
// organization's own issuer (SemaphoreOrg), with Semaphore's habits: 24
// hours of life, nbf at iat, a fresh jti. A nil c mints SemaphoreClaims.
func (i *Issuer) MintSemaphore(c *claims.Semaphore, opts ...oidctest.MintOption) (string, error) {
	if c == nil {
		c = SemaphoreClaims()
	}
	org, err := i.SemaphoreOrg(c.Organization)
	if err != nil {
		return "", err
	}
	return org.Mint(c, append([]oidctest.MintOption{oidctest.Lifetime(providers.SemaphoreLifetime), oidctest.NotBefore(0)}, opts...)...)
}
