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

// semaphoreProvider is Semaphore's provider for a test issuer, as the
// family's member for the organization would be.
type semaphoreProvider struct{ iss oidc.Issuer }

func (semaphoreProvider) Kind() claims.Kind     { return claims.KindSemaphore }
func (p semaphoreProvider) Issuer() oidc.Issuer { return p.iss }
func (semaphoreProvider) Decode(t *oidc.Token) (claims.Set, error) {
	return claims.DecodeSemaphoreToken(t)
}
func (p semaphoreProvider) Workload(set claims.Set) claims.Workload {
	w := set.(*claims.Semaphore).Workload(p.iss.URL)
	w.Issuer = p.iss.URL
	return w
}

// semVerifier verifies Semaphore tokens of the issuers for pubs, fetching
// keys with the first one's client. Semaphore's tokens live 24 hours: the
// verifier must allow that lifetime (the most MaxLifetime can be), or it
// refuses every one of them.
func semVerifier(t *testing.T, iss []*providertest.Issuer, pubs ...publisher.Registered) *publisher.Verifier {
	t.Helper()
	var provs []providers.Provider
	for _, s := range iss {
		provs = append(provs, semaphoreProvider{s.OIDC()})
	}
	store, err := publisher.NewMemoryStore(pubs...)
	if err != nil {
		t.Fatal(err)
	}
	v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: provs,
		Publishers: store, HTTPClient: iss[0].Client(), MaxLifetime: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// TestSemaphoreVerify runs Semaphore tokens through a Verifier: a match,
// a replay, a debug job's token explained, and a token of the same
// organization name on another issuer (another organization's member)
// offered no publisher.
func TestSemaphoreVerify(t *testing.T) {
	t.Parallel()
	s := providertest.New(t, oidctest.Options{})
	pol := semPolicy()
	pol.IssuerURL = s.URL()
	v := semVerifier(t, []*providertest.Issuer{s}, publisher.Registered{ID: "sem", Policy: pol, Packages: []string{"hello-py"}})
	ctx := context.Background()
	day := oidctest.Lifetime(24 * time.Hour)
	tok, err := s.Mint(providertest.SemaphoreClaims(), day)
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.VerifyPackage(ctx, tok, "hello-py")
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := res.Claims.(*claims.Semaphore); !ok || c.ProjectID != semPrjID || len(res.Publishers) != 1 ||
		res.Workload().RunURL != s.URL()+"/jobs/c117e453-1189-4eaf-b03a-dd6538eb49b2" {
		t.Errorf("claims %+v, publishers %v, workload %+v", res.Claims, res.Publishers, res.Workload())
	}
	if _, err := v.Verify(ctx, tok); !errors.Is(err, oidc.ErrReplayed) {
		t.Errorf("second Verify = %v, want ErrReplayed", err)
	}
	c := providertest.SemaphoreClaims()
	c.JobType = "debug_job"
	if tok, err = s.Mint(c, day); err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(ctx, tok)
	want := map[string][]publisher.Mismatch{"sem": {{Rule: "job_type", Claim: "job_type",
		Want: "pipeline_job (a debug job is a person's shell)", Got: "debug_job"}}}
	if diff := cmp.Diff(want, rejections(t, err)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if tok, err = s.Mint(providertest.SemaphoreClaims(), day, oidctest.Claim("prj_id", strings.ToUpper(semPrjID))); err != nil {
		t.Fatal(err)
	}
	if _, err = v.Verify(ctx, tok); !errors.Is(err, publisher.ErrClaims) || !errors.Is(err, claims.ErrInvalid) {
		t.Errorf("upper-case prj_id: %v, want ErrClaims and claims.ErrInvalid", err)
	}
	// The same claims from another trusted issuer (another organization):
	// the policy is not even a candidate, as it is looked up under its own
	// issuer only.
	other := providertest.New(t, oidctest.Options{})
	v2 := semVerifier(t, []*providertest.Issuer{other, s}, publisher.Registered{ID: "sem", Policy: pol})
	if tok, err = other.Mint(providertest.SemaphoreClaims(), day); err != nil {
		t.Fatal(err)
	}
	var nm *publisher.NoMatchError
	if _, err = v2.Verify(ctx, tok); !errors.As(err, &nm) || len(nm.Rejected) != 0 {
		t.Errorf("token of another issuer: %v, want no candidate publisher", err)
	}
}
