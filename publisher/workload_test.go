package publisher_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// TestResultWorkload: an accepted token of each provider describes its
// workload, end to end through Verify, with URLs on the test issuer's
// address (as for a GitHub Enterprise Server or a GitLab instance).
func TestResultWorkload(t *testing.T) {
	iss := providertest.New(t, oidctest.Options{})
	ghes := providertest.New(t, oidctest.Options{Path: "/_services/token"})
	web, ghesWeb := iss.URL(), strings.TrimSuffix(ghes.URL(), "/_services/token")
	as, goog := providertest.ActiveStateClaims(), providertest.GoogleClaims()
	for _, tc := range []struct {
		name string
		iss  *providertest.Issuer
		prov providers.Provider
		pol  publisher.Policy
		mint func() (string, error)
		want claims.Workload
	}{
		{"github", iss, iss.GitHub(), &publisher.GitHub{IssuerURL: iss.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml"},
			func() (string, error) {
				return iss.MintGitHub(providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0"))
			}, claims.Workload{
				Provider: claims.KindGitHub, Issuer: iss.URL(),
				Repository: "octo-org/hello", RepositoryID: "860122172", RepositoryURL: web + "/octo-org/hello",
				Workflow: ".github/workflows/release.yml", Ref: "refs/tags/v1.0.0", Commit: "8b42ec0b6b973f5465ddc4e667cee9ba26aeabb5",
				Environment: "Production", RunURL: web + "/octo-org/hello/actions/runs/10988497055/attempts/1",
				Trigger: "push", Actor: "haitch", ActorID: "1167635", Runner: "github-hosted",
			}},
		{"github enterprise server", ghes, ghes.GitHub(), &publisher.GitHub{IssuerURL: ghes.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml"},
			func() (string, error) {
				return ghes.MintGitHub(providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0"))
			}, claims.Workload{
				Provider: claims.KindGitHub, Issuer: ghes.URL(),
				Repository: "octo-org/hello", RepositoryID: "860122172", RepositoryURL: ghesWeb + "/octo-org/hello",
				Workflow: ".github/workflows/release.yml", Ref: "refs/tags/v1.0.0", Commit: "8b42ec0b6b973f5465ddc4e667cee9ba26aeabb5",
				Environment: "Production", RunURL: ghesWeb + "/octo-org/hello/actions/runs/10988497055/attempts/1",
				Trigger: "push", Actor: "haitch", ActorID: "1167635", Runner: "github-hosted",
			}},
		{"gitlab", iss, iss.GitLab(), &publisher.GitLab{IssuerURL: iss.URL(), Namespace: "octocat", Project: "hello-world", CIConfigPath: "ci/release.yml"},
			func() (string, error) {
				return iss.MintGitLab(providertest.GitLabProject(iss.BareURL(), "octocat/hello-world", "ci/release.yml", "refs/tags/v1.0.0"))
			}, claims.Workload{
				Provider: claims.KindGitLab, Issuer: iss.URL(),
				Repository: "octocat/hello-world", RepositoryID: "74884433", RepositoryURL: web + "/octocat/hello-world",
				Workflow: "ci/release.yml", Ref: "refs/tags/v1.0.0", Commit: "76719c2658b5c4423810d655a4624af1b38b7091",
				RunURL: web + "/octocat/hello-world/-/jobs/11530106120", Trigger: "push",
				Actor: "octocat", ActorID: "39035", Runner: "gitlab-hosted",
			}},
		{"google", iss, iss.Google(), &publisher.Google{IssuerURL: iss.URL(), Email: goog.Email},
			func() (string, error) { return iss.MintGoogle(goog) },
			claims.Workload{Provider: claims.KindGoogle, Issuer: iss.URL(), Repository: goog.Email, RepositoryID: "110987294251917851298"}},
		{"activestate", iss, iss.ActiveState(), &publisher.ActiveState{IssuerURL: iss.URL(),
			Organization: as.Organization, Project: as.Project, ActorID: as.ActorID, Builder: as.Builder},
			func() (string, error) { return iss.MintActiveState(as) },
			claims.Workload{
				Provider: claims.KindActiveState, Issuer: iss.URL(),
				Repository: "ActiveState-Labs/pyproject-example", RepositoryID: "c3d5e7f9-2b4a-4c6d-9e8f-0a1b2c3d4e5f",
				RepositoryURL: web + "/ActiveState-Labs/pyproject-example", Actor: "jdoe", ActorID: "7f3c9a1e-2b4d-4e8f-9a61-0c5d2e7b8f14",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, err := publisher.NewMemoryStore(publisher.Registered{ID: "pkg", Policy: tc.pol})
			if err != nil {
				t.Fatal(err)
			}
			v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience,
				Providers: []providers.Provider{tc.prov}, Publishers: store, HTTPClient: tc.iss.Client()})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			tok, err := tc.mint()
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, res.Workload()); diff != "" {
				t.Errorf("Workload (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff(claims.Workload{}, (*publisher.Result)(nil).Workload()); diff != "" {
		t.Errorf("Workload of a nil Result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(claims.Workload{}, new(publisher.Result).Workload()); diff != "" {
		t.Errorf("Workload of an empty Result (-want +got):\n%s", diff)
	}
}
