package publisher_test

import (
	"fmt"

	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// A Google Cloud publisher: a service account, pinned to its numeric id so
// that a deleted account's email created again does not inherit it.
func ExampleGoogle() {
	p := &publisher.Google{
		Email:   "716149158341-compute@developer.gserviceaccount.com",
		Subject: "110987294251917851298",
	}
	if err := p.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	c := providertest.GoogleClaims()
	fmt.Println("VM token:", p.Check(c))

	c.EmailVerified = false
	c.Subject = "110987294251917851299"
	for _, m := range p.Check(c) {
		fmt.Println(m)
	}
	fmt.Println((&publisher.Google{Email: "Release@proj.iam.gserviceaccount.com"}).Validate())
	// Output:
	// VM token: []
	// email_verified: the publisher expects true, the token was issued to "false" (claim email_verified)
	// subject: the publisher expects 110987294251917851298, the token was issued to "110987294251917851299" (claim sub)
	// invalid publisher policy: google email: "Release@proj.iam.gserviceaccount.com" is not a service account email (name@domain, lower case)
}
