package publisher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// A registry answers a refused token in one call: Classify gives the
// status, PyPI's error code, whether to retry and a message safe for an
// anonymous client; the detailed error goes to the registry's log. Here the
// refusal is written in PyPI's form, outages included.
func ExampleClassify() {
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

	// refuse answers as PyPI's /_/oidc/mint-token does: 422 with PyPI's
	// code when the client is at fault, else the class's own status.
	refuse := func(w http.ResponseWriter, err error) {
		c := publisher.Classify(err)
		status, code := http.StatusUnprocessableEntity, c.PyPICode
		if code == "" {
			status, code = c.Status, c.Name
		}
		if c.Retryable && status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "60")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"message": "Token request failed",
			"errors": []map[string]string{{"code": code, "description": c.Message}}})
	}

	// A workflow no publisher trusts: the client is told no more than that.
	tok, err := gh.MintGitHub(providertest.GitHubWorkflow("octo-org/hello", "9919", "build.yml", "refs/heads/main"))
	if err != nil {
		panic(err)
	}
	_, err = v.Verify(context.Background(), tok)
	w := httptest.NewRecorder()
	refuse(w, err)
	fmt.Print(w.Code, " ", w.Body)
	// The log gets the detail: the rule that failed and what the token
	// carries, quoted.
	fmt.Println(strings.Contains(err.Error(), `the token was issued to ".github/workflows/build.yml"`))

	// An outage is retryable and never the client's fault.
	w = httptest.NewRecorder()
	refuse(w, fmt.Errorf("lookup: %w", publisher.ErrStore))
	fmt.Print(w.Code, " ", w.Header().Get("Retry-After"), " ", w.Body)
	// Output:
	// 422 {"errors":[{"code":"invalid-publisher","description":"The token is valid, but no trusted publisher registered here accepts it."}],"message":"Token request failed"}
	// true
	// 503 60 {"errors":[{"code":"store-unavailable","description":"The registry cannot verify tokens right now; try again later."}],"message":"Token request failed"}
}
