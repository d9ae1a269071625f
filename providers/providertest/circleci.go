package providertest

import "github.com/trustpub/trustpub/claims"

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
