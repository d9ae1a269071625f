package providers

import (
	"time"

	"github.com/trustpub/trustpub/internal/ident"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
)

// SemaphoreLifetime is how long Semaphore's tokens live: 24 hours, past
// the default Config.MaxLifetime. The Semaphore family caps its own tokens
// at this, so that the registry's cap for every other issuer stays short.
const SemaphoreLifetime = 24 * time.Hour

// Semaphore is Semaphore's family of issuers, one per organization:
// https://<organization>.semaphoreci.com, the name one lower-case DNS
// label. Keys by discovery at each organization's issuer.
var Semaphore = NewSemaphore(oidc.Family{Prefix: "https://", Suffix: SemaphoreIssuerSuffix})

// NewSemaphore returns a Semaphore provider for another family of the same
// form, e.g. a test issuer's. Only fam's Prefix, Suffix, Algorithms and
// MaxLifetime are used: members' names are DNS labels, algorithms default
// to RS256, the lifetime cap to SemaphoreLifetime, and Admit is the
// verifier's. A member's token must name its issuer's organization in org.
func NewSemaphore(fam oidc.Family) Family {
	fam.Name = ident.Label
	if fam.MaxLifetime == 0 {
		fam.MaxLifetime = SemaphoreLifetime
	}
	return newFamily(claims.KindSemaphore, fam, "org", decodeSemaphore, semaphoreOrg)
}

func decodeSemaphore(t *oidc.Token) (claims.Set, error) {
	c, err := claims.DecodeSemaphoreToken(t)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func semaphoreOrg(set claims.Set) string {
	if c, ok := set.(*claims.Semaphore); ok && c != nil {
		return c.Organization
	}
	return ""
}
