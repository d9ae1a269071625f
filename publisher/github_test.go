package publisher_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// ghPats parses ref patterns a test knows to be valid.
func ghPats(t testing.TB, src ...string) []publisher.RefPattern {
	t.Helper()
	var out []publisher.RefPattern
	for _, s := range src {
		p, err := publisher.ParseRefPattern(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

const (
	ghTag     = "refs/tags/v1.2.0"
	ghSHA     = "8b42ec0b6b973f5465ddc4e667cee9ba26aeabb5" // the fixture's sha
	ghOwnerID = "9919"
	ghRepoID  = "860122172" // the fixture's repository_id
)

// ghMinimal is a policy with the required rules only.
func ghMinimal() *publisher.GitHub {
	return &publisher.GitHub{Owner: "octo-org", OwnerID: ghOwnerID, Repository: "hello", Workflow: "release.yml"}
}

// ghFull sets every optional rule too.
func ghFull(t testing.TB) *publisher.GitHub {
	p := ghMinimal()
	p.Environment = "Production"
	p.ReusableWorkflow = "octo-org/hello/.github/workflows/_publish.yml"
	p.Refs = ghPats(t, "refs/tags/v*", "refs/heads/main")
	p.RepositoryID = ghRepoID
	p.RequireProtectedRef = true
	p.RequireHostedRunner = true
	return p
}

// ghRelease is a run of release.yml on a tag of octo-org/hello (environment
// "Production", GitHub-hosted, as the real fixture).
func ghRelease() *claims.GitHub {
	return providertest.GitHubWorkflow("octo-org/hello", ghOwnerID, "release.yml", ghTag)
}

// released is ghRelease() run through a local reusable workflow on a
// protected ghTag: it satisfies full().
func ghReleased() *claims.GitHub {
	c := providertest.GitHubReusable(ghRelease(), "", "_publish.yml", "")
	c.RefProtected = "true"
	return c
}

func TestGitHubCheck(t *testing.T) {
	t.Parallel()
	wf := func(rest string) func(*claims.GitHub) {
		return func(c *claims.GitHub) { c.WorkflowRef = "octo-org/hello/" + rest }
	}
	job := func(ref string) func(*claims.GitHub) {
		return func(c *claims.GitHub) { c.JobWorkflowRef = ref }
	}
	workflowMiss := func(got string) []publisher.Mismatch {
		return []publisher.Mismatch{{Rule: "workflow", Claim: "workflow_ref", Want: "release.yml", Got: got}}
	}
	reusableMiss := func(want, got string) []publisher.Mismatch {
		return []publisher.Mismatch{{Rule: "reusable_workflow", Claim: "job_workflow_ref", Want: want, Got: got}}
	}
	const anyPin = "octo-org/hello/.github/workflows/_publish.yml@<any ref or commit>"
	tests := []struct {
		name string
		full bool                    // start from full() and ghReleased()
		pol  func(*publisher.GitHub) // edits the policy
		tok  func(*claims.GitHub)    // edits the claims
		want []publisher.Mismatch
	}{
		{name: "required rules match"},
		{name: "every rule matches", full: true},
		{name: "zero optional rules require nothing", tok: func(c *claims.GitHub) {
			c.Environment, c.RepositoryID, c.RefProtected, c.RunnerEnvironment = "", "", "", ""
			c.JobWorkflowRef = "other/repo/.github/workflows/x.yml@refs/heads/x"
		}},

		// repository: case-insensitive, ASCII only
		{name: "repository in another case", tok: func(c *claims.GitHub) { c.Repository = "Octo-Org/HELLO" }},
		{name: "repository differs", tok: func(c *claims.GitHub) { c.Repository = "octo-org/hello2" },
			want: []publisher.Mismatch{{Rule: "repository", Claim: "repository", Want: "octo-org/hello", Got: "octo-org/hello2"}}},
		{name: "repository Kelvin sign", pol: func(p *publisher.GitHub) { p.Repository = "kit" },
			tok: func(c *claims.GitHub) {
				c.Repository = "octo-org/\u212ait"
				c.WorkflowRef = "octo-org/kit/.github/workflows/release.yml@" + ghTag
			},
			want: []publisher.Mismatch{{Rule: "repository", Claim: "repository", Want: "octo-org/kit", Got: "octo-org/\u212ait"}}},

		// owner_id: pinned, required
		{name: "owner id differs (account re-registered)", tok: func(c *claims.GitHub) { c.RepositoryOwnerID = "1234" },
			want: []publisher.Mismatch{{Rule: "owner_id", Claim: "repository_owner_id", Want: ghOwnerID, Got: "1234"}}},
		{name: "owner id absent", tok: func(c *claims.GitHub) { c.RepositoryOwnerID = "" },
			want: []publisher.Mismatch{{Rule: "owner_id", Claim: "repository_owner_id", Want: ghOwnerID, Got: ""}}},

		// workflow: the calling workflow, exactly
		{name: "workflow repository part in another case", tok: func(c *claims.GitHub) {
			c.WorkflowRef = "OCTO-ORG/Hello/.github/workflows/release.yml@" + ghTag
		}},
		{name: "workflow at the run's sha", tok: wf(".github/workflows/release.yml@" + ghSHA)},
		{name: "workflow build.yml", tok: wf(".github/workflows/build.yml@" + ghTag), want: workflowMiss(".github/workflows/build.yml")},
		{name: "workflow release.yml.bak", tok: wf(".github/workflows/release.yml.bak@" + ghTag), want: workflowMiss(".github/workflows/release.yml.bak")},
		{name: "workflow sub/release.yml", tok: wf(".github/workflows/sub/release.yml@" + ghTag), want: workflowMiss(".github/workflows/sub/release.yml")},
		{name: "workflow x.yml@release.yml", tok: wf(".github/workflows/x.yml@release.yml"), want: workflowMiss(".github/workflows/x.yml")},
		{name: "workflow Release.yml", tok: wf(".github/workflows/Release.yml@" + ghTag), want: workflowMiss(".github/workflows/Release.yml")},
		{name: "workflow outside .github/workflows", tok: wf("release.yml@" + ghTag), want: workflowMiss("release.yml")},
		{name: "workflow of another repository", tok: func(c *claims.GitHub) {
			c.WorkflowRef = "octo-org/hello2/.github/workflows/release.yml@" + ghTag
		}, want: workflowMiss("octo-org/hello2/.github/workflows/release.yml@" + ghTag)},
		{name: "workflow repository prefix only", tok: func(c *claims.GitHub) {
			c.WorkflowRef = "octo-org/hellox/.github/workflows/release.yml@" + ghTag
		}, want: workflowMiss("octo-org/hellox/.github/workflows/release.yml@" + ghTag)},
		{name: "workflow file named release.yml@x.yml", tok: wf(".github/workflows/release.yml@x.yml@" + ghTag),
			want: []publisher.Mismatch{{Rule: "workflow", Claim: "workflow_ref",
				Want: "release.yml@" + ghTag + " (the run's ref) or @" + ghSHA + " (its commit)",
				Got:  ".github/workflows/release.yml@x.yml@" + ghTag}}},
		{name: "workflow at another ref than the run's", tok: wf(".github/workflows/release.yml@refs/heads/dev"),
			want: []publisher.Mismatch{{Rule: "workflow", Claim: "workflow_ref",
				Want: "release.yml@" + ghTag + " (the run's ref) or @" + ghSHA + " (its commit)",
				Got:  ".github/workflows/release.yml@refs/heads/dev"}}},
		{name: "workflow without @", tok: wf(".github/workflows/release.yml"),
			want: []publisher.Mismatch{{Rule: "workflow", Claim: "workflow_ref",
				Want: "release.yml@" + ghTag + " (the run's ref) or @" + ghSHA + " (its commit)",
				Got:  ".github/workflows/release.yml@"}}},
		{name: "workflow with empty ref and sha", tok: func(c *claims.GitHub) {
			c.Ref, c.SHA = "", ""
			c.WorkflowRef = "octo-org/hello/.github/workflows/release.yml@"
		}, want: []publisher.Mismatch{{Rule: "workflow", Claim: "workflow_ref",
			Want: "release.yml@(none) (the run's ref) or @(none) (its commit)",
			Got:  ".github/workflows/release.yml@"}}},
		{name: "workflow named by the workflow claim only", tok: func(c *claims.GitHub) {
			c.Workflow = "release.yml"
			c.WorkflowRef = "octo-org/hello/.github/workflows/build.yml@" + ghTag
		}, want: workflowMiss(".github/workflows/build.yml")},

		// environment: case-insensitive, ASCII only, required when named
		{name: "environment in another case", pol: func(p *publisher.GitHub) { p.Environment = "production" }},
		{name: "environment differs", pol: func(p *publisher.GitHub) { p.Environment = "pypi" },
			want: []publisher.Mismatch{{Rule: "environment", Claim: "environment", Want: "pypi", Got: "Production"}}},
		{name: "environment absent", pol: func(p *publisher.GitHub) { p.Environment = "pypi" },
			tok:  func(c *claims.GitHub) { c.Environment = "" },
			want: []publisher.Mismatch{{Rule: "environment", Claim: "environment", Want: "pypi", Got: ""}}},
		{name: "environment Kelvin sign", pol: func(p *publisher.GitHub) { p.Environment = "kube" },
			tok:  func(c *claims.GitHub) { c.Environment = "\u212aube" },
			want: []publisher.Mismatch{{Rule: "environment", Claim: "environment", Want: "kube", Got: "\u212aube"}}},

		// event: refused triggers
		{name: "event release", tok: func(c *claims.GitHub) { c.EventName = "release" }},
		{name: "event pull_request_target", tok: func(c *claims.GitHub) { c.EventName = "pull_request_target" },
			want: []publisher.Mismatch{{Rule: "event", Claim: "event_name", Want: "a trigger other than pull_request_target and workflow_run", Got: "pull_request_target"}}},
		{name: "event workflow_run", tok: func(c *claims.GitHub) { c.EventName = "workflow_run" },
			want: []publisher.Mismatch{{Rule: "event", Claim: "event_name", Want: "a trigger other than pull_request_target and workflow_run", Got: "workflow_run"}}},

		// refs: glob on the full ref
		{name: "refs second pattern", full: true, tok: func(c *claims.GitHub) {
			c.Ref = "refs/heads/main"
			c.WorkflowRef = "octo-org/hello/.github/workflows/release.yml@refs/heads/main"
			c.JobWorkflowRef = "octo-org/hello/.github/workflows/_publish.yml@refs/heads/main"
		}},
		{name: "refs no pattern matches", full: true, tok: func(c *claims.GitHub) {
			c.Ref = "refs/tags/v1/x"
			c.WorkflowRef = "octo-org/hello/.github/workflows/release.yml@" + ghSHA
		}, want: []publisher.Mismatch{{Rule: "refs", Claim: "ref", Want: "a ref matching refs/tags/v* or refs/heads/main", Got: "refs/tags/v1/x"}}},
		{name: "refs empty ref", full: true, tok: func(c *claims.GitHub) {
			c.Ref = ""
			c.WorkflowRef = "octo-org/hello/.github/workflows/release.yml@" + ghSHA
		}, want: []publisher.Mismatch{{Rule: "refs", Claim: "ref", Want: "a ref matching refs/tags/v* or refs/heads/main", Got: ""}}},

		// require_protected_ref
		{name: "ref not protected", full: true, tok: func(c *claims.GitHub) { c.RefProtected = "false" },
			want: []publisher.Mismatch{{Rule: "require_protected_ref", Claim: "ref_protected", Want: "a protected ref (true)", Got: "false"}}},
		{name: "ref protection unknown", full: true, tok: func(c *claims.GitHub) { c.RefProtected = "" },
			want: []publisher.Mismatch{{Rule: "require_protected_ref", Claim: "ref_protected", Want: "a protected ref (true)", Got: ""}}},
		{name: "ref protected TRUE is not true", full: true, tok: func(c *claims.GitHub) { c.RefProtected = "TRUE" },
			want: []publisher.Mismatch{{Rule: "require_protected_ref", Claim: "ref_protected", Want: "a protected ref (true)", Got: "TRUE"}}},

		// require_hosted_runner
		{name: "self-hosted runner", full: true, tok: func(c *claims.GitHub) { c.RunnerEnvironment = "self-hosted" },
			want: []publisher.Mismatch{{Rule: "require_hosted_runner", Claim: "runner_environment", Want: "github-hosted", Got: "self-hosted"}}},
		{name: "runner unknown (older token)", full: true, tok: func(c *claims.GitHub) { c.RunnerEnvironment = "" },
			want: []publisher.Mismatch{{Rule: "require_hosted_runner", Claim: "runner_environment", Want: "github-hosted", Got: ""}}},

		// repository_id
		{name: "repository recreated", full: true, tok: func(c *claims.GitHub) { c.RepositoryID = "999" },
			want: []publisher.Mismatch{{Rule: "repository_id", Claim: "repository_id", Want: ghRepoID, Got: "999"}}},
		{name: "repository id absent (older token)", full: true, tok: func(c *claims.GitHub) { c.RepositoryID = "" },
			want: []publisher.Mismatch{{Rule: "repository_id", Claim: "repository_id", Want: ghRepoID, Got: ""}}},

		// reusable_workflow
		{name: "reusable owner/repo in another case", full: true,
			tok: job("Octo-Org/HELLO/.github/workflows/_publish.yml@" + ghTag)},
		{name: "reusable at a sha, unpinned", full: true,
			tok: job("octo-org/hello/.github/workflows/_publish.yml@" + ghSHA)},
		{name: "reusable not used (job runs in the caller)", full: true, tok: job("octo-org/hello/.github/workflows/release.yml@" + ghTag),
			want: reusableMiss(anyPin, "octo-org/hello/.github/workflows/release.yml@"+ghTag)},
		{name: "reusable path in another case", full: true, tok: job("octo-org/hello/.github/workflows/_Publish.yml@" + ghTag),
			want: reusableMiss(anyPin, "octo-org/hello/.github/workflows/_Publish.yml@"+ghTag)},
		{name: "reusable from another repository", full: true, tok: job("evil/hello/.github/workflows/_publish.yml@" + ghTag),
			want: reusableMiss(anyPin, "evil/hello/.github/workflows/_publish.yml@"+ghTag)},
		{name: "reusable in a sub-directory", full: true, tok: job("octo-org/hello/.github/workflows/x/_publish.yml@" + ghTag),
			want: reusableMiss(anyPin, "octo-org/hello/.github/workflows/x/_publish.yml@"+ghTag)},
		{name: "reusable file named _publish.yml@x.yml", full: true, tok: job("octo-org/hello/.github/workflows/_publish.yml@x.yml@" + ghTag),
			want: reusableMiss(anyPin, "octo-org/hello/.github/workflows/_publish.yml@x.yml@"+ghTag)},
		{name: "reusable file named _publish.yml@refs", full: true, tok: job("octo-org/hello/.github/workflows/_publish.yml@refs@" + ghTag),
			want: reusableMiss(anyPin, "octo-org/hello/.github/workflows/_publish.yml@refs@"+ghTag)},
		{name: "reusable without @", full: true, tok: job("octo-org/hello/.github/workflows/_publish.yml"),
			want: reusableMiss(anyPin, "octo-org/hello/.github/workflows/_publish.yml")},
		{name: "reusable with empty pin", full: true, tok: job("octo-org/hello/.github/workflows/_publish.yml@"),
			want: reusableMiss(anyPin, "octo-org/hello/.github/workflows/_publish.yml@")},
		{name: "reusable pinned to a ghTag", full: true,
			pol: func(p *publisher.GitHub) { p.ReusableWorkflow = "ci/wf/.github/workflows/pub.yml@refs/tags/v3" },
			tok: job("CI/WF/.github/workflows/pub.yml@refs/tags/v3")},
		{name: "reusable pinned, another ghTag", full: true,
			pol:  func(p *publisher.GitHub) { p.ReusableWorkflow = "ci/wf/.github/workflows/pub.yml@refs/tags/v3" },
			tok:  job("ci/wf/.github/workflows/pub.yml@refs/tags/v3.1"),
			want: reusableMiss("ci/wf/.github/workflows/pub.yml@refs/tags/v3", "ci/wf/.github/workflows/pub.yml@refs/tags/v3.1")},
		{name: "reusable pinned to a sha", full: true,
			pol: func(p *publisher.GitHub) { p.ReusableWorkflow = "ci/wf/.github/workflows/pub.yml@" + ghSHA },
			tok: job("ci/wf/.github/workflows/pub.yml@" + ghSHA)},
		{name: "reusable pinned to a sha, branch used", full: true,
			pol:  func(p *publisher.GitHub) { p.ReusableWorkflow = "ci/wf/.github/workflows/pub.yml@" + ghSHA },
			tok:  job("ci/wf/.github/workflows/pub.yml@refs/heads/main"),
			want: reusableMiss("ci/wf/.github/workflows/pub.yml@"+ghSHA, "ci/wf/.github/workflows/pub.yml@refs/heads/main")},
		{name: "reusable set, caller must still match", full: true, tok: wf(".github/workflows/other.yml@" + ghTag),
			want: workflowMiss(".github/workflows/other.yml")},

		// several at once, in rule order
		{name: "every rule fails", full: true, tok: func(c *claims.GitHub) {
			c.Repository, c.RepositoryOwnerID, c.RepositoryID = "octo-org/other", "1", "2"
			c.WorkflowRef = "octo-org/other/.github/workflows/release.yml@" + ghTag
			c.JobWorkflowRef, c.Environment, c.EventName = "", "", "workflow_run"
			c.Ref, c.RefProtected, c.RunnerEnvironment = "refs/heads/dev", "false", "self-hosted"
		}, want: []publisher.Mismatch{
			{Rule: "repository", Claim: "repository", Want: "octo-org/hello", Got: "octo-org/other"},
			{Rule: "owner_id", Claim: "repository_owner_id", Want: ghOwnerID, Got: "1"},
			{Rule: "repository_id", Claim: "repository_id", Want: ghRepoID, Got: "2"},
			{Rule: "workflow", Claim: "workflow_ref", Want: "release.yml", Got: "octo-org/other/.github/workflows/release.yml@" + ghTag},
			{Rule: "reusable_workflow", Claim: "job_workflow_ref", Want: anyPin, Got: ""},
			{Rule: "environment", Claim: "environment", Want: "Production", Got: ""},
			{Rule: "event", Claim: "event_name", Want: "a trigger other than pull_request_target and workflow_run", Got: "workflow_run"},
			{Rule: "refs", Claim: "ref", Want: "a ref matching refs/tags/v* or refs/heads/main", Got: "refs/heads/dev"},
			{Rule: "require_protected_ref", Claim: "ref_protected", Want: "a protected ref (true)", Got: "false"},
			{Rule: "require_hosted_runner", Claim: "runner_environment", Want: "github-hosted", Got: "self-hosted"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, c := ghMinimal(), ghRelease()
			if tt.full {
				p, c = ghFull(t), ghReleased()
			}
			if tt.pol != nil {
				tt.pol(p)
			}
			if tt.tok != nil {
				tt.tok(c)
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("the test's policy is invalid: %v", err)
			}
			if diff := cmp.Diff(tt.want, p.Check(c)); diff != "" {
				t.Errorf("Check mismatches (-want +got):\n%s", diff)
			}
		})
	}
}

// ghOtherSet is a claims set of another provider.
type ghOtherSet struct{}

func (ghOtherSet) Provider() claims.Kind { return claims.KindGitLab }
func (ghOtherSet) LookupKey() string     { return "octo-org/hello" }
func (ghOtherSet) Validate() error       { return nil }

func TestGitHubCheckOtherProvider(t *testing.T) {
	t.Parallel()
	want := []publisher.Mismatch{{Rule: "provider", Claim: "iss", Want: "github", Got: "gitlab"}}
	if diff := cmp.Diff(want, ghMinimal().Check(ghOtherSet{})); diff != "" {
		t.Error(diff)
	}
	want[0].Got = "no claims"
	if diff := cmp.Diff(want, ghMinimal().Check((*claims.GitHub)(nil))); diff != "" {
		t.Error(diff)
	}
}

func TestGitHubMismatchWording(t *testing.T) {
	t.Parallel()
	c := ghRelease()
	c.WorkflowRef = "octo-org/hello/.github/workflows/build.yml@" + ghTag
	c.Environment = ""
	p := ghMinimal()
	p.Environment = "pypi"
	var got []string
	for _, m := range p.Check(c) {
		got = append(got, m.String())
	}
	want := []string{
		"workflow: the publisher expects release.yml, the token was issued to \".github/workflows/build.yml\" (claim workflow_ref)",
		"environment: the publisher expects pypi, the token was issued to no environment (claim environment)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

func TestGitHubValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		field string // named in the error
		edit  func(*publisher.GitHub)
	}{
		{"issuer http", "issuer", func(p *publisher.GitHub) { p.IssuerURL = "http://token.actions.githubusercontent.com" }},
		{"issuer trailing slash", "issuer", func(p *publisher.GitHub) { p.IssuerURL = "https://token.actions.githubusercontent.com/" }},
		{"issuer upper-case host", "issuer", func(p *publisher.GitHub) { p.IssuerURL = "https://Token.actions.githubusercontent.com" }},
		{"issuer query", "issuer", func(p *publisher.GitHub) { p.IssuerURL = "https://ghe.example/_services/token?x=1" }},
		{"issuer fragment", "issuer", func(p *publisher.GitHub) { p.IssuerURL = "https://ghe.example/_services/token#x" }},
		{"issuer user", "issuer", func(p *publisher.GitHub) { p.IssuerURL = "https://u@ghe.example/_services/token" }},
		{"issuer dot-dot", "issuer", func(p *publisher.GitHub) { p.IssuerURL = "https://ghe.example/x/../_services/token" }},
		{"issuer double slash", "issuer", func(p *publisher.GitHub) { p.IssuerURL = "https://ghe.example//_services/token" }},
		{"issuer bad port", "issuer", func(p *publisher.GitHub) { p.IssuerURL = "https://ghe.example:0443/_services/token" }},
		{"issuer no host", "issuer", func(p *publisher.GitHub) { p.IssuerURL = "https:///_services/token" }},
		{"empty owner", "owner", func(p *publisher.GitHub) { p.Owner = "" }},
		{"owner with slash", "owner", func(p *publisher.GitHub) { p.Owner = "octo/org" }},
		{"owner non-ASCII", "owner", func(p *publisher.GitHub) { p.Owner = "\u212aube" }},
		{"empty owner id", "owner_id", func(p *publisher.GitHub) { p.OwnerID = "" }},
		{"non-numeric owner id", "owner_id", func(p *publisher.GitHub) { p.OwnerID = "octo-org" }},
		{"negative owner id", "owner_id", func(p *publisher.GitHub) { p.OwnerID = "-1" }},
		{"owner id with leading zero", "owner_id", func(p *publisher.GitHub) { p.OwnerID = "09919" }},
		{"owner id too long", "owner_id", func(p *publisher.GitHub) { p.OwnerID = strings.Repeat("9", 21) }},
		{"empty repository", "repository", func(p *publisher.GitHub) { p.Repository = "" }},
		{"repository with owner", "repository", func(p *publisher.GitHub) { p.Repository = "octo-org/hello" }},
		{"repository dot-dot", "repository", func(p *publisher.GitHub) { p.Repository = ".." }},
		{"empty workflow", "workflow", func(p *publisher.GitHub) { p.Workflow = "" }},
		{"workflow path", "workflow", func(p *publisher.GitHub) { p.Workflow = ".github/workflows/release.yml" }},
		{"workflow sub-directory", "workflow", func(p *publisher.GitHub) { p.Workflow = "sub/release.yml" }},
		{"workflow with ref", "workflow", func(p *publisher.GitHub) { p.Workflow = "release.yml@refs/heads/main" }},
		{"workflow not yaml", "workflow", func(p *publisher.GitHub) { p.Workflow = "release.json" }},
		{"workflow only extension", "workflow", func(p *publisher.GitHub) { p.Workflow = ".yml" }},
		{"workflow with space", "workflow", func(p *publisher.GitHub) { p.Workflow = "my release.yml" }},
		{"environment with spaces around", "environment", func(p *publisher.GitHub) { p.Environment = " pypi" }},
		{"environment control character", "environment", func(p *publisher.GitHub) { p.Environment = "py\npi" }},
		{"environment too long", "environment", func(p *publisher.GitHub) { p.Environment = strings.Repeat("e", 256) }},
		{"environment 256 characters", "environment", func(p *publisher.GitHub) { p.Environment = strings.Repeat("é", 256) }},
		{"environment Unicode control", "environment", func(p *publisher.GitHub) { p.Environment = "py\u0085pi" }},
		{"environment invalid UTF-8", "environment", func(p *publisher.GitHub) { p.Environment = "py\xffpi" }},
		{"repository id not numeric", "repository_id", func(p *publisher.GitHub) { p.RepositoryID = "abc" }},
		{"empty refs list", "refs", func(p *publisher.GitHub) { p.Refs = []publisher.RefPattern{} }},
		{"zero ref pattern", "refs", func(p *publisher.GitHub) { p.Refs = []publisher.RefPattern{{}} }},
		{"reusable without owner", "reusable_workflow", func(p *publisher.GitHub) { p.ReusableWorkflow = "hello/.github/workflows/pub.yml" }},
		{"reusable file only", "reusable_workflow", func(p *publisher.GitHub) { p.ReusableWorkflow = "pub.yml" }},
		{"reusable outside workflows", "reusable_workflow", func(p *publisher.GitHub) { p.ReusableWorkflow = "o/r/pub.yml" }},
		{"reusable sub-directory", "reusable_workflow", func(p *publisher.GitHub) { p.ReusableWorkflow = "o/r/.github/workflows/x/pub.yml" }},
		{"reusable local form", "reusable_workflow", func(p *publisher.GitHub) { p.ReusableWorkflow = "./.github/workflows/pub.yml" }},
		{"reusable short ghTag pin", "reusable_workflow", func(p *publisher.GitHub) { p.ReusableWorkflow = "o/r/.github/workflows/pub.yml@v1" }},
		{"reusable empty pin", "reusable_workflow", func(p *publisher.GitHub) { p.ReusableWorkflow = "o/r/.github/workflows/pub.yml@" }},
		{"reusable short sha pin", "reusable_workflow", func(p *publisher.GitHub) { p.ReusableWorkflow = "o/r/.github/workflows/pub.yml@8b42ec0" }},
		{"reusable upper-case sha pin", "reusable_workflow", func(p *publisher.GitHub) {
			p.ReusableWorkflow = "o/r/.github/workflows/pub.yml@" + strings.ToUpper(ghSHA)
		}},
		{"reusable refs/ pin only", "reusable_workflow", func(p *publisher.GitHub) { p.ReusableWorkflow = "o/r/.github/workflows/pub.yml@refs/" }},
		{"reusable scheme", "reusable_workflow", func(p *publisher.GitHub) { p.ReusableWorkflow = "https://github.com/o/r/.github/workflows/pub.yml" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ghFull(t)
			tt.edit(p)
			err := p.Validate()
			if !errors.Is(err, publisher.ErrPolicy) {
				t.Fatalf("Validate = %v, want ErrPolicy", err)
			}
			if !strings.Contains(err.Error(), "github "+tt.field+":") {
				t.Errorf("error %q does not name field %s", err, tt.field)
			}
		})
	}
	for _, ok := range []func(*publisher.GitHub){
		func(*publisher.GitHub) {},
		func(p *publisher.GitHub) { *p = *ghMinimal() },
		func(p *publisher.GitHub) { p.IssuerURL = "https://token.actions.githubusercontent.com/octo-inc" },
		func(p *publisher.GitHub) { p.IssuerURL = "https://token.actions.acme.ghe.com" },
		func(p *publisher.GitHub) { p.IssuerURL = "https://ghe.example.com:8443/_services/token" },
		func(p *publisher.GitHub) { p.Workflow = "release.yaml" },
		func(p *publisher.GitHub) { p.Environment = "prod: eu/1 (main)" },
		func(p *publisher.GitHub) { p.Environment = strings.Repeat("é", 255) },
		func(p *publisher.GitHub) { p.OwnerID = "0" },
		func(p *publisher.GitHub) { p.ReusableWorkflow = "O/R/.github/workflows/pub.yml@" + ghSHA },
		func(p *publisher.GitHub) { p.ReusableWorkflow = "o/r/.github/workflows/pub.yml@refs/heads/release/v1" },
	} {
		p := ghFull(t)
		ok(p)
		if err := p.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", p, err)
		}
	}
}

func TestGitHubValidateNoAllocs(t *testing.T) {
	p := ghFull(t)
	p.IssuerURL = "https://ghe.example.com/_services/token"
	if n := testing.AllocsPerRun(100, func() { _ = p.Validate() }); n != 0 {
		t.Errorf("Validate allocates %v times per call; the verifier calls it per candidate", n)
	}
}

func TestGitHubCheckNoAllocs(t *testing.T) {
	p, c := ghMinimal(), ghRelease()
	p.Environment = "production"
	if n := testing.AllocsPerRun(100, func() {
		if p.Check(c) != nil {
			t.Fatal("no match")
		}
	}); n != 0 {
		t.Errorf("a matching Check allocates %v times", n)
	}
}

func TestGitHubJSON(t *testing.T) {
	t.Parallel()
	p := ghFull(t)
	p.IssuerURL = "https://ghe.example.com/_services/token"
	p.ReusableWorkflow = "ci/wf/.github/workflows/pub.yml@refs/tags/v3"
	in := publisher.Registered{ID: "pkg", Policy: p}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":"pkg","provider":"github","policy":{"issuer":"https://ghe.example.com/_services/token",` +
		`"owner":"octo-org","owner_id":"9919","repository":"hello","workflow":"release.yml","environment":"Production",` +
		`"reusable_workflow":"ci/wf/.github/workflows/pub.yml@refs/tags/v3","refs":["refs/tags/v*","refs/heads/main"],` +
		`"repository_id":"860122172","require_protected_ref":true,"require_hosted_runner":true}}`
	if string(b) != want {
		t.Errorf("JSON:\n got %s\nwant %s", b, want)
	}
	var out publisher.Registered
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	got := out.Policy.(*publisher.GitHub)
	if diff := cmp.Diff(p, got, cmp.Comparer(func(a, b publisher.RefPattern) bool { return a.String() == b.String() })); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// The decoded patterns are compiled, not just strings.
	if !got.Refs[0].Match("refs/tags/v2") || got.Refs[0].Match("refs/tags/v2/x") {
		t.Error("decoded pattern does not match as refs/tags/v*")
	}

	// Zero optional rules are omitted, and read back as zero.
	b, err = json.Marshal(publisher.Registered{ID: "min", Policy: ghMinimal()})
	if err != nil {
		t.Fatal(err)
	}
	if s := `{"id":"min","provider":"github","policy":{"owner":"octo-org","owner_id":"9919","repository":"hello","workflow":"release.yml"}}`; string(b) != s {
		t.Errorf("minimal JSON %s", b)
	}

	for name, doc := range map[string]string{
		"ref pattern without refs/": `"refs":["v*"]`,
		"ref pattern with ?":        `"refs":["refs/tags/v?"]`,
		"ref pattern with ***":      `"refs":["refs/***"]`,
		"ref pattern with [":        `"refs":["refs/tags/v[0-9]"]`,
		"ref pattern empty":         `"refs":[""]`,
		"ref pattern not a string":  `"refs":[1]`,
		"refs empty list":           `"refs":[]`,
		"refs not a list":           `"refs":"refs/tags/v*"`,
		"misspelt rule":             `"require_protected_refs":true`,
		"rule in another case":      `"Require_Protected_Ref":true`,
		"duplicate rule":            `"environment":"pypi","environment":"Production"`,
		"bad reusable workflow":     `"reusable_workflow":"ci/wf/pub.yml"`,
		"boolean as string":         `"require_hosted_runner":"true"`,
	} {
		doc := `{"id":"x","provider":"github","policy":{"owner":"o","owner_id":"1","repository":"r","workflow":"w.yml",` + doc + `}}`
		if err := json.Unmarshal([]byte(doc), new(publisher.Registered)); !errors.Is(err, publisher.ErrPolicy) {
			t.Errorf("%s: Unmarshal = %v, want ErrPolicy", name, err)
		}
	}
}

// TestValidateWorkflowAt: a workflow or CI file whose name contains "@"
// can never match (the provider's claim ends the path at the first "@"),
// and the error says so rather than blaming the extension.
func TestValidateWorkflowAt(t *testing.T) {
	gh := ghMinimal()
	gh.Workflow = "release@v1.yml"
	ghReusable := ghMinimal()
	ghReusable.ReusableWorkflow = "o/r/.github/workflows/pub@v1.yml@refs/tags/v1"
	gl := glPolicy()
	gl.CIConfigPath = "ci/release@v1.yml"
	for _, tc := range []struct {
		p     publisher.Policy
		field string
	}{{gh, "github workflow"}, {ghReusable, "github reusable_workflow"}, {gl, "gitlab ci_config_path"}} {
		err := tc.p.Validate()
		if !errors.Is(err, publisher.ErrPolicy) || !strings.Contains(err.Error(), tc.field+":") ||
			!strings.Contains(err.Error(), "'@'") || strings.Contains(err.Error(), "ending in .yml") {
			t.Errorf("%s: Validate = %v, want ErrPolicy saying the name contains '@'", tc.field, err)
		}
	}
}
