package publisher_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// A registry verifies the token of a publish request. Here a local issuer
// of the test kit stands in for GitHub Actions; in production the provider
// is providers.GitHubActions and HTTPClient is left unset.
func Example() {
	gh, err := providertest.NewIssuer(oidctest.Options{Audience: "example-registry"})
	if err != nil {
		panic(err)
	}
	defer gh.Close()

	// The package "hello" trusts release.yml of octo-org/hello (owner id
	// 9919), run in the environment "pypi".
	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "hello", Policy: &publisher.GitHub{
		IssuerURL: gh.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello",
		Workflow: "release.yml", Environment: "pypi",
	}})
	if err != nil {
		panic(err)
	}
	v, err := publisher.New(publisher.Config{
		Audience:   "example-registry",
		Providers:  []providers.Provider{gh.GitHub()},
		Publishers: store,
		HTTPClient: gh.Client(),
	})
	if err != nil {
		panic(err)
	}
	defer v.Close()

	run := providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0")
	run.Environment = "pypi"
	tok, err := gh.MintGitHub(run)
	if err != nil {
		panic(err)
	}

	res, err := v.Verify(context.Background(), tok)
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	c := res.Claims.(*claims.GitHub)
	for _, p := range res.Publishers {
		fmt.Printf("accepted: %s may publish %s from %s\n", c.Repository, p.ID, c.Ref)
	}
	// A token is good for one publish.
	_, err = v.Verify(context.Background(), tok)
	fmt.Println("used again, replayed:", errors.Is(err, oidc.ErrReplayed))
	// Output:
	// accepted: octo-org/hello may publish hello from refs/tags/v1.0.0
	// used again, replayed: true
}

// A token that no registered publisher accepts is refused with a
// *NoMatchError, which tells the package maintainer what to fix.
func ExampleNoMatchError() {
	gh, err := providertest.NewIssuer(oidctest.Options{})
	if err != nil {
		panic(err)
	}
	defer gh.Close()
	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "hello", Policy: &publisher.GitHub{
		IssuerURL: gh.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello",
		Workflow: "release.yml", Environment: "pypi",
	}})
	if err != nil {
		panic(err)
	}
	v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience,
		Providers: []providers.Provider{gh.GitHub()}, Publishers: store, HTTPClient: gh.Client()})
	if err != nil {
		panic(err)
	}
	defer v.Close()

	// The maintainer's CI publishes from build.yml, in no environment.
	run := providertest.GitHubWorkflow("octo-org/hello", "9919", "build.yml", "refs/heads/main")
	run.Environment = ""
	tok, err := gh.MintGitHub(run)
	if err != nil {
		panic(err)
	}
	_, err = v.Verify(context.Background(), tok)
	var nm *publisher.NoMatchError
	if errors.As(err, &nm) {
		fmt.Println("no publisher of", nm.Key, "matches:")
		for _, r := range nm.Rejected {
			for _, m := range r.Mismatches {
				fmt.Printf("- %s: %s\n", r.ID, m)
			}
		}
	}
	// Output:
	// no publisher of octo-org/hello matches:
	// - hello: workflow: the publisher expects release.yml, the token was issued to ".github/workflows/build.yml" (claim workflow_ref)
	// - hello: environment: the publisher expects pypi, the token was issued to no environment (claim environment)
}

// A MemoryStore holds a registry's publishers in memory, a few or millions;
// a registry may also implement Store over its database.
func ExampleMemoryStore() {
	var store publisher.MemoryStore
	for _, r := range []publisher.Registered{
		{ID: "hello", Policy: &publisher.GitHub{Owner: "Octo-Org", OwnerID: "9919", Repository: "Hello", Workflow: "release.yml"}},
		{ID: "hello-docs", Policy: &publisher.GitHub{Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "docs.yml"}},
		{ID: "hello", Policy: &publisher.GitHub{Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "other.yml"}},
		{ID: "broken", Policy: &publisher.GitHub{Owner: "octo-org", OwnerID: "octo-org", Repository: "hello", Workflow: "release.yml"}},
	} {
		if err := store.Add(r); err != nil {
			fmt.Println("refused:", errors.Is(err, publisher.ErrPolicy), r.ID)
		}
	}
	// Verify looks publishers up by the token's issuer and lower-cased
	// repository.
	found, err := store.Lookup(context.Background(), providers.GitHubIssuer, "octo-org/hello")
	if err != nil {
		panic(err)
	}
	for _, r := range found {
		fmt.Println("registered:", r.ID)
	}
	fmt.Println("removed:", store.Remove("hello-docs"))
	// Output:
	// refused: true hello
	// refused: true broken
	// registered: hello
	// registered: hello-docs
	// removed: true
}

// npm's flow: the request names the package, and the CI asks for npm's
// audience, "npm:" and the registry's host name. One verifier serves PyPI's
// audience, another derived from it npm's, on the same key cache and replay
// store. A token refused for the wrong package is not used up.
func ExampleVerifier_VerifyPackage() {
	gh, err := providertest.NewIssuer(oidctest.Options{})
	if err != nil {
		panic(err)
	}
	defer gh.Close()
	policy := func(workflow string) *publisher.GitHub {
		return &publisher.GitHub{IssuerURL: gh.URL(), Owner: "octo-org", OwnerID: "9919",
			Repository: "hello", Workflow: workflow}
	}
	store, err := publisher.NewMemoryStore(
		publisher.Registered{ID: "pub-1", Policy: policy("release.yml"), Packages: []string{"hello", "@octo/hello-cli"}},
		publisher.Registered{ID: "pub-2", Policy: policy("docs.yml"), Packages: []string{"hello-docs"}},
	)
	if err != nil {
		panic(err)
	}
	pypi, err := publisher.New(publisher.Config{Audience: "pypi", Providers: []providers.Provider{gh.GitHub()},
		Publishers: store, HTTPClient: gh.Client()})
	if err != nil {
		panic(err)
	}
	defer pypi.Close()
	npm, err := pypi.WithAudience("npm:registry.example.com")
	if err != nil {
		panic(err)
	}

	run := providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0")
	tok, err := gh.MintGitHub(run, oidctest.Audience(npm.Audience()))
	if err != nil {
		panic(err)
	}
	// hello-docs is published from docs.yml only: refused, naming only
	// hello-docs's publishers.
	_, err = npm.VerifyPackage(context.Background(), tok, "hello-docs")
	var nm *publisher.NoMatchError
	if errors.As(err, &nm) {
		for _, r := range nm.Rejected {
			fmt.Printf("refused for %s: %s: %s\n", nm.Package, r.ID, r.Mismatches[0].Rule)
		}
	}
	// The same token, for a package its workflow may publish.
	res, err := npm.VerifyPackage(context.Background(), tok, "@octo/hello-cli")
	if err != nil {
		panic(err)
	}
	fmt.Println("accepted:", res.Publishers[0].ID, "may publish", res.Packages())
	_, err = pypi.Verify(context.Background(), tok)
	fmt.Println("PyPI's audience:", errors.Is(err, oidc.ErrAudience))
	// Output:
	// refused for hello-docs: pub-2: workflow
	// accepted: pub-1 may publish [@octo/hello-cli hello]
	// PyPI's audience: true
}
