package publisher_test

import (
	"fmt"

	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// A CircleCI publisher as npm registers it: organization, project and
// pipeline definition ids, and the repository the pipeline builds. The job
// asks CircleCI for a token of the registry's audience:
//
//	circleci run oidc get --claims '{"aud": "npm:registry.npmjs.org"}'
func ExampleCircleCI() {
	p := &publisher.CircleCI{
		OrganizationID:       "3f2b8c1e-5d4a-4e6b-9c7d-8a1b2c3d4e5f",
		ProjectID:            "7c9e6a4b-2f1d-4b8a-a3e5-6d7f8091a2b3",
		PipelineDefinitionID: "5e8d2a1c-9b3f-5c7e-8a2d-4f6b1c3e5a7d",
		VCSOrigin:            "github.com/octo-org/hello-world",
	}
	if err := p.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	c := providertest.CircleCIClaims()
	fmt.Println(p.Issuer())
	fmt.Println(p.Check(c))

	// The same job re-run with SSH: a person had a shell in it.
	c.SSHRerun = new(true)
	for _, m := range p.Check(c) {
		fmt.Println(m)
	}
	// Output:
	// https://oidc.circleci.com/org/3f2b8c1e-5d4a-4e6b-9c7d-8a1b2c3d4e5f
	// []
	// allow_ssh_rerun: the publisher expects a job not re-run with SSH (false; allow_ssh_rerun accepts one), the token was issued to "true" (claim oidc.circleci.com/ssh-rerun)
}
