package publisher_test

import (
	"context"
	"fmt"

	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
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

// A registry trusting CircleCI's issuers, one per organization
// (https://oidc.circleci.com/org/<organization id>). A MemoryStore is an
// IssuerIndex: keys are fetched only for the organizations its publishers
// name. A token of any other organization is refused before anything is
// fetched, which is why this part runs offline.
func ExampleNew_issuerFamily() {
	const org = "3f2b8c1e-5d4a-4e6b-9c7d-8a1b2c3d4e5f"
	policy := func(issuer string) *publisher.CircleCI {
		return &publisher.CircleCI{IssuerURL: issuer, OrganizationID: org,
			ProjectID:            "7c9e6a4b-2f1d-4b8a-a3e5-6d7f8091a2b3",
			PipelineDefinitionID: "5e8d2a1c-9b3f-5c7e-8a2d-4f6b1c3e5a7d",
			VCSOrigin:            "github.com/octo-org/hello-world"}
	}
	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "hello-world", Packages: []string{"hello-world"},
		Policy: policy("")})
	if err != nil {
		panic(err)
	}
	v, err := publisher.New(publisher.Config{
		Audience:   "npm:registry.npmjs.org",
		Providers:  []providers.Provider{providers.CircleCI},
		Publishers: store,
	})
	if err != nil {
		panic(err)
	}
	defer v.Close()

	// A local issuer signs a token naming another organization's issuer.
	kit, err := providertest.NewIssuer(oidctest.Options{Audience: "npm:registry.npmjs.org"})
	if err != nil {
		panic(err)
	}
	defer kit.Close()
	stranger := providertest.CircleCIClaims()
	stranger.OrganizationID = "0b7d2c4e-6f8a-4b1c-9d3e-5a7f9c1b3d5e"
	tok, err := kit.Mint(stranger, oidctest.IssuerURL(providers.CircleCIIssuer(stranger.OrganizationID)))
	if err != nil {
		panic(err)
	}
	_, err = v.Verify(context.Background(), tok)
	fmt.Println(publisher.Classify(err).Name)
	fmt.Println(err)

	// The kit serves a family of the same form, <URL>/org/<id>, each
	// organization with its own keys: the whole flow, locally.
	member, err := kit.CircleCIOrg(org)
	if err != nil {
		panic(err)
	}
	local, err := publisher.NewMemoryStore(publisher.Registered{ID: "hello-world", Packages: []string{"hello-world"},
		Policy: policy(member.URL())})
	if err != nil {
		panic(err)
	}
	lv, err := publisher.New(publisher.Config{
		Audience:   "npm:registry.npmjs.org",
		Providers:  []providers.Provider{kit.CircleCI()},
		Publishers: local,
		HTTPClient: kit.Client(),
	})
	if err != nil {
		panic(err)
	}
	defer lv.Close()
	tok, err = kit.MintCircleCI(providertest.CircleCIClaims())
	if err != nil {
		panic(err)
	}
	res, err := lv.Verify(context.Background(), tok)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Packages(), res.Workload().Issuer == member.URL())
	// Output:
	// untrusted-issuer
	// oidc: untrusted issuer: iss "https://oidc.circleci.com/org/0b7d2c4e-6f8a-4b1c-9d3e-5a7f9c1b3d5e": a member of issuer family https://oidc.circleci.com/org/<member> that no registered publisher names
	// [hello-world] true
}
