package providertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// A registry's unit test of its publishing rules mints GitHub Actions
// tokens with the kit and verifies them exactly as production does: over
// HTTPS, against the kit's published keys. In a test, use
// providertest.New(t, opts), which stops the issuer when the test ends.
func ExampleIssuer_MintGitHub() {
	gh, err := providertest.NewIssuer(oidctest.Options{Audience: "my-registry"})
	if err != nil {
		panic(err)
	}
	defer gh.Close()

	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "pkg", Policy: &publisher.GitHub{
		IssuerURL: gh.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml",
	}})
	if err != nil {
		panic(err)
	}
	v, err := publisher.New(publisher.Config{Audience: "my-registry",
		Providers: []providers.Provider{gh.GitHub()}, Publishers: store, HTTPClient: gh.Client()})
	if err != nil {
		panic(err)
	}
	defer v.Close()

	// The claims of a real github.com run, rewritten for this workflow.
	run := providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0")
	tok, err := gh.MintGitHub(run)
	if err != nil {
		panic(err)
	}
	res, err := v.Verify(context.Background(), tok)
	if err != nil {
		panic(err)
	}
	c := res.Claims.(*claims.GitHub)
	fmt.Println("verified:", c.Repository, c.WorkflowRef)

	// Broken tokens on purpose, for negative tests.
	expired, err := gh.MintGitHub(run, oidctest.Expired())
	if err != nil {
		panic(err)
	}
	_, err = v.Verify(context.Background(), expired)
	fmt.Println("expired:", errors.Is(err, oidc.ErrExpired))
	forNPM, err := gh.MintGitHub(run, oidctest.Audience("npm"))
	if err != nil {
		panic(err)
	}
	_, err = v.Verify(context.Background(), forNPM)
	fmt.Println("other audience:", errors.Is(err, oidc.ErrAudience))
	// Output:
	// verified: octo-org/hello octo-org/hello/.github/workflows/release.yml@refs/tags/v1.0.0
	// expired: true
	// other audience: true
}

// A CI client under test (npm, a PyPI upload action) finds the runner's
// ID-token endpoint in the job's environment, Runner.Env, and trusts the
// kit through its CA file (NODE_EXTRA_CA_CERTS=<WriteCAFile's path>). Here
// a Go client asks for a token as actions/toolkit's getIDToken does. In a
// test, use gh.ActionsRunner(t, claims), stopped when the test ends.
func ExampleIssuer_NewActionsRunner() {
	gh, err := providertest.NewIssuer(oidctest.Options{})
	if err != nil {
		panic(err)
	}
	defer gh.Close()
	runner := gh.NewActionsRunner(providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0"))
	defer runner.Close()

	req, err := http.NewRequest(http.MethodGet, runner.RequestURL()+"&audience=npm:registry.example.com", nil)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Authorization", "Bearer "+runner.RequestToken())
	resp, err := runner.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var body struct{ Value string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		panic(err)
	}
	fmt.Println(resp.Status, strings.Count(body.Value, "."), "dots in the token")
	fmt.Println("audiences asked:", runner.Audiences())
	// Output:
	// 200 OK 2 dots in the token
	// audiences asked: [npm:registry.example.com]
}
