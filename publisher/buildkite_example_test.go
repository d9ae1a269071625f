package publisher_test

import (
	"fmt"

	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// A Buildkite publisher: the organization's and pipeline's slugs, limited
// to the publish step, and pinned to their UUIDs, which the job requests
// with buildkite-agent oidc request-token --claim organization_id,pipeline_id.
// Buildkite has one issuer for every organization: without the pins, a
// renamed organization's slug taken by someone else would be theirs.
func ExampleBuildkite() {
	p := &publisher.Buildkite{
		OrganizationSlug: "acme-inc",
		PipelineSlug:     "super-duper-app",
		StepKey:          "publish",
		OrganizationID:   "f892efa9-103e-4d28-97a1-3b8616a0994d",
		PipelineID:       "0192d1a4-6c3e-7f25-9b8a-3e1f0c2d4b6a",
	}
	if err := p.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	c := providertest.BuildkiteClaims()
	fmt.Println(p.LookupKey(), p.Check(c))

	// The same job, its token requested without the ids.
	c.OrganizationID, c.PipelineID = "", ""
	for _, m := range p.Check(c) {
		fmt.Println(m)
	}
	// Output:
	// acme-inc/super-duper-app []
	// organization_id: the publisher expects f892efa9-103e-4d28-97a1-3b8616a0994d (the job must request the claim: buildkite-agent oidc request-token --claim organization_id,pipeline_id), the token was issued to no organization_id (claim organization_id)
	// pipeline_id: the publisher expects 0192d1a4-6c3e-7f25-9b8a-3e1f0c2d4b6a (the job must request the claim: buildkite-agent oidc request-token --claim organization_id,pipeline_id), the token was issued to no pipeline_id (claim pipeline_id)
}
