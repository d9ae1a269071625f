package publisher_test

import (
	"fmt"

	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// A Semaphore publisher as PyPI registers it: organization and project,
// each with its stable id, and the repository, here limited to version
// tags. Its issuer is the organization's own.
func ExampleSemaphore() {
	tags, err := publisher.ParseRefPattern("refs/tags/v*")
	if err != nil {
		fmt.Println(err)
		return
	}
	p := &publisher.Semaphore{
		Organization:   "acme",
		OrganizationID: "d7dd33ad-9317-498c-9cc6-51c250749be7",
		Project:        "hello-py",
		ProjectID:      "936a5312-a3b8-4921-8b3f-2cec8baac574",
		RepoSlug:       "acme-labs/hello-py",
		Refs:           []publisher.RefPattern{tags},
	}
	if err := p.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	c := providertest.SemaphoreClaims()
	fmt.Println(p.Issuer(), p.LookupKey(), p.Check(c))

	// A debug job (sem debug) of the same project never publishes.
	c.JobType = "debug_job"
	for _, m := range p.Check(c) {
		fmt.Println(m)
	}
	// Output:
	// https://acme.semaphoreci.com 936a5312-a3b8-4921-8b3f-2cec8baac574 []
	// job_type: the publisher expects pipeline_job (a debug job is a person's shell), the token was issued to "debug_job" (claim job_type)
}
