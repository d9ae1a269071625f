package providers_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
)

// The workloads of the kit's fixtures (claim sets of real tokens) on each
// provider's production issuer.
var (
	githubWorkload = claims.Workload{
		Provider: claims.KindGitHub, Issuer: providers.GitHubIssuer,
		Repository: "haitch/jwtInspector", RepositoryID: "860122172",
		RepositoryURL: "https://github.com/haitch/jwtInspector",
		Workflow:      ".github/workflows/tokenTest.yml",
		Ref:           "refs/heads/main", Commit: "8b42ec0b6b973f5465ddc4e667cee9ba26aeabb5",
		Environment: "Production",
		RunURL:      "https://github.com/haitch/jwtInspector/actions/runs/10988497055/attempts/1",
		Trigger:     "push", Actor: "haitch", ActorID: "1167635", Runner: "github-hosted",
	}
	gitlabWorkload = claims.Workload{
		Provider: claims.KindGitLab, Issuer: providers.GitLabIssuer,
		Repository: "octocat/hello-world", RepositoryID: "74884433",
		RepositoryURL: "https://gitlab.com/octocat/hello-world",
		Workflow:      ".gitlab-ci.yml",
		Ref:           "refs/heads/main", Commit: "76719c2658b5c4423810d655a4624af1b38b7091",
		RunURL:  "https://gitlab.com/octocat/hello-world/-/jobs/11530106120",
		Trigger: "push", Actor: "octocat", ActorID: "39035", Runner: "gitlab-hosted",
	}
	googleWorkload = claims.Workload{
		Provider: claims.KindGoogle, Issuer: providers.GoogleIssuer,
		Repository: "716149158341-compute@developer.gserviceaccount.com", RepositoryID: "110987294251917851298",
	}
	activestateWorkload = claims.Workload{
		Provider: claims.KindActiveState, Issuer: providers.ActiveStateIssuer,
		Repository: "ActiveState-Labs/pyproject-example", RepositoryID: "c3d5e7f9-2b4a-4c6d-9e8f-0a1b2c3d4e5f",
		RepositoryURL: "https://platform.activestate.com/ActiveState-Labs/pyproject-example",
		Actor:         "jdoe", ActorID: "7f3c9a1e-2b4d-4e8f-9a61-0c5d2e7b8f14",
	}
	buildkiteWorkload = claims.Workload{
		Provider: claims.KindBuildkite, Issuer: providers.BuildkiteIssuer,
		Repository: "acme-inc/super-duper-app", RepositoryID: "0192d1a4-6c3e-7f25-9b8a-3e1f0c2d4b6a",
		RepositoryURL: "https://buildkite.com/acme-inc/super-duper-app",
		Ref:           "refs/tags/v1.0.0", Commit: "9f3182061f1e2cca4702c368cbc039b7dc9d4485",
		RunURL:  "https://buildkite.com/acme-inc/super-duper-app/builds/42#0184990a-477b-4fa8-9968-496074483cee",
		Trigger: "webhook", Runner: "buildkite-hosted",
	}
)

func must(p providers.Provider, err error) providers.Provider {
	if err != nil {
		panic(err)
	}
	return p
}

// with returns w changed by edit.
func with(w claims.Workload, edit func(*claims.Workload)) claims.Workload {
	edit(&w)
	return w
}

func TestWorkload(t *testing.T) {
	gh, gl := providertest.GitHubClaims(), providertest.GitLabClaims()
	for _, tc := range []struct {
		name string
		prov providers.Provider
		set  claims.Set
		want claims.Workload
	}{
		{"github.com", providers.GitHubActions, gh, githubWorkload},
		{"github.com enterprise issuer", must(providers.NewGitHubEnterprise("octo-inc")), gh,
			with(githubWorkload, func(w *claims.Workload) { w.Issuer += "/octo-inc" })},
		{"ghe.com", must(providers.NewGitHubDataResidency("octocorp", "")), gh, with(githubWorkload, func(w *claims.Workload) {
			w.Issuer = "https://token.actions.octocorp.ghe.com"
			w.RepositoryURL = "https://octocorp.ghe.com/haitch/jwtInspector"
			w.RunURL = "https://octocorp.ghe.com/haitch/jwtInspector/actions/runs/10988497055/attempts/1"
		})},
		{"ghe.com enterprise issuer", must(providers.NewGitHubDataResidency("octocorp", "octo-inc")), gh, with(githubWorkload, func(w *claims.Workload) {
			w.Issuer = "https://token.actions.octocorp.ghe.com/octo-inc"
			w.RepositoryURL = "https://octocorp.ghe.com/haitch/jwtInspector"
			w.RunURL = "https://octocorp.ghe.com/haitch/jwtInspector/actions/runs/10988497055/attempts/1"
		})},
		{"GitHub Enterprise Server", must(providers.NewGitHubServer("ghe.internal:8443")), gh, with(githubWorkload, func(w *claims.Workload) {
			w.Issuer = "https://ghe.internal:8443/_services/token"
			w.RepositoryURL = "https://ghe.internal:8443/haitch/jwtInspector"
			w.RunURL = "https://ghe.internal:8443/haitch/jwtInspector/actions/runs/10988497055/attempts/1"
		})},
		{"GitHub on a test issuer", providers.NewGitHub(oidc.Issuer{URL: "https://127.0.0.1:8443/"}), gh, with(githubWorkload, func(w *claims.Workload) {
			w.Issuer = "https://127.0.0.1:8443/"
			w.RepositoryURL = "https://127.0.0.1:8443/haitch/jwtInspector"
			w.RunURL = "https://127.0.0.1:8443/haitch/jwtInspector/actions/runs/10988497055/attempts/1"
		})},
		{"gitlab.com", providers.GitLabCom, gl, gitlabWorkload},
		{"GitLab self-managed under a path", providers.NewGitLab(oidc.Issuer{URL: "https://example.com/gitlab"}),
			providertest.GitLabProject("example.com/gitlab", "group/sub/hello", "ci/release.yml", "refs/tags/v1.0.0"),
			with(gitlabWorkload, func(w *claims.Workload) {
				w.Issuer = "https://example.com/gitlab"
				w.Repository = "group/sub/hello"
				w.RepositoryURL = "https://example.com/gitlab/group/sub/hello"
				w.Workflow = "ci/release.yml"
				w.Ref = "refs/tags/v1.0.0"
				w.RunURL = "https://example.com/gitlab/group/sub/hello/-/jobs/11530106120"
			})},
		{"google", providers.Google, providertest.GoogleClaims(), googleWorkload},
		{"activestate", providers.ActiveState, providertest.ActiveStateClaims(), activestateWorkload},
		{"activestate on a test issuer", providers.NewActiveState(oidc.Issuer{URL: "https://127.0.0.1:8443"}), providertest.ActiveStateClaims(),
			with(activestateWorkload, func(w *claims.Workload) {
				w.Issuer = "https://127.0.0.1:8443"
				w.RepositoryURL = "https://127.0.0.1:8443/ActiveState-Labs/pyproject-example"
			})},
		{"buildkite", providers.Buildkite, providertest.BuildkiteClaims(), buildkiteWorkload},
		{"buildkite on a test issuer", providers.NewBuildkite(oidc.Issuer{URL: "https://127.0.0.1:8443/buildkite"}), providertest.BuildkiteClaims(),
			with(buildkiteWorkload, func(w *claims.Workload) {
				w.Issuer = "https://127.0.0.1:8443/buildkite"
				w.RepositoryURL = "https://127.0.0.1:8443/buildkite/acme-inc/super-duper-app"
				w.RunURL = "https://127.0.0.1:8443/buildkite/acme-inc/super-duper-app/builds/42#0184990a-477b-4fa8-9968-496074483cee"
			})},
		{"no claims", providers.GitHubActions, nil, claims.Workload{Provider: claims.KindGitHub, Issuer: providers.GitHubIssuer}},
		{"typed nil claims", providers.GitHubActions, (*claims.GitHub)(nil), claims.Workload{Provider: claims.KindGitHub, Issuer: providers.GitHubIssuer}},
		{"claims of a foreign type", providers.GitHubActions, foreignSet{}, claims.Workload{Provider: claims.KindGitHub, Issuer: providers.GitHubIssuer, Repository: "octo-org/hello"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.prov.Workload(tc.set)); diff != "" {
				t.Errorf("Workload (-want +got):\n%s", diff)
			}
		})
	}
}

// foreignSet is a claims.Set of no type of package claims.
type foreignSet struct{}

func (foreignSet) Provider() claims.Kind { return claims.KindGitHub }
func (foreignSet) LookupKey() string     { return "octo-org/hello" }
func (foreignSet) Validate() error       { return nil }

// TestWorkloadEdges: values a run may hold that the URLs and paths must
// survive.
func TestWorkloadEdges(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(gh *claims.GitHub, gl *claims.GitLab)
		gh   func(*claims.Workload)
		gl   func(*claims.Workload)
	}{
		{"workflow pinned to the commit", func(gh *claims.GitHub, gl *claims.GitLab) {
			gh.WorkflowRef = "haitch/jwtInspector/.github/workflows/tokenTest.yml@" + gh.SHA
			gl.CIConfigRefURI = "gitlab.com/octocat/hello-world//.gitlab-ci.yml@" + gl.SHA
		}, nil, nil},
		{"repository case differs in workflow_ref", func(gh *claims.GitHub, gl *claims.GitLab) {
			gh.WorkflowRef = "Haitch/JWTInspector/.github/workflows/tokenTest.yml@refs/heads/main"
		}, nil, nil},
		{"an @ in the ref", func(gh *claims.GitHub, gl *claims.GitLab) {
			gh.Ref, gl.RefPath = "refs/heads/a@b", "refs/heads/a@b"
			gh.WorkflowRef = "haitch/jwtInspector/.github/workflows/tokenTest.yml@refs/heads/a@b"
			gl.CIConfigRefURI = "gitlab.com/octocat/hello-world//.gitlab-ci.yml@refs/heads/a@b"
		}, func(w *claims.Workload) { w.Ref = "refs/heads/a@b" }, func(w *claims.Workload) { w.Ref = "refs/heads/a@b" }},
		{"workflow of another repository", func(gh *claims.GitHub, gl *claims.GitLab) {
			gh.WorkflowRef = "octo-org/other/.github/workflows/tokenTest.yml@refs/heads/main"
		}, func(w *claims.Workload) { w.Workflow = "octo-org/other/.github/workflows/tokenTest.yml" }, nil},
		{"CI file defined outside the project", func(gh *claims.GitHub, gl *claims.GitLab) {
			gl.CIConfigRefURI, gl.CIConfigRefURINull = "", true
		}, nil, func(w *claims.Workload) { w.Workflow = "" }},
		{"no run", func(gh *claims.GitHub, gl *claims.GitLab) {
			gh.RunID, gh.RunAttempt, gl.JobID = "", "", ""
		}, func(w *claims.Workload) { w.RunURL = "" }, func(w *claims.Workload) { w.RunURL = "" }},
		{"no attempt", func(gh *claims.GitHub, gl *claims.GitLab) { gh.RunAttempt = "" },
			func(w *claims.Workload) { w.RunURL = "https://github.com/haitch/jwtInspector/actions/runs/10988497055" }, nil},
		{"ids that would climb out of the path", func(gh *claims.GitHub, gl *claims.GitLab) {
			gh.RunID, gh.RunAttempt, gl.JobID = "..", "1?x=#y", "../../admin"
		}, func(w *claims.Workload) {
			w.RunURL = "https://github.com/haitch/jwtInspector/actions/runs/%2E%2E/attempts/1%3Fx=%23y"
		}, func(w *claims.Workload) {
			w.RunURL = "https://gitlab.com/octocat/hello-world/-/jobs/%2E%2E/%2E%2E/admin"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gh, gl := providertest.GitHubClaims(), providertest.GitLabClaims()
			tc.edit(gh, gl)
			for _, c := range []struct {
				prov providers.Provider
				set  claims.Set
				want claims.Workload
				edit func(*claims.Workload)
			}{
				{providers.GitHubActions, gh, githubWorkload, tc.gh},
				{providers.GitLabCom, gl, gitlabWorkload, tc.gl},
			} {
				want := c.want
				if c.edit != nil {
					c.edit(&want)
				}
				if diff := cmp.Diff(want, c.prov.Workload(c.set)); diff != "" {
					t.Errorf("%s Workload (-want +got):\n%s", c.prov.Kind(), diff)
				}
			}
		})
	}
}
