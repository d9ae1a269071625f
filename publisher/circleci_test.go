package publisher_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// The fixture's ids (providertest.CircleCIClaims) and another UUID.
const (
	cciOrg      = "3f2b8c1e-5d4a-4e6b-9c7d-8a1b2c3d4e5f"
	cciProject  = "7c9e6a4b-2f1d-4b8a-a3e5-6d7f8091a2b3"
	cciPipeline = "5e8d2a1c-9b3f-5c7e-8a2d-4f6b1c3e5a7d"
	cciContext  = "8b1e4d7a-0c3f-4a6e-9d2b-5c8f1a4e7b0d"
	cciOther    = "00000000-0000-4000-8000-000000000001"
)

// cciPolicy is the publisher the fixture's token satisfies, as npm
// registers it.
func cciPolicy() *publisher.CircleCI {
	return &publisher.CircleCI{OrganizationID: cciOrg, ProjectID: cciProject, PipelineDefinitionID: cciPipeline,
		VCSOrigin: "github.com/octo-org/hello-world"}
}

func TestCircleCICheck(t *testing.T) {
	t.Parallel()
	const origin = "github.com/octo-org/hello-world"
	sshWant := "a job not re-run with SSH (false; allow_ssh_rerun accepts one)"
	cases := []ruleCase[publisher.CircleCI, claims.CircleCI]{
		{name: "fixture"},
		{name: "every optional rule satisfied", policy: func(p *publisher.CircleCI) {
			p.ContextIDs, p.Refs = []string{cciOther, cciContext}, glPats(t, "refs/tags/v*")
		}, claims: func(c *claims.CircleCI) { c.ContextIDs = append(c.ContextIDs, cciOther) }},
		{name: "SSH re-run allowed", policy: func(p *publisher.CircleCI) { p.AllowSSHRerun = true },
			claims: func(c *claims.CircleCI) { c.SSHRerun = new(true) }},

		{name: "other organization", claims: func(c *claims.CircleCI) { c.OrganizationID = cciOther },
			want: []publisher.Mismatch{{Rule: "organization_id", Claim: "oidc.circleci.com/org-id", Want: cciOrg, Got: cciOther}}},
		{name: "other project", claims: func(c *claims.CircleCI) { c.ProjectID = cciOther },
			want: []publisher.Mismatch{{Rule: "project_id", Claim: "oidc.circleci.com/project-id", Want: cciProject, Got: cciOther}}},
		{name: "other pipeline definition", claims: func(c *claims.CircleCI) { c.PipelineDefinitionID = cciOther },
			want: []publisher.Mismatch{{Rule: "pipeline_definition_id", Claim: "oidc.circleci.com/pipeline-definition-id",
				Want: cciPipeline, Got: cciOther}}},
		{name: "a fork", claims: func(c *claims.CircleCI) { c.VCSOrigin = "github.com/mallory/hello-world" },
			want: []publisher.Mismatch{{Rule: "vcs_origin", Claim: "oidc.circleci.com/vcs-origin", Want: origin,
				Got: "github.com/mallory/hello-world"}}},
		{name: "vcs-origin compared with case", claims: func(c *claims.CircleCI) { c.VCSOrigin = "github.com/Octo-Org/hello-world" },
			want: []publisher.Mismatch{{Rule: "vcs_origin", Claim: "oidc.circleci.com/vcs-origin", Want: origin,
				Got: "github.com/Octo-Org/hello-world"}}},
		{name: "custom webhook: no vcs claims", policy: func(p *publisher.CircleCI) { p.Refs = glPats(t, "refs/**") },
			claims: func(c *claims.CircleCI) { c.VCSOrigin, c.VCSRef = "", "" },
			want: []publisher.Mismatch{
				{Rule: "vcs_origin", Claim: "oidc.circleci.com/vcs-origin", Want: origin},
				{Rule: "refs", Claim: "oidc.circleci.com/vcs-ref", Want: "a ref matching refs/**"},
			}},
		{name: "no context of the policy's", policy: func(p *publisher.CircleCI) { p.ContextIDs = []string{cciOther} },
			want: []publisher.Mismatch{{Rule: "context_ids", Claim: "oidc.circleci.com/context-ids", Want: "context " + cciOther,
				Got: cciContext}}},
		{name: "no context at all", policy: func(p *publisher.CircleCI) { p.ContextIDs = []string{cciContext, cciOther} },
			claims: func(c *claims.CircleCI) { c.ContextIDs = nil },
			want: []publisher.Mismatch{{Rule: "context_ids", Claim: "oidc.circleci.com/context-ids",
				Want: "one of the contexts " + cciContext + ", " + cciOther}}},
		{name: "a branch", policy: func(p *publisher.CircleCI) { p.Refs = glPats(t, "refs/tags/v*") },
			claims: func(c *claims.CircleCI) { c.VCSRef = "refs/heads/v1" },
			want: []publisher.Mismatch{{Rule: "refs", Claim: "oidc.circleci.com/vcs-ref", Want: "a ref matching refs/tags/v*",
				Got: "refs/heads/v1"}}},
		{name: "SSH re-run", claims: func(c *claims.CircleCI) { c.SSHRerun = new(true) },
			want: []publisher.Mismatch{{Rule: "allow_ssh_rerun", Claim: "oidc.circleci.com/ssh-rerun", Want: sshWant, Got: "true"}}},
		{name: "ssh-rerun unknown", claims: func(c *claims.CircleCI) { c.SSHRerun = nil },
			want: []publisher.Mismatch{{Rule: "allow_ssh_rerun", Claim: "oidc.circleci.com/ssh-rerun", Want: sshWant}}},
	}
	checkRules(t, cciPolicy, providertest.CircleCIClaims, (*publisher.CircleCI).Rules(nil), cases)
	claimsDocumented(t, &claims.CircleCI{}, (*publisher.CircleCI).Rules(nil))
}

// TestCircleCIOtherKinds: a CircleCI policy matches no other provider's
// claims, and no other policy matches CircleCI's.
func TestCircleCIOtherKinds(t *testing.T) {
	t.Parallel()
	for _, set := range []claims.Set{providertest.GitHubClaims(), providertest.GitLabClaims(), providertest.GoogleClaims(),
		providertest.ActiveStateClaims(), nil} {
		got := cciPolicy().Check(set)
		if len(got) != 1 || got[0].Rule != "provider" || got[0].Want != "circleci" {
			t.Errorf("Check(%T) = %v", set, got)
		}
	}
	for _, p := range []publisher.Policy{ghMinimal(), glPolicy(), googPolicy(), asPolicy()} {
		want := []publisher.Mismatch{{Rule: "provider", Claim: "iss", Want: string(p.Provider()), Got: "circleci"}}
		if diff := cmp.Diff(want, p.Check(providertest.CircleCIClaims())); diff != "" {
			t.Errorf("%s policy (-want +got):\n%s", p.Provider(), diff)
		}
	}
}

func TestCircleCIValidate(t *testing.T) {
	t.Parallel()
	const upper = "3F2B8C1E-5D4A-4E6B-9C7D-8A1B2C3D4E5F"
	for _, tc := range []struct {
		name  string
		edit  func(*publisher.CircleCI)
		field string
	}{
		{"fixture's", nil, ""},
		{"every field", func(p *publisher.CircleCI) {
			p.IssuerURL, p.ContextIDs, p.Refs, p.AllowSSHRerun = "https://127.0.0.1:8443/org/x", []string{cciContext}, glPats(t, "refs/tags/*"), true
		}, ""},
		{"the organization's own issuer", func(p *publisher.CircleCI) { p.IssuerURL = providers.CircleCIIssuer(cciOrg) }, ""},
		{"a GitLab origin in a subgroup", func(p *publisher.CircleCI) { p.VCSOrigin = "gitlab.com/group/sub/project" }, ""},
		{"another organization's issuer", func(p *publisher.CircleCI) { p.IssuerURL = providers.CircleCIIssuer(cciOther) }, "issuer"},
		{"issuer with a trailing slash", func(p *publisher.CircleCI) { p.IssuerURL = providers.CircleCIIssuer(cciOrg) + "/" }, "issuer"},
		{"no organization", func(p *publisher.CircleCI) { p.OrganizationID = "" }, "organization_id"},
		{"organization upper case", func(p *publisher.CircleCI) { p.OrganizationID = upper }, "organization_id"},
		{"organization by name", func(p *publisher.CircleCI) { p.OrganizationID = "octo-org" }, "organization_id"},
		{"no project", func(p *publisher.CircleCI) { p.ProjectID = "" }, "project_id"},
		{"project with a slash", func(p *publisher.CircleCI) { p.ProjectID = cciProject[:35] + "/" }, "project_id"},
		{"no pipeline definition", func(p *publisher.CircleCI) { p.PipelineDefinitionID = "" }, "pipeline_definition_id"},
		{"pipeline definition upper case", func(p *publisher.CircleCI) { p.PipelineDefinitionID = strings.ToUpper(cciPipeline) },
			"pipeline_definition_id"},
		{"no vcs origin", func(p *publisher.CircleCI) { p.VCSOrigin = "" }, "vcs_origin"},
		{"vcs origin with a scheme", func(p *publisher.CircleCI) { p.VCSOrigin = "https://github.com/octo-org/hello-world" }, "vcs_origin"},
		{"vcs origin without a repository", func(p *publisher.CircleCI) { p.VCSOrigin = "github.com/octo-org" }, "vcs_origin"},
		{"vcs origin host upper case", func(p *publisher.CircleCI) { p.VCSOrigin = "GitHub.com/octo-org/hello-world" }, "vcs_origin"},
		{"vcs origin with dots", func(p *publisher.CircleCI) { p.VCSOrigin = "github.com/octo-org/../x" }, "vcs_origin"},
		{"vcs origin trailing slash", func(p *publisher.CircleCI) { p.VCSOrigin = "github.com/octo-org/hello-world/" }, "vcs_origin"},
		{"empty context list", func(p *publisher.CircleCI) { p.ContextIDs = []string{} }, "context_ids"},
		{"context by name", func(p *publisher.CircleCI) { p.ContextIDs = []string{"release"} }, "context_ids"},
		{"context twice", func(p *publisher.CircleCI) { p.ContextIDs = []string{cciContext, cciOther, cciContext} }, "context_ids"},
		{"too many contexts", func(p *publisher.CircleCI) {
			for i := range 65 {
				p.ContextIDs = append(p.ContextIDs, fmt.Sprintf("00000000-0000-4000-8000-%012x", i))
			}
		}, "context_ids"},
		{"empty refs", func(p *publisher.CircleCI) { p.Refs = []publisher.RefPattern{} }, "refs"},
		{"zero ref pattern", func(p *publisher.CircleCI) { p.Refs = []publisher.RefPattern{{}} }, "refs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := cciPolicy()
			if tc.edit != nil {
				tc.edit(p)
			}
			wantPolicyField(t, p.Validate(), "circleci", tc.field)
		})
	}
}

func TestCircleCIJSON(t *testing.T) {
	t.Parallel()
	src := `[{"id":"npm-hello","provider":"circleci","packages":["hello-world"],"policy":{"organization_id":"` + cciOrg +
		`","project_id":"` + cciProject + `","pipeline_definition_id":"` + cciPipeline + `","vcs_origin":"github.com/octo-org/hello-world",` +
		`"context_ids":["` + cciContext + `"],"refs":["refs/tags/v*"],"allow_ssh_rerun":true}}]`
	pubs, err := publisher.LoadPublishers(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	want := cciPolicy()
	want.ContextIDs, want.Refs, want.AllowSSHRerun = []string{cciContext}, glPats(t, "refs/tags/v*"), true
	refEq := cmp.Comparer(func(a, b publisher.RefPattern) bool { return a.String() == b.String() })
	if diff := cmp.Diff([]publisher.Registered{{ID: "npm-hello", Policy: want, Packages: []string{"hello-world"}}}, pubs, refEq); diff != "" {
		t.Fatal(diff)
	}
	p := pubs[0].Policy
	if p.Issuer() != "https://oidc.circleci.com/org/"+cciOrg || p.LookupKey() != cciOrg+"/"+cciProject ||
		p.LookupKey() != providertest.CircleCIClaims().LookupKey() {
		t.Errorf("Issuer, LookupKey = %q, %q", p.Issuer(), p.LookupKey())
	}
	if got := p.(publisher.Specific).Specificity(); got != 2 {
		t.Errorf("Specificity = %d, want 2 (context_ids, refs)", got)
	}
	b, err := json.Marshal(pubs[0])
	if err != nil {
		t.Fatal(err)
	}
	var back publisher.Registered
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pubs[0], back, refEq); diff != "" {
		t.Errorf("round trip (-before +after):\n%s", diff)
	}
	for name, bad := range map[string]string{
		"no vcs_origin":        `{"organization_id":"` + cciOrg + `","project_id":"` + cciProject + `","pipeline_definition_id":"` + cciPipeline + `"}`,
		"explicit null":        `{"organization_id":"` + cciOrg + `","project_id":"` + cciProject + `","pipeline_definition_id":"` + cciPipeline + `","vcs_origin":"github.com/o/r","context_ids":null}`,
		"CircleCI's own names": `{"oidc.circleci.com/org-id":"` + cciOrg + `"}`,
	} {
		err := json.Unmarshal([]byte(`{"id":"p","provider":"circleci","policy":`+bad+`}`), &back)
		if !errors.Is(err, publisher.ErrPolicy) {
			t.Errorf("%s: %v, want ErrPolicy", name, err)
		}
	}
}
