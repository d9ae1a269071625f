package publisher_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// An accepted token describes its workload the same way for every
// provider: for the audit log and for naming the token the registry mints,
// with no type switch on the claims.
func ExampleResult_Workload() {
	gh, err := providertest.NewIssuer(oidctest.Options{})
	if err != nil {
		panic(err)
	}
	defer gh.Close()
	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "hello", Policy: &publisher.GitHub{
		IssuerURL: gh.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml",
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
	tok, err := gh.MintGitHub(providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0"))
	if err != nil {
		panic(err)
	}
	res, err := v.Verify(context.Background(), tok)
	if err != nil {
		panic(err)
	}

	w := res.Workload()
	fmt.Printf("token name: %s %s %s@%s\n", w.Provider, w.Repository, w.Workflow, w.Ref)
	// The test issuer stands in for GitHub's web host too: URLs are built
	// on its address, as on a GitHub Enterprise Server.
	fmt.Println("run:", strings.TrimPrefix(w.RunURL, gh.URL()))

	// A Workload is a slog.LogValuer: each value clipped, control
	// characters escaped. (The time, issuer and URLs, which vary, are left
	// out here.)
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "issuer" || strings.HasSuffix(a.Key, "url") {
				return slog.Attr{}
			}
			return a
		},
	}))
	log.Info("published", "package", res.Publishers[0].ID, "workload", w)
	// Output:
	// token name: github octo-org/hello .github/workflows/release.yml@refs/tags/v1.0.0
	// run: /octo-org/hello/actions/runs/10988497055/attempts/1
	// level=INFO msg=published package=hello workload.provider=github workload.repository=octo-org/hello workload.repository_id=860122172 workload.workflow=.github/workflows/release.yml workload.ref=refs/tags/v1.0.0 workload.commit=8b42ec0b6b973f5465ddc4e667cee9ba26aeabb5 workload.environment=Production workload.trigger=push workload.actor=haitch workload.actor_id=1167635 workload.runner=github-hosted
}
