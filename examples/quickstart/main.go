// Command quickstart shows trusted publishing end to end on loopback: a local
// test issuer stands in for GitHub Actions, a registry registers a publisher,
// and two tokens are verified, one that matches and one that does not.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	// The local issuer plays GitHub Actions: real HTTPS, real RSA keys.
	gh, err := providertest.NewIssuer(oidctest.Options{Audience: "example-registry"})
	if err != nil {
		return err
	}
	defer gh.Close()
	fmt.Fprintln(w, "local issuer:", gh.URL())

	// The registry registers a trusted publisher for its package "hello".
	store, err := publisher.NewMemoryStore(publisher.Registered{
		ID: "hello",
		Policy: &publisher.GitHub{
			IssuerURL:   gh.URL(),
			Owner:       "octo-org",
			OwnerID:     "9919",
			Repository:  "hello",
			Workflow:    "release.yml",
			Environment: "pypi",
		},
	})
	if err != nil {
		return err
	}

	// One Verifier per registry process, shared by every request.
	v, err := publisher.New(publisher.Config{
		Audience:   "example-registry",
		Providers:  []providers.Provider{gh.GitHub()},
		Publishers: store,
		HTTPClient: gh.Client(), // trusts the local issuer's certificate
	})
	if err != nil {
		return err
	}
	defer v.Close()

	good := providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0")
	good.Environment = "pypi"
	bad := providertest.GitHubWorkflow("octo-org/hello", "9919", "build.yml", "refs/heads/main")
	bad.Environment = "pypi"

	for _, run := range []struct {
		name   string
		claims *claims.GitHub
	}{{"release.yml on tag v1.0.0", good}, {"build.yml on main", bad}} {
		tok, err := gh.MintGitHub(run.claims)
		if err != nil {
			return err
		}
		res, err := v.Verify(context.Background(), tok)
		fmt.Fprintf(w, "\ntoken from %s:\n", run.name)
		var nm *publisher.NoMatchError
		switch {
		case err == nil:
			fmt.Fprintf(w, "  ACCEPTED: may publish as %s\n", res.Publishers[0].ID)
		case errors.As(err, &nm):
			fmt.Fprintf(w, "  REFUSED: %v\n", err)
			for _, r := range nm.Rejected {
				for _, m := range r.Mismatches {
					fmt.Fprintf(w, "    - %s\n", m)
				}
			}
		default:
			fmt.Fprintf(w, "  REFUSED: %v\n", err)
		}
	}
	return nil
}
