package providertest

import "github.com/trustpub/trustpub/claims"

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
