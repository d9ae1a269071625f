package gateway_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
	"github.com/trustpub/trustpub/publisher/gateway"
)

// A service lets through only CI jobs of its registered publishers; the
// handler behind the gateway reads who called from the request's context.
func ExampleGateway_Wrap() {
	gh, err := providertest.NewIssuer(oidctest.Options{}) // plays GitHub Actions
	if err != nil {
		panic(err)
	}
	defer gh.Close()
	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "release", Policy: &publisher.GitHub{
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

	gw, err := gateway.New(gateway.Config{Verifier: v, Allow: gateway.Publishers("release")})
	if err != nil {
		panic(err)
	}
	h := gw.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := gateway.ResultFrom(r.Context())
		fmt.Fprintf(w, "hello, %s of %s", res.Publishers[0].ID, res.Workload().Repository)
	}))

	for _, file := range []string{"release.yml", "build.yml"} {
		tok, err := gh.MintGitHub(providertest.GitHubWorkflow("octo-org/hello", "9919", file, "refs/tags/v1.0.0"))
		if err != nil {
			panic(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/upload", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
		if c := w.Header().Get("WWW-Authenticate"); c != "" {
			fmt.Println(c)
		}
	}
	// Output:
	// 200 hello, release of octo-org/hello
	// 401 {"error":"invalid_token","error_description":"The token is valid, but no trusted publisher registered here accepts it."}
	// Bearer error="invalid_token", error_description="The token is valid, but no trusted publisher registered here accepts it."
}
