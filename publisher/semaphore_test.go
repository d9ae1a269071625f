package publisher_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

const (
	semOrgID = "d7dd33ad-9317-498c-9cc6-51c250749be7"
	semPrjID = "936a5312-a3b8-4921-8b3f-2cec8baac574"
	semSub   = "org:acme:project:" + semPrjID + ":repo:hello-py:ref_type:tag:ref:refs/tags/v1.2.0"
)

// semPolicy is the publisher the fixture's token satisfies.
func semPolicy() *publisher.Semaphore {
	return &publisher.Semaphore{Organization: "acme", OrganizationID: semOrgID, Project: "hello-py",
		ProjectID: semPrjID, RepoSlug: "acme-labs/hello-py"}
}

// semFull is semPolicy with every optional rule set.
func semFull(t testing.TB) *publisher.Semaphore {
	p := semPolicy()
	p.Refs = glPats(t, "refs/tags/v*")
	return p
}

func TestSemaphoreCheck(t *testing.T) {
	t.Parallel()
	const other = "00000000-0000-4000-8000-000000000000"
	subWant := "org:acme:project:" + semPrjID + ":repo:hello-py:ref_type:…"
	cases := []ruleCase[publisher.Semaphore, claims.Semaphore]{
		{name: "fixture"},
		{name: "refs", policy: func(p *publisher.Semaphore) { p.Refs = glPats(t, "refs/tags/v*") }},
		{name: "branch", policy: func(p *publisher.Semaphore) { p.Refs = glPats(t, "refs/heads/main", "refs/tags/v*") },
			claims: func(c *claims.Semaphore) {
				c.Ref, c.RefType, c.Branch, c.Tag = "refs/heads/main", "branch", "main", ""
				c.Subject = "org:acme:project:" + semPrjID + ":repo:hello-py:ref_type:branch:ref:refs/heads/main"
			}},
		{name: "repository name in sub in another case", claims: func(c *claims.Semaphore) {
			c.Subject = strings.Replace(c.Subject, "hello-py", "Hello-Py", 1)
		}},
		{name: "ref outside refs", policy: func(p *publisher.Semaphore) { p.Refs = glPats(t, "refs/tags/v2.*") },
			want: []publisher.Mismatch{{Rule: "refs", Claim: "ref", Want: "a ref matching refs/tags/v2.*", Got: "refs/tags/v1.2.0"}}},
		{name: "pull request", claims: func(c *claims.Semaphore) {
			c.RefType, c.Ref, c.PR, c.PRBranch = "pull-request", "refs/pull/7/merge", "7", "patch-1"
		}, want: []publisher.Mismatch{{Rule: "ref_type", Claim: "ref_type",
			Want: "a branch or a tag (a pull request's job never publishes)", Got: "pull-request"}}},
		{name: "pull request matching refs", policy: func(p *publisher.Semaphore) { p.Refs = glPats(t, "refs/**") },
			claims: func(c *claims.Semaphore) { c.RefType = "pr" },
			want: []publisher.Mismatch{{Rule: "ref_type", Claim: "ref_type",
				Want: "a branch or a tag (a pull request's job never publishes)", Got: "pr"}}},
		{name: "debug job", claims: func(c *claims.Semaphore) { c.JobType = "debug_job" },
			want: []publisher.Mismatch{{Rule: "job_type", Claim: "job_type", Want: "pipeline_job (a debug job is a person's shell)", Got: "debug_job"}}},
		{name: "project debug job", policy: func(p *publisher.Semaphore) { p.Refs = glPats(t, "refs/tags/*") },
			claims: func(c *claims.Semaphore) {
				c.JobType, c.Ref, c.RefType, c.WorkflowID, c.PipelineID = "project_debug_job", "", "", "", ""
			},
			want: []publisher.Mismatch{
				{Rule: "refs", Claim: "ref", Want: "a ref matching refs/tags/*"},
				{Rule: "ref_type", Claim: "ref_type", Want: "a branch or a tag (a pull request's job never publishes)"},
				{Rule: "job_type", Claim: "job_type", Want: "pipeline_job (a debug job is a person's shell)", Got: "project_debug_job"},
			}},
		{name: "no job type", claims: func(c *claims.Semaphore) { c.JobType = "" },
			want: []publisher.Mismatch{{Rule: "job_type", Claim: "job_type", Want: "pipeline_job (a debug job is a person's shell)"}}},
		{name: "another organization", claims: func(c *claims.Semaphore) {
			c.Organization, c.OrganizationID = "evil", other
			c.Subject = strings.Replace(c.Subject, "org:acme:", "org:evil:", 1)
		}, want: []publisher.Mismatch{
			{Rule: "subject", Claim: "sub", Want: subWant, Got: strings.Replace(semSub, "org:acme:", "org:evil:", 1)},
			{Rule: "organization", Claim: "org", Want: "acme", Got: "evil"},
			{Rule: "organization_id", Claim: "org_id", Want: semOrgID, Got: other},
		}},
		{name: "organization re-created under the name", claims: func(c *claims.Semaphore) { c.OrganizationID = other },
			want: []publisher.Mismatch{{Rule: "organization_id", Claim: "org_id", Want: semOrgID, Got: other}}},
		{name: "project re-created under the name", claims: func(c *claims.Semaphore) {
			c.ProjectID = other
			c.Subject = strings.Replace(c.Subject, semPrjID, other, 1)
		}, want: []publisher.Mismatch{
			{Rule: "subject", Claim: "sub", Want: subWant, Got: strings.Replace(semSub, semPrjID, other, 1)},
			{Rule: "project_id", Claim: "prj_id", Want: semPrjID, Got: other},
		}},
		{name: "project renamed", claims: func(c *claims.Semaphore) { c.Project = "hello" },
			want: []publisher.Mismatch{{Rule: "project", Claim: "prj", Want: "hello-py", Got: "hello"}}},
		{name: "project compared with case", policy: func(p *publisher.Semaphore) { p.Project = "Hello-Py" },
			want: []publisher.Mismatch{{Rule: "project", Claim: "prj", Want: "Hello-Py", Got: "hello-py"}}},
		{name: "repository slug compared with case", claims: func(c *claims.Semaphore) { c.RepoSlug = "Acme-Labs/hello-py" },
			want: []publisher.Mismatch{{Rule: "repo_slug", Claim: "repo_slug", Want: "acme-labs/hello-py", Got: "Acme-Labs/hello-py"}}},
		{name: "another repository", claims: func(c *claims.Semaphore) {
			c.RepoSlug, c.Subject = "acme-labs/hello", strings.Replace(c.Subject, ":repo:hello-py:", ":repo:hello:", 1)
		}, want: []publisher.Mismatch{
			{Rule: "subject", Claim: "sub", Want: subWant, Got: strings.Replace(semSub, ":repo:hello-py:", ":repo:hello:", 1)},
			{Rule: "repo_slug", Claim: "repo_slug", Want: "acme-labs/hello-py", Got: "acme-labs/hello"},
		}},
		{name: "sub repository name glued", claims: func(c *claims.Semaphore) {
			c.Subject = strings.Replace(c.Subject, ":repo:hello-py:", ":repo:hello-pyx:", 1)
		}, want: []publisher.Mismatch{{Rule: "subject", Claim: "sub", Want: subWant,
			Got: strings.Replace(semSub, ":repo:hello-py:", ":repo:hello-pyx:", 1)}}},
		{name: "sub cut after the repository", claims: func(c *claims.Semaphore) {
			c.Subject = "org:acme:project:" + semPrjID + ":repo:hello-py"
		}, want: []publisher.Mismatch{{Rule: "subject", Claim: "sub", Want: subWant, Got: "org:acme:project:" + semPrjID + ":repo:hello-py"}}},
	}
	checkRules(t, semPolicy, providertest.SemaphoreClaims, (*publisher.Semaphore).Rules(nil), cases)
	claimsDocumented(t, &claims.Semaphore{}, (*publisher.Semaphore).Rules(nil))
	if got := semPolicy().Check(providertest.ActiveStateClaims()); len(got) != 1 || got[0].Rule != "provider" {
		t.Errorf("Check(ActiveState claims) = %v", got)
	}
}

func TestSemaphoreValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		edit  func(*publisher.Semaphore)
		field string
	}{
		{"fixture's", nil, ""},
		{"test issuer", func(p *publisher.Semaphore) { p.IssuerURL = "https://127.0.0.1:8443" }, ""},
		{"refs", func(p *publisher.Semaphore) { p.Refs = glPats(t, "refs/tags/v*") }, ""},
		{"GitLab subgroup slug", func(p *publisher.Semaphore) { p.RepoSlug = "group/sub/hello-py" }, ""},
		{"bad issuer", func(p *publisher.Semaphore) { p.IssuerURL = "acme.semaphoreci.com" }, "issuer"},
		{"own real issuer", func(p *publisher.Semaphore) { p.IssuerURL = "https://acme.semaphoreci.com" }, ""},
		{"another organization's issuer", func(p *publisher.Semaphore) { p.IssuerURL = "https://umbrella.semaphoreci.com" }, "issuer"},
		{"another organization's issuer, upper case", func(p *publisher.Semaphore) { p.IssuerURL = "https://umbrella.SEMAPHORECI.com" }, "issuer"},
		{"no organization", func(p *publisher.Semaphore) { p.Organization = "" }, "organization"},
		{"organization upper case", func(p *publisher.Semaphore) { p.Organization = "Acme" }, "organization"},
		{"organization with a dot", func(p *publisher.Semaphore) { p.Organization = "acme.evil" }, "organization"},
		{"organization ends in -", func(p *publisher.Semaphore) { p.Organization = "acme-" }, "organization"},
		{"no organization id", func(p *publisher.Semaphore) { p.OrganizationID = "" }, "organization_id"},
		{"organization id upper case", func(p *publisher.Semaphore) { p.OrganizationID = strings.ToUpper(semOrgID) }, "organization_id"},
		{"no project", func(p *publisher.Semaphore) { p.Project = "" }, "project"},
		{"project with a colon", func(p *publisher.Semaphore) { p.Project = "a:b" }, "project"},
		{"project starting with a dot", func(p *publisher.Semaphore) { p.Project = ".hello" }, "project"},
		{"project id not a UUID", func(p *publisher.Semaphore) { p.ProjectID = "hello-py" }, "project_id"},
		{"no repository slug", func(p *publisher.Semaphore) { p.RepoSlug = "" }, "repo_slug"},
		{"repository without owner", func(p *publisher.Semaphore) { p.RepoSlug = "hello-py" }, "repo_slug"},
		{"repository URL", func(p *publisher.Semaphore) { p.RepoSlug = "https://github.com/acme-labs/hello-py" }, "repo_slug"},
		{"repository slug ends in /", func(p *publisher.Semaphore) { p.RepoSlug = "acme-labs/" }, "repo_slug"},
		{"empty refs", func(p *publisher.Semaphore) { p.Refs = []publisher.RefPattern{} }, "refs"},
		{"zero pattern", func(p *publisher.Semaphore) { p.Refs = []publisher.RefPattern{{}} }, "refs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := semPolicy()
			if tc.edit != nil {
				tc.edit(p)
			}
			wantPolicyField(t, p.Validate(), "semaphore", tc.field)
		})
	}
}

func TestSemaphoreJSON(t *testing.T) {
	t.Parallel()
	var r publisher.Registered
	src := `{"id":"pypi:hello-py","provider":"semaphore","policy":{"organization":"acme","organization_id":"` + semOrgID +
		`","project":"hello-py","project_id":"` + semPrjID + `","repo_slug":"acme-labs/hello-py","refs":["refs/tags/v*"]},
		"packages":["hello-py"]}`
	if err := json.Unmarshal([]byte(src), &r); err != nil {
		t.Fatal(err)
	}
	want := semPolicy()
	want.Refs = glPats(t, "refs/tags/v*")
	refs := cmp.Comparer(func(a, b publisher.RefPattern) bool { return a.String() == b.String() })
	if diff := cmp.Diff(publisher.Registered{ID: "pypi:hello-py", Policy: want, Packages: []string{"hello-py"}}, r, refs); diff != "" {
		t.Fatal(diff)
	}
	if r.Policy.Issuer() != "https://acme.semaphoreci.com" || r.Policy.Issuer() != providers.SemaphoreIssuer("acme") ||
		r.Policy.LookupKey() != semPrjID || r.Policy.LookupKey() != providertest.SemaphoreClaims().LookupKey() {
		t.Errorf("Issuer, LookupKey = %q, %q", r.Policy.Issuer(), r.Policy.LookupKey())
	}
	written, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var again publisher.Registered
	if err := json.Unmarshal(written, &again); err != nil {
		t.Fatalf("%s: %v", written, err)
	}
	if diff := cmp.Diff(r, again, refs); diff != "" {
		t.Errorf("round trip (-first +second):\n%s", diff)
	}
	for name, bad := range map[string]string{
		"no repo_slug":       `"organization":"acme","organization_id":"` + semOrgID + `","project":"p","project_id":"` + semPrjID + `"`,
		"org_id misspelt":    `"organization":"acme","org_id":"` + semOrgID + `","project":"p","project_id":"` + semPrjID + `","repo_slug":"a/b"`,
		"refs without refs/": `"organization":"acme","organization_id":"` + semOrgID + `","project":"p","project_id":"` + semPrjID + `","repo_slug":"a/b","refs":["v*"]`,
	} {
		err := json.Unmarshal([]byte(`{"id":"p","provider":"semaphore","policy":{`+bad+`}}`), &r)
		if !errors.Is(err, publisher.ErrPolicy) {
			t.Errorf("%s: %v, want ErrPolicy", name, err)
		}
	}
}

// The organizations of the end-to-end tests: acme is the fixture's;
// umbrella has a project that looks like acme's in every field but the
// organization; ghost is named by no publisher.
const (
	umbOrgID = "5b1f0d2e-7c3a-4e9b-8d6f-0a1b2c3d4e5f"
	semPipe  = "5e8d2a1c-9b3f-5c7e-8a2d-4f6b1c3e5a7d" // the look-alike CircleCI publisher's pipeline definition
)

// semOrg is the kit's issuer of a Semaphore organization, served by s.
func semOrg(t *testing.T, s *providertest.Issuer, org string) *providertest.Issuer {
	t.Helper()
	m, err := s.SemaphoreOrg(org)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// semOn is semPolicy moved to another organization (umbrella: the same
// project, repository and ids but the organization's), on the kit member's
// issuer.
func semOn(t *testing.T, s *providertest.Issuer, org, orgID string) *publisher.Semaphore {
	t.Helper()
	p := semPolicy()
	p.Organization, p.OrganizationID, p.IssuerURL = org, orgID, semOrg(t, s, org).URL()
	return p
}

// semClaimsOf is the fixture's job run in another organization.
func semClaimsOf(org, orgID string) *claims.Semaphore {
	c := providertest.SemaphoreClaims()
	c.Organization, c.OrganizationID = org, orgID
	c.Subject = strings.Replace(c.Subject, "org:acme:", "org:"+org+":", 1)
	return c
}

// mintSem mints a token of the organization c names (nil: the fixture),
// signed by its own issuer: Semaphore's 24 hours of life.
func mintSem(t *testing.T, s *providertest.Issuer, c *claims.Semaphore, opts ...oidctest.MintOption) string {
	t.Helper()
	tok, err := s.MintSemaphore(c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// mintSemBy mints c as the member issuer m would, with Semaphore's habits,
// whatever organization c names.
func mintSemBy(t *testing.T, m *providertest.Issuer, c *claims.Semaphore, opts ...oidctest.MintOption) string {
	t.Helper()
	tok, err := m.Mint(c, append([]oidctest.MintOption{oidctest.Lifetime(providers.SemaphoreLifetime), oidctest.NotBefore(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// semVerifier trusts s's Semaphore family, and provs, with pubs in a
// MemoryStore (which admits the organizations its publishers name). The
// verifier's MaxLifetime is the default: the family's own cap lets
// Semaphore's 24-hour tokens through.
func semVerifier(t *testing.T, s *providertest.Issuer, provs []providers.Provider, pubs ...publisher.Registered) (*publisher.MemoryStore, *publisher.Verifier) {
	t.Helper()
	store, err := publisher.NewMemoryStore(pubs...)
	if err != nil {
		t.Fatal(err)
	}
	v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: append(provs, s.Semaphore()),
		Publishers: store, HTTPClient: s.Client()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return store, v
}

// TestSemaphoreVerify runs an organization's tokens through a Verifier
// trusting the family: a match, a replay, and the jobs no policy lets
// publish (pull requests, debug jobs), each refusal explained.
func TestSemaphoreVerify(t *testing.T) {
	t.Parallel()
	s := providertest.New(t, oidctest.Options{})
	acme := semOrg(t, s, "acme")
	_, v := semVerifier(t, s, nil, publisher.Registered{ID: "sem", Policy: semOn(t, s, "acme", semOrgID), Packages: []string{"hello-py"}})
	ctx := context.Background()
	tok := mintSem(t, s, nil)
	res, err := v.VerifyPackage(ctx, tok, "hello-py")
	if err != nil {
		t.Fatal(err)
	}
	w := res.Workload()
	if c, ok := res.Claims.(*claims.Semaphore); !ok || c.ProjectID != semPrjID || len(res.Publishers) != 1 ||
		res.Token.Issuer != acme.URL() || res.Token.Expiry.Sub(res.Token.IssuedAt) != 24*time.Hour {
		t.Errorf("claims %+v, publishers %v, token %+v", res.Claims, res.Publishers, res.Token)
	}
	if w.Issuer != acme.URL() || w.RunURL != acme.URL()+"/jobs/c117e453-1189-4eaf-b03a-dd6538eb49b2" ||
		w.RepositoryURL != acme.URL()+"/projects/hello-py" || w.Repository != "acme-labs/hello-py" {
		t.Errorf("workload %+v", w)
	}
	if _, err := v.Verify(ctx, tok); !errors.Is(err, oidc.ErrReplayed) {
		t.Errorf("second Verify = %v, want ErrReplayed", err)
	}

	refType := publisher.Mismatch{Rule: "ref_type", Claim: "ref_type", Want: "a branch or a tag (a pull request's job never publishes)"}
	jobType := publisher.Mismatch{Rule: "job_type", Claim: "job_type", Want: "pipeline_job (a debug job is a person's shell)"}
	with := func(m publisher.Mismatch, got string) publisher.Mismatch { m.Got = got; return m }
	for _, tc := range []struct {
		name string
		edit func(*claims.Semaphore)
		want []publisher.Mismatch
	}{
		{"pull request", func(c *claims.Semaphore) {
			c.RefType, c.Ref, c.Branch, c.Tag, c.PR, c.PRBranch = "pull-request", "refs/pull/7/merge", "main", "", "7", "patch-1"
			c.Subject = "org:acme:project:" + semPrjID + ":repo:hello-py:ref_type:pull-request:ref:refs/pull/7/merge"
		}, []publisher.Mismatch{with(refType, "pull-request")}},
		{"pull request, as the documented sub spells it", func(c *claims.Semaphore) {
			c.RefType, c.Ref, c.PR = "pr", "refs/pull/7/merge", "7"
		}, []publisher.Mismatch{with(refType, "pr")}},
		{"debug job", func(c *claims.Semaphore) { c.JobType = "debug_job" }, []publisher.Mismatch{with(jobType, "debug_job")}},
		{"project debug job", func(c *claims.Semaphore) {
			c.JobType, c.Ref, c.RefType, c.Tag, c.Branch, c.WorkflowID, c.PipelineID, c.Trigger = "project_debug_job", "", "", "", "", "", "", ""
		}, []publisher.Mismatch{refType, with(jobType, "project_debug_job")}},
		{"no job type", func(c *claims.Semaphore) { c.JobType = "" }, []publisher.Mismatch{jobType}},
	} {
		c := providertest.SemaphoreClaims()
		tc.edit(c)
		_, err := v.VerifyPackage(ctx, mintSem(t, s, c), "hello-py")
		if diff := cmp.Diff(map[string][]publisher.Mismatch{"sem": tc.want}, rejections(t, err)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}

	for name, tc := range map[string]struct {
		opt   oidctest.MintOption
		class error
	}{
		"upper-case prj_id": {oidctest.Claim("prj_id", strings.ToUpper(semPrjID)), claims.ErrInvalid},
		"no org_id":         {oidctest.Claim("org_id", nil), claims.ErrMissing},
		"org_id a number":   {oidctest.Claim("org_id", 7), claims.ErrType},
	} {
		if _, err := v.Verify(ctx, mintSem(t, s, nil, tc.opt)); !errors.Is(err, publisher.ErrClaims) || !errors.Is(err, tc.class) {
			t.Errorf("%s: %v, want ErrClaims and %v", name, err, tc.class)
		}
	}
}

// TestSemaphoreLifetime: Semaphore's family caps its own tokens at 24 h, so
// a verifier with the default MaxLifetime (6 h) takes Semaphore's 24-hour
// tokens and still refuses a 24-hour token of every other issuer.
func TestSemaphoreLifetime(t *testing.T) {
	t.Parallel()
	s := providertest.New(t, oidctest.Options{})
	gh := &publisher.GitHub{IssuerURL: s.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml"}
	_, v := semVerifier(t, s, []providers.Provider{s.GitHub()}, publisher.Registered{ID: "sem", Policy: semOn(t, s, "acme", semOrgID)},
		publisher.Registered{ID: "gh", Policy: gh})
	ghMint := func(opts ...oidctest.MintOption) string {
		tok, err := s.MintGitHub(providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0"), opts...)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		tok  string
		want error // nil: accepted
	}{
		{"Semaphore, 24 h", mintSem(t, s, nil), nil},
		{"Semaphore, 24 h and a minute", mintSem(t, s, nil, oidctest.Lifetime(24*time.Hour+time.Minute)), oidc.ErrLifetime},
		{"Semaphore, 25 h", mintSem(t, s, nil, oidctest.Lifetime(25*time.Hour)), oidc.ErrLifetime},
		{"GitHub, its own lifetime", ghMint(), nil},
		{"GitHub, 6 h", ghMint(oidctest.Lifetime(6 * time.Hour)), nil},
		{"GitHub, 24 h", ghMint(oidctest.Lifetime(24 * time.Hour)), oidc.ErrLifetime},
	} {
		res, err := v.Verify(ctx, tc.tok)
		switch {
		case tc.want == nil && (err != nil || len(res.Publishers) != 1):
			t.Errorf("%s: %+v, %v; want accepted", tc.name, res, err)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestSemaphoreCrossOrganization: two organizations registered, each its
// own issuer with its own keys, and a project of the second that looks like
// the first's in every field but the organization. A token of one never
// satisfies the other's publisher, whichever issuer or key it comes with;
// an organization no publisher names costs no request at all.
func TestSemaphoreCrossOrganization(t *testing.T) {
	t.Parallel()
	s := providertest.New(t, oidctest.Options{})
	acme, umbrella, ghost := semOrg(t, s, "acme"), semOrg(t, s, "umbrella"), semOrg(t, s, "ghost")
	store, v := semVerifier(t, s, nil, publisher.Registered{ID: "acme", Policy: semOn(t, s, "acme", semOrgID)},
		publisher.Registered{ID: "umbrella", Policy: semOn(t, s, "umbrella", umbOrgID)})
	ctx := context.Background()
	only := func(t *testing.T, tok, id string) {
		t.Helper()
		res, err := v.Verify(ctx, tok)
		if err != nil || len(res.Publishers) != 1 || res.Publishers[0].ID != id {
			t.Fatalf("Verify = %+v, %v; want %s's publisher alone", res, err, id)
		}
	}
	claimErr := func(t *testing.T, err error, claim string) {
		t.Helper()
		var ce *claims.Error
		if !errors.Is(err, publisher.ErrClaims) || !errors.As(err, &ce) || ce.Claim != claim {
			t.Fatalf("Verify = %v; want ErrClaims on %s", err, claim)
		}
	}

	t.Run("each organization's own token", func(t *testing.T) {
		only(t, mintSem(t, s, nil), "acme")
		only(t, mintSem(t, s, semClaimsOf("umbrella", umbOrgID)), "umbrella")
	})
	t.Run("acme's issuer, umbrella's org", func(t *testing.T) {
		_, err := v.Verify(ctx, mintSemBy(t, acme, semClaimsOf("umbrella", umbOrgID)))
		claimErr(t, err, "org")
		if !errors.Is(err, claims.ErrInvalid) {
			t.Errorf("%v, want claims.ErrInvalid", err)
		}
	})
	t.Run("umbrella's issuer, acme's claims", func(t *testing.T) {
		_, err := v.Verify(ctx, mintSemBy(t, umbrella, providertest.SemaphoreClaims()))
		claimErr(t, err, "org")
	})
	t.Run("acme's key, umbrella's issuer", func(t *testing.T) {
		tok := mintSemBy(t, acme, semClaimsOf("umbrella", umbOrgID), oidctest.IssuerURL(umbrella.URL()))
		if _, err := v.Verify(ctx, tok); !errors.Is(err, oidc.ErrUnknownKey) {
			t.Errorf("Verify = %v, want ErrUnknownKey", err)
		}
		tok = mintSemBy(t, acme, semClaimsOf("umbrella", umbOrgID), oidctest.IssuerURL(umbrella.URL()),
			oidctest.Header("kid", umbrella.Signer().ID))
		if _, err := v.Verify(ctx, tok); !errors.Is(err, oidc.ErrSignature) {
			t.Errorf("umbrella's kid: Verify = %v, want ErrSignature", err)
		}
	})
	t.Run("acme's organization id under umbrella's name", func(t *testing.T) {
		_, err := v.Verify(ctx, mintSem(t, s, semClaimsOf("umbrella", semOrgID)))
		want := map[string][]publisher.Mismatch{"umbrella": {{Rule: "organization_id", Claim: "org_id", Want: umbOrgID, Got: semOrgID}}}
		if diff := cmp.Diff(want, rejections(t, err)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("an organization no publisher names", func(t *testing.T) {
		// ghost's issuer is up and would answer; the verifier never asks.
		for _, c := range []*claims.Semaphore{semClaimsOf("ghost", umbOrgID), semClaimsOf("ghost", semOrgID)} {
			if _, err := v.Verify(ctx, mintSem(t, s, c)); !errors.Is(err, oidc.ErrIssuer) {
				t.Errorf("ghost's token: %v, want ErrIssuer", err)
			}
		}
		if n, m := ghost.Requests("/.well-known/openid-configuration"), ghost.JWKSRequests(); n != 0 || m != 0 {
			t.Errorf("ghost's issuer was asked %d times for discovery and %d for keys", n, m)
		}
		if acme.Requests("/.well-known/openid-configuration") == 0 || acme.JWKSRequests() == 0 {
			t.Error("acme's issuer was never asked: the counters prove nothing")
		}
	})
	t.Run("an organization whose last publisher is removed", func(t *testing.T) {
		if !store.Remove("umbrella") {
			t.Fatal("Remove(umbrella) = false")
		}
		if _, err := v.Verify(ctx, mintSem(t, s, semClaimsOf("umbrella", umbOrgID))); !errors.Is(err, oidc.ErrIssuer) {
			t.Errorf("umbrella's token once unregistered: %v, want ErrIssuer", err)
		}
		if err := store.Add(publisher.Registered{ID: "umbrella", Policy: semOn(t, s, "umbrella", umbOrgID)}); err != nil {
			t.Fatal(err)
		}
		only(t, mintSem(t, s, semClaimsOf("umbrella", umbOrgID)), "umbrella")
	})
}

// TestSemaphoreCrossProvider: a Semaphore project, a CircleCI project, a
// GitHub repository and a Buildkite pipeline that look alike (the same
// organization id, project id, owner and repository names). Each
// provider's tokens satisfy only its own publisher, even from a store that
// offers the other kinds on the token's own issuer and key; a token of one
// provider's claims from another's issuer is malformed there; and a
// publisher of one kind cannot be registered on another's issuer.
func TestSemaphoreCrossProvider(t *testing.T) {
	t.Parallel()
	s, bk := providertest.New(t, oidctest.Options{}), providertest.New(t, oidctest.Options{Path: "/buildkite"})
	acme := semOrg(t, s, "acme")
	cciOrgIss, err := s.CircleCIOrg(semOrgID) // CircleCI's member for the same organization id
	if err != nil {
		t.Fatal(err)
	}
	pols := map[claims.Kind]func(iss string) publisher.Policy{
		claims.KindSemaphore: func(iss string) publisher.Policy { p := semPolicy(); p.IssuerURL = iss; return p },
		claims.KindCircleCI: func(iss string) publisher.Policy {
			return &publisher.CircleCI{IssuerURL: iss, OrganizationID: semOrgID, ProjectID: semPrjID,
				PipelineDefinitionID: semPipe, VCSOrigin: "github.com/acme-labs/hello-py"}
		},
		claims.KindGitHub: func(iss string) publisher.Policy {
			return &publisher.GitHub{IssuerURL: iss, Owner: "acme-labs", OwnerID: "9919", Repository: "hello-py", Workflow: "release.yml"}
		},
		claims.KindBuildkite: func(iss string) publisher.Policy {
			return &publisher.Buildkite{IssuerURL: iss, OrganizationSlug: "acme", PipelineSlug: "hello-py"}
		},
	}
	issuers := map[claims.Kind]string{claims.KindSemaphore: acme.URL(), claims.KindCircleCI: cciOrgIss.URL(),
		claims.KindGitHub: s.URL(), claims.KindBuildkite: bk.URL()}
	provs := []providers.Provider{s.GitHub(), s.CircleCI(), bk.Buildkite(), s.Semaphore()}

	cci := providertest.CircleCIClaims()
	cci.OrganizationID, cci.ProjectID, cci.PipelineDefinitionID, cci.VCSOrigin = semOrgID, semPrjID, semPipe, "github.com/acme-labs/hello-py"
	cci.Subject = "org/" + semOrgID + "/project/" + semPrjID + "/user/b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e/vcs-origin/github.com/acme-labs/hello-py/vcs-ref/refs/tags/v1.2.0"
	ghClaims := providertest.GitHubWorkflow("acme-labs/hello-py", "9919", "release.yml", "refs/tags/v1.2.0")
	toks := map[claims.Kind]string{claims.KindSemaphore: mintSem(t, s, nil)}
	if toks[claims.KindCircleCI], err = s.MintCircleCI(cci); err != nil {
		t.Fatal(err)
	}
	if toks[claims.KindGitHub], err = s.MintGitHub(ghClaims); err != nil {
		t.Fatal(err)
	}
	toks[claims.KindBuildkite] = mintBK(t, bk, bkOf("acme", "hello-py", bkOrgID, bkPipelineID))

	var pubs []publisher.Registered
	for kind, pol := range pols {
		pubs = append(pubs, publisher.Registered{ID: string(kind), Policy: pol(issuers[kind])})
	}
	ctx := context.Background()
	t.Run("each token, its own publisher", func(t *testing.T) {
		store, err := publisher.NewMemoryStore(pubs...)
		if err != nil {
			t.Fatal(err)
		}
		v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: provs, Publishers: store, HTTPClient: s.Client()})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		for kind, tok := range toks {
			res, err := v.Verify(ctx, tok)
			if err != nil || len(res.Publishers) != 1 || res.Publishers[0].ID != string(kind) {
				t.Errorf("%s token: %+v, %v; want publisher %s alone", kind, res, err, kind)
			}
		}
	})

	// A store that answers every lookup with the publishers of the other
	// kinds, on the token's own issuer and key: none is even a candidate.
	for kind, tok := range toks {
		t.Run(string(kind)+" token, the other kinds' publishers", func(t *testing.T) {
			store := storeFunc(func(_ context.Context, issuer, _ string) ([]publisher.Registered, error) {
				var out []publisher.Registered
				for other, pol := range pols {
					if other != kind {
						out = append(out, publisher.Registered{ID: string(other), Policy: pol(issuer)})
					}
				}
				return out, nil
			})
			v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: provs, Publishers: store,
				HTTPClient: s.Client(), FamilyMembers: []string{acme.URL(), cciOrgIss.URL()}})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			res, err := v.Verify(ctx, tok)
			if got := rejections(t, err); res != nil || len(got) != 0 {
				t.Errorf("Verify = %+v, rejections %v; want no candidate publisher", res, got)
			}
		})
	}

	// One provider's claims signed by another's issuer.
	store, err := publisher.NewMemoryStore(pubs...)
	if err != nil {
		t.Fatal(err)
	}
	v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: provs, Publishers: store, HTTPClient: s.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for name, mint := range map[string]func() (string, error){
		"Semaphore claims, CircleCI's issuer":  func() (string, error) { return cciOrgIss.Mint(providertest.SemaphoreClaims()) },
		"Semaphore claims, GitHub's issuer":    func() (string, error) { return s.Mint(providertest.SemaphoreClaims()) },
		"Semaphore claims, Buildkite's issuer": func() (string, error) { return bk.Mint(providertest.SemaphoreClaims()) },
		"CircleCI claims, Semaphore's issuer":  func() (string, error) { return acme.Mint(cci) },
		"GitHub claims, Semaphore's issuer":    func() (string, error) { return acme.Mint(ghClaims) },
		"Buildkite claims, Semaphore's issuer": func() (string, error) {
			return acme.Mint(bkOf("acme", "hello-py", bkOrgID, bkPipelineID))
		},
	} {
		tok, err := mint()
		if err != nil {
			t.Fatal(err)
		}
		if res, err := v.Verify(ctx, tok); res != nil || !errors.Is(err, publisher.ErrClaims) {
			t.Errorf("%s: %+v, %v; want ErrClaims", name, res, err)
		}
	}

	for name, pub := range map[string]publisher.Registered{
		"Semaphore publisher on CircleCI's organization issuer":  {ID: "x", Policy: pols[claims.KindSemaphore](cciOrgIss.URL())},
		"Semaphore publisher on GitHub's issuer":                 {ID: "x", Policy: pols[claims.KindSemaphore](s.URL())},
		"Semaphore publisher on Buildkite's issuer":              {ID: "x", Policy: pols[claims.KindSemaphore](bk.URL())},
		"Semaphore publisher on Semaphore's real issuer":         {ID: "x", Policy: semPolicy()},
		"CircleCI publisher on a Semaphore organization issuer":  {ID: "x", Policy: pols[claims.KindCircleCI](acme.URL())},
		"GitHub publisher on a Semaphore organization issuer":    {ID: "x", Policy: pols[claims.KindGitHub](acme.URL())},
		"Buildkite publisher on a Semaphore organization issuer": {ID: "x", Policy: pols[claims.KindBuildkite](acme.URL())},
	} {
		store, err := publisher.NewMemoryStore(pub)
		if err != nil {
			t.Fatal(err)
		}
		if _, err = publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: provs, Publishers: store}); !errors.Is(err, publisher.ErrUnserved) {
			t.Errorf("%s: New = %v, want ErrUnserved", name, err)
		}
	}
}

// TestSemaphoreAudience: a Semaphore job's token is for its organization's
// own URL unless the job asks for another audience. A registry's verifier
// refuses that default, as it would a token meant for any other service,
// before looking for a key; it takes the token made for it.
func TestSemaphoreAudience(t *testing.T) {
	t.Parallel()
	s := providertest.New(t, oidctest.Options{})
	acme := semOrg(t, s, "acme")
	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "sem", Policy: semOn(t, s, "acme", semOrgID)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := publisher.New(publisher.Config{Audience: "pypi", Providers: []providers.Provider{s.Semaphore()}, Publishers: store, HTTPClient: s.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	for name, aud := range map[string][]string{
		"the default, the organization's URL": {acme.URL()},
		"the real default's form":             {"https://acme.semaphoreci.com"},
		"pypi and the default":                {"pypi", acme.URL()},
		"another registry's":                  {"testpypi"},
	} {
		if _, err := v.Verify(ctx, mintSem(t, s, nil, oidctest.Audience(aud...))); !errors.Is(err, oidc.ErrAudience) {
			t.Errorf("aud %s: %v, want ErrAudience", name, err)
		}
	}
	if n := acme.JWKSRequests(); n != 0 {
		t.Errorf("%d key requests for tokens of the wrong audience", n)
	}
	if res, err := v.Verify(ctx, mintSem(t, s, nil, oidctest.Audience("pypi"))); err != nil || len(res.Publishers) != 1 {
		t.Errorf("aud pypi: %+v, %v; want accepted", res, err)
	}
}
