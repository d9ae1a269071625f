package publisher_test

import (
	"fmt"
	"os"

	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/publisher"
)

// A registry reads its publishers from a configuration file, checks that
// its providers serve every one of them, and keeps them in a MemoryStore.
func ExampleLoadPublishers() {
	f, err := os.Open("testdata/publishers.json")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	pubs, err := publisher.LoadPublishers(f)
	if err != nil {
		panic(err) // a typo in the file: ErrPolicy, naming the entry and the field
	}
	for _, r := range pubs {
		pending := ""
		if r.Pending {
			pending = " (pending)"
		}
		fmt.Printf("%s: %s on %s, may publish %q%s\n", r.ID, r.Policy.Provider(), r.Policy.Issuer(), r.Packages, pending)
	}

	// github.com alone serves neither the enterprise's publisher nor the
	// GitLab one: they could never match, and New would refuse them.
	provs := []providers.Provider{providers.GitHubActions}
	fmt.Println(publisher.CheckIssuers(provs, pubs...))

	octoInc, err := providers.NewGitHubEnterprise("octo-inc")
	if err != nil {
		panic(err)
	}
	provs = append(provs, octoInc, providers.GitLabCom)
	fmt.Println(publisher.CheckIssuers(provs, pubs...))

	store, err := publisher.NewMemoryStore(pubs...)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(store.Publishers()), "publishers registered")
	// Then: publisher.New(publisher.Config{Providers: provs, Publishers: store, …})

	// Output:
	// pypi:sampleproject: github on https://token.actions.githubusercontent.com, may publish ["sampleproject" "sampleproject-extras"]
	// pypi:sampleproject-next: github on https://token.actions.githubusercontent.com, may publish ["sampleproject-next"] (pending)
	// crates:hello: github on https://token.actions.githubusercontent.com/octo-inc, may publish ["hello"]
	// npm:hello: gitlab on https://gitlab.com, may publish ["@octo/hello"]
	// publisher: no configured provider serves publisher "crates:hello" (github on https://token.actions.githubusercontent.com/octo-inc), publisher "npm:hello" (gitlab on https://gitlab.com): add the provider, or correct the publisher's issuer
	// <nil>
	// 4 publishers registered
}
