package publisher_test

import (
	"fmt"

	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// An ActiveState publisher as PyPI registers it: organization, project,
// the user's stable id, and the builder the registry expects.
func ExampleActiveState() {
	p := &publisher.ActiveState{
		Organization: "ActiveState-Labs",
		Project:      "pyproject-example",
		ActorID:      "7f3c9a1e-2b4d-4e8f-9a61-0c5d2e7b8f14",
		Builder:      "pypi-publisher",
	}
	if err := p.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	c := providertest.ActiveStateClaims()
	fmt.Println(p.LookupKey(), p.Check(c))

	// sub names project "pyproject-example-2": its prefix is not enough.
	c.Subject += "-2"
	for _, m := range p.Check(c) {
		fmt.Println(m)
	}
	// Output:
	// activestate-labs/pyproject-example []
	// subject: the publisher expects org:ActiveState-Labs:project:pyproject-example, the token was issued to "org:ActiveState-Labs:project:pyproject-example-2" (claim sub)
}
