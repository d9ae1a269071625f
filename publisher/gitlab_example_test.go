package publisher_test

import (
	"encoding/json"
	"fmt"

	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// A GitLab publisher: the project's release pipeline, defined in
// ci/release.yml, on version tags only. Check explains each failed rule.
func ExampleGitLab() {
	tags, _ := publisher.ParseRefPattern("refs/tags/v*")
	p := &publisher.GitLab{
		Namespace:    "octocat",
		Project:      "hello-world",
		CIConfigPath: "ci/release.yml",
		ProjectID:    "74884433",
		Refs:         []publisher.RefPattern{tags},
	}
	if err := p.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	release := providertest.GitLabProject("gitlab.com", "octocat/hello-world", "ci/release.yml", "refs/tags/v1.0.0")
	fmt.Println("release:", p.Check(release))

	push := providertest.GitLabClaims() // a push to main, defined in .gitlab-ci.yml
	for _, m := range p.Check(push) {
		fmt.Println(m)
	}

	b, _ := json.Marshal(publisher.Registered{ID: "hello-world", Policy: p})
	fmt.Println(string(b))
	// Output:
	// release: []
	// ci_config_path: the publisher expects gitlab.com/octocat/hello-world//ci/release.yml@refs/heads/main, the token was issued to "gitlab.com/octocat/hello-world//.gitlab-ci.yml@refs/heads/main" (claim ci_config_ref_uri)
	// refs: the publisher expects a ref matching refs/tags/v*, the token was issued to "refs/heads/main" (claim ref_path)
	// {"id":"hello-world","provider":"gitlab","policy":{"namespace":"octocat","project":"hello-world","ci_config_path":"ci/release.yml","project_id":"74884433","refs":["refs/tags/v*"]}}
}
