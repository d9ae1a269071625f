package providers_test

import (
	"fmt"

	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
)

// The provider knows what its tokens do not carry: its issuer and its web
// address, which the workload's URLs are built on. Here the claims of a
// real github.com run, as GitHub Actions on github.com and on a GHE.com
// enterprise would describe them.
func ExampleProvider_Workload() {
	c := providertest.GitHubClaims()
	w := providers.GitHubActions.Workload(c)
	fmt.Println(w.Repository, w.Workflow, w.Ref)
	fmt.Println(w.RepositoryURL)
	fmt.Println(w.RunURL)

	ghe, err := providers.NewGitHubDataResidency("octocorp", "")
	if err != nil {
		panic(err)
	}
	fmt.Println(ghe.Workload(c).RunURL)

	// String is one line for a plain log, every value quoted and clipped.
	fmt.Println(providers.GitLabCom.Workload(providertest.GitLabClaims()))
	// Output:
	// haitch/jwtInspector .github/workflows/tokenTest.yml refs/heads/main
	// https://github.com/haitch/jwtInspector
	// https://github.com/haitch/jwtInspector/actions/runs/10988497055/attempts/1
	// https://octocorp.ghe.com/haitch/jwtInspector/actions/runs/10988497055/attempts/1
	// provider="gitlab" issuer="https://gitlab.com" repository="octocat/hello-world" repository_id="74884433" repository_url="https://gitlab.com/octocat/hello-world" workflow=".gitlab-ci.yml" ref="refs/heads/main" commit="76719c2658b5c4423810d655a4624af1b38b7091" run_url="https://gitlab.com/octocat/hello-world/-/jobs/11530106120" trigger="push" actor="octocat" actor_id="39035" runner="gitlab-hosted"
}
