package exchange_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
	"github.com/trustpub/trustpub/publisher/exchange"
)

// exampleVerifier is a registry's verifier, its audience "pypi", on a local
// issuer playing GitHub Actions: octo-org/hello's release.yml publishes the
// packages hello and @octo/hello.
func exampleVerifier() (*providertest.Issuer, *publisher.Verifier) {
	gh, err := providertest.NewIssuer(oidctest.Options{Audience: "pypi"})
	if err != nil {
		panic(err)
	}
	store, err := publisher.NewMemoryStore(publisher.Registered{
		ID:       "octo-org/hello:release.yml",
		Policy:   &publisher.GitHub{IssuerURL: gh.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml"},
		Packages: []string{"hello", "@octo/hello"},
	})
	if err != nil {
		panic(err)
	}
	v, err := publisher.New(publisher.Config{Audience: "pypi", Providers: []providers.Provider{gh.GitHub()},
		Publishers: store, HTTPClient: gh.Client()})
	if err != nil {
		panic(err)
	}
	return gh, v
}

// exampleMint is a registry's mint function: its upload token names the
// packages it may publish, for the example's sake.
func exampleMint(_ context.Context, _ *publisher.Result, packages []string) (string, time.Time, error) {
	return "upload-token-for-" + strings.Join(packages, "+"), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), nil
}

// A registry serves PyPI's token exchange: a CI job's token in, the
// registry's upload token for every package of its publishers out.
func ExampleNewPyPI() {
	gh, v := exampleVerifier()
	defer gh.Close()
	defer v.Close()
	pypi, err := exchange.NewPyPI(exchange.Config{Verifier: v, Mint: exampleMint})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle(exchange.PyPIPattern, pypi)

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/_/oidc/audience", nil))
	fmt.Print(w.Code, " ", w.Body)

	// The job asks GitHub Actions for a token of that audience, and sends it.
	jwt, err := gh.MintGitHub(providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0"))
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/_/oidc/mint-token", strings.NewReader(`{"token": "`+jwt+`"}`))
	r.Header.Set("Content-Type", "application/json")
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body)

	// A token is one-time.
	r = httptest.NewRequest(http.MethodPost, "/_/oidc/mint-token", strings.NewReader(`{"token": "`+jwt+`"}`))
	r.Header.Set("Content-Type", "application/json")
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body)
	// Output:
	// 200 {"audience":"pypi"}
	// 200 {"expires":1893456000,"success":true,"token":"upload-token-for-@octo/hello+hello"}
	// 422 {"errors":[{"code":"invalid-reuse-token","description":"The token has already been used; request a new one."}],"message":"Token request failed"}
}

// A registry serves npm's token exchange: the npm CLI names the package it
// publishes, and gets an upload token for that package alone. A refusal
// explains itself from that package's publishers only.
func ExampleNewNPM() {
	gh, v := exampleVerifier()
	defer gh.Close()
	defer v.Close()
	npmV, err := v.WithAudience("npm:registry.example.com") // what npm asks CI providers for
	if err != nil {
		panic(err)
	}
	npm, err := exchange.NewNPM(exchange.Config{Verifier: npmV, Mint: exampleMint})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle(exchange.NPMPattern, npm)

	for _, run := range []struct{ file, pkg string }{{"release.yml", "@octo%2fhello"}, {"nightly.yml", "hello"}} {
		jwt, err := gh.MintGitHub(providertest.GitHubWorkflow("octo-org/hello", "9919", run.file, "refs/tags/v1.0.0"),
			oidctest.Audience("npm:registry.example.com"))
		if err != nil {
			panic(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/-/npm/v1/oidc/token/exchange/package/"+run.pkg, nil)
		r.Header.Set("Authorization", "Bearer "+jwt)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", strings.ReplaceAll(w.Body.String(), gh.URL(), "<issuer>"))
	}
	// Output:
	// 201 {"token":"upload-token-for-@octo/hello"}
	// 403 {"message":"No trusted publisher of \"hello\" accepts this token of \"octo-org/hello\" on <issuer>; publisher 1 of 1: workflow: the publisher expects release.yml, the token was issued to \".github/workflows/nightly.yml\" (claim workflow_ref)."}
}
