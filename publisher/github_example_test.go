package publisher_test

import (
	"encoding/json"
	"fmt"

	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// A GitHub publisher: release.yml of octo-org/hello, run on a version tag in
// the environment "pypi", and the explanation a maintainer gets when their
// token does not fit.
func ExampleGitHub() {
	tags, err := publisher.ParseRefPattern("refs/tags/v*")
	if err != nil {
		panic(err)
	}
	policy := &publisher.GitHub{
		Owner:       "octo-org",
		OwnerID:     "9919", // repository_owner_id, recorded at registration
		Repository:  "hello",
		Workflow:    "release.yml",
		Environment: "pypi",
		Refs:        []publisher.RefPattern{tags},
	}
	if err := policy.Validate(); err != nil {
		panic(err)
	}
	b, _ := json.Marshal(policy)
	fmt.Println(string(b))

	// A run of release.yml on tag v1.0.0, in the environment "PyPI".
	ok := providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0")
	ok.Environment = "PyPI"
	fmt.Println("release.yml on v1.0.0:", len(policy.Check(ok)), "mismatches")

	// A run of build.yml on main, without an environment.
	bad := providertest.GitHubWorkflow("octo-org/hello", "9919", "build.yml", "refs/heads/main")
	bad.Environment = ""
	for _, m := range policy.Check(bad) {
		fmt.Println(m)
	}
	// Output:
	// {"owner":"octo-org","owner_id":"9919","repository":"hello","workflow":"release.yml","environment":"pypi","refs":["refs/tags/v*"]}
	// release.yml on v1.0.0: 0 mismatches
	// workflow: the publisher expects release.yml, the token was issued to ".github/workflows/build.yml" (claim workflow_ref)
	// environment: the publisher expects pypi, the token was issued to no environment (claim environment)
	// refs: the publisher expects a ref matching refs/tags/v*, the token was issued to "refs/heads/main" (claim ref)
}

// A publisher whose job must run in a reusable workflow of another
// repository, pinned to a tag; the calling workflow is still release.yml.
func ExampleGitHub_reusableWorkflow() {
	policy := &publisher.GitHub{
		Owner:            "octo-org",
		OwnerID:          "9919",
		Repository:       "hello",
		Workflow:         "release.yml",
		ReusableWorkflow: "octo-org/workflows/.github/workflows/publish.yml@refs/tags/v2",
	}
	caller := providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0")
	fmt.Println("v2:", policy.Check(providertest.GitHubReusable(caller, "octo-org/workflows", "publish.yml", "refs/tags/v2")))
	for _, m := range policy.Check(providertest.GitHubReusable(caller, "octo-org/workflows", "publish.yml", "refs/heads/main")) {
		fmt.Println(m)
	}
	// Output:
	// v2: []
	// reusable_workflow: the publisher expects octo-org/workflows/.github/workflows/publish.yml@refs/tags/v2, the token was issued to "octo-org/workflows/.github/workflows/publish.yml@refs/heads/main" (claim job_workflow_ref)
}
