package publisher_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// The fixture's ids, and another organization's.
const (
	bkOrgID      = "f892efa9-103e-4d28-97a1-3b8616a0994d"
	bkPipelineID = "0192d1a4-6c3e-7f25-9b8a-3e1f0c2d4b6a"
	bkOtherID    = "01946a3e-9c1f-7d2b-8e4a-5b6c7d8e9f01"
	bkSub        = "organization:acme-inc:pipeline:super-duper-app:"
	bkHint       = " (the job must request the claim: buildkite-agent oidc request-token --claim organization_id,pipeline_id)"
)

// bkPolicy is the publisher the fixture's token satisfies: the slugs alone.
func bkPolicy() *publisher.Buildkite {
	return &publisher.Buildkite{OrganizationSlug: "acme-inc", PipelineSlug: "super-duper-app"}
}

// bkFull sets every optional rule, each satisfied by the fixture.
func bkFull() *publisher.Buildkite {
	p := bkPolicy()
	p.Branch, p.Tag, p.StepKey, p.OrganizationID, p.PipelineID = "main", "v1.0.0", "publish", bkOrgID, bkPipelineID
	return p
}

// bkOf is the fixture's job run in another organization's pipeline.
func bkOf(org, pipeline, orgID, pipelineID string) *claims.Buildkite {
	c := providertest.BuildkiteClaims()
	c.OrganizationSlug, c.PipelineSlug, c.OrganizationID, c.PipelineID = org, pipeline, orgID, pipelineID
	c.Subject = "organization:" + org + ":pipeline:" + pipeline + ":ref:refs/tags/v1.0.0:commit:" + c.BuildCommit + ":step:publish"
	return c
}

func TestBuildkiteCheck(t *testing.T) {
	t.Parallel()
	full := func(p *publisher.Buildkite) { *p = *bkFull() }
	sub := providertest.BuildkiteClaims().Subject
	cases := []ruleCase[publisher.Buildkite, claims.Buildkite]{
		{name: "fixture"},
		{name: "every optional rule satisfied", policy: full},
		{name: "step without a key, step:<empty> at the end of sub", claims: func(c *claims.Buildkite) {
			c.StepKey, c.Subject = "", strings.TrimSuffix(c.Subject, "publish")
		}},
		{name: "sub of another organization", claims: func(c *claims.Buildkite) {
			c.Subject = strings.Replace(c.Subject, "acme-inc", "evil-corp", 1)
		}, want: []publisher.Mismatch{{Rule: "subject", Claim: "sub", Want: "a subject starting with " + bkSub,
			Got: strings.Replace(sub, "acme-inc", "evil-corp", 1)}}},
		{name: "sub of a longer pipeline slug", claims: func(c *claims.Buildkite) {
			c.Subject = strings.Replace(c.Subject, "super-duper-app", "super-duper-app-fork", 1)
		}, want: []publisher.Mismatch{{Rule: "subject", Claim: "sub", Want: "a subject starting with " + bkSub,
			Got: strings.Replace(sub, "super-duper-app", "super-duper-app-fork", 1)}}},
		{name: "sub replaced by --subject-claim", claims: func(c *claims.Buildkite) { c.Subject = bkPipelineID },
			want: []publisher.Mismatch{{Rule: "subject", Claim: "sub", Want: "a subject starting with " + bkSub, Got: bkPipelineID}}},
		{name: "organization slug of another case", policy: func(p *publisher.Buildkite) { p.OrganizationSlug = "Acme-Inc" },
			want: []publisher.Mismatch{
				{Rule: "subject", Claim: "sub", Want: "a subject starting with organization:Acme-Inc:pipeline:super-duper-app:", Got: sub},
				{Rule: "organization_slug", Claim: "organization_slug", Want: "Acme-Inc", Got: "acme-inc"},
			}},
		{name: "another pipeline of the organization", claims: func(c *claims.Buildkite) { *c = *bkOf("acme-inc", "other-app", bkOrgID, bkOtherID) },
			want: []publisher.Mismatch{
				{Rule: "subject", Claim: "sub", Want: "a subject starting with " + bkSub, Got: bkOf("acme-inc", "other-app", "", "").Subject},
				{Rule: "pipeline_slug", Claim: "pipeline_slug", Want: "super-duper-app", Got: "other-app"},
			}},
		{name: "other branch", policy: full, claims: func(c *claims.Buildkite) { c.BuildBranch = "main-2" },
			want: []publisher.Mismatch{{Rule: "branch", Claim: "build_branch", Want: "main", Got: "main-2"}}},
		{name: "no tag", policy: full, claims: func(c *claims.Buildkite) { c.BuildTag = "" },
			want: []publisher.Mismatch{{Rule: "tag", Claim: "build_tag", Want: "v1.0.0"}}},
		{name: "tag compared with case", policy: full, claims: func(c *claims.Buildkite) { c.BuildTag = "V1.0.0" },
			want: []publisher.Mismatch{{Rule: "tag", Claim: "build_tag", Want: "v1.0.0", Got: "V1.0.0"}}},
		{name: "step without a key", policy: full, claims: func(c *claims.Buildkite) { c.StepKey = "" },
			want: []publisher.Mismatch{{Rule: "step_key", Claim: "step_key", Want: "publish"}}},
		{name: "other organization id", policy: full, claims: func(c *claims.Buildkite) { c.OrganizationID = bkOtherID },
			want: []publisher.Mismatch{{Rule: "organization_id", Claim: "organization_id", Want: bkOrgID, Got: bkOtherID}}},
		{name: "ids not requested", policy: full, claims: func(c *claims.Buildkite) { c.OrganizationID, c.PipelineID = "", "" },
			want: []publisher.Mismatch{
				{Rule: "organization_id", Claim: "organization_id", Want: bkOrgID + bkHint},
				{Rule: "pipeline_id", Claim: "pipeline_id", Want: bkPipelineID + bkHint},
			}},
		{name: "ids in upper case", policy: full, claims: func(c *claims.Buildkite) { c.PipelineID = strings.ToUpper(bkPipelineID) },
			want: []publisher.Mismatch{{Rule: "pipeline_id", Claim: "pipeline_id", Want: bkPipelineID, Got: strings.ToUpper(bkPipelineID)}}},
		{name: "ids not pinned, not requested", claims: func(c *claims.Buildkite) { c.OrganizationID, c.PipelineID = "", "" }},
	}
	checkRules(t, bkPolicy, providertest.BuildkiteClaims, (*publisher.Buildkite).Rules(nil), cases)
	claimsDocumented(t, &claims.Buildkite{}, (*publisher.Buildkite).Rules(nil))
	for _, other := range []claims.Set{providertest.GitHubClaims(), providertest.ActiveStateClaims()} {
		if got := bkFull().Check(other); len(got) != 1 || got[0].Rule != "provider" {
			t.Errorf("Check(%T) = %v", other, got)
		}
	}
}

func TestBuildkiteSpecificity(t *testing.T) {
	t.Parallel()
	if s := bkPolicy().Specificity(); s != 0 {
		t.Errorf("slugs alone: %d", s)
	}
	if s := bkFull().Specificity(); s != 5 {
		t.Errorf("every optional rule: %d, want 5", s)
	}
}

func TestBuildkiteValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		edit  func(*publisher.Buildkite)
		field string
	}{
		{"slugs alone", nil, ""},
		{"every rule", func(p *publisher.Buildkite) { *p = *bkFull() }, ""},
		{"branch with slashes", func(p *publisher.Buildkite) { p.Branch = "release/1.x" }, ""},
		{"test issuer", func(p *publisher.Buildkite) { p.IssuerURL = "https://127.0.0.1:8443" }, ""},
		{"bad issuer", func(p *publisher.Buildkite) { p.IssuerURL = "agent.buildkite.com" }, "issuer"},
		{"issuer with trailing slash", func(p *publisher.Buildkite) { p.IssuerURL = "https://agent.buildkite.com/" }, "issuer"},
		{"no organization", func(p *publisher.Buildkite) { p.OrganizationSlug = "" }, "organization_slug"},
		{"organization with colon", func(p *publisher.Buildkite) { p.OrganizationSlug = "acme:pipeline:x" }, "organization_slug"},
		{"organization with slash", func(p *publisher.Buildkite) { p.OrganizationSlug = "acme/inc" }, "organization_slug"},
		{"no pipeline", func(p *publisher.Buildkite) { p.PipelineSlug = "" }, "pipeline_slug"},
		{"pipeline with space", func(p *publisher.Buildkite) { p.PipelineSlug = "super duper" }, "pipeline_slug"},
		{"pipeline not ASCII", func(p *publisher.Buildkite) { p.PipelineSlug = "dupér" }, "pipeline_slug"},
		{"full branch ref", func(p *publisher.Buildkite) { p.Branch = "refs/heads/main" }, "branch"},
		{"branch with newline", func(p *publisher.Buildkite) { p.Branch = "main\nx" }, "branch"},
		{"branch with space", func(p *publisher.Buildkite) { p.Branch = "my branch" }, "branch"},
		{"full tag ref", func(p *publisher.Buildkite) { p.Tag = "refs/tags/v1.0.0" }, "tag"},
		{"long tag", func(p *publisher.Buildkite) { p.Tag = strings.Repeat("v", 1025) }, "tag"},
		{"step key with control", func(p *publisher.Buildkite) { p.StepKey = "publish\x00" }, "step_key"},
		{"organization id not a UUID", func(p *publisher.Buildkite) { p.OrganizationID = "acme-inc" }, "organization_id"},
		{"organization id in upper case", func(p *publisher.Buildkite) { p.OrganizationID = strings.ToUpper(bkOrgID) }, "organization_id"},
		{"documentation's example id", func(p *publisher.Buildkite) { p.OrganizationID = "0184990a-477b-4fa8-9968-496074483k77" }, "organization_id"},
		{"pipeline id not a UUID", func(p *publisher.Buildkite) { p.PipelineID = bkPipelineID + "0" }, "pipeline_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := bkPolicy()
			if tc.edit != nil {
				tc.edit(p)
			}
			wantPolicyField(t, p.Validate(), "buildkite", tc.field)
		})
	}
}

func TestBuildkiteJSON(t *testing.T) {
	t.Parallel()
	src := `{"id":"pkg","provider":"buildkite","policy":{"organization_slug":"acme-inc","pipeline_slug":"super-duper-app",
		"branch":"main","tag":"v1.0.0","step_key":"publish","organization_id":"` + bkOrgID + `","pipeline_id":"` + bkPipelineID + `"},
		"packages":["super-duper"]}`
	var r publisher.Registered
	if err := json.Unmarshal([]byte(src), &r); err != nil {
		t.Fatal(err)
	}
	want := publisher.Registered{ID: "pkg", Policy: bkFull(), Packages: []string{"super-duper"}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Fatal(diff)
	}
	if r.Policy.Issuer() != providers.BuildkiteIssuer || r.Policy.LookupKey() != "acme-inc/super-duper-app" {
		t.Errorf("Issuer, LookupKey = %q, %q", r.Policy.Issuer(), r.Policy.LookupKey())
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var again publisher.Registered
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatalf("%s does not load: %v", b, err)
	}
	if diff := cmp.Diff(r, again); diff != "" {
		t.Errorf("round trip (-first +second):\n%s", diff)
	}
	for name, bad := range map[string]string{
		"no pipeline":      `{"organization_slug":"acme-inc"}`,
		"empty branch":     `{"organization_slug":"acme-inc","pipeline_slug":"app","branch":""}`,
		"null id":          `{"organization_slug":"acme-inc","pipeline_slug":"app","organization_id":null}`,
		"misspelt field":   `{"organization_slug":"acme-inc","pipeline_slug":"app","organisation_id":"` + bkOrgID + `"}`,
		"GitHub's refs":    `{"organization_slug":"acme-inc","pipeline_slug":"app","refs":["refs/tags/*"]}`,
		"slug as a number": `{"organization_slug":1,"pipeline_slug":"app"}`,
	} {
		err := json.Unmarshal([]byte(`{"id":"p","provider":"buildkite","policy":`+bad+`}`), &r)
		if !errors.Is(err, publisher.ErrPolicy) {
			t.Errorf("%s: %v, want ErrPolicy", name, err)
		}
	}
}

// bkVerifier trusts a local Buildkite issuer with pubs registered.
func bkVerifier(t *testing.T, pubs ...publisher.Registered) (*providertest.Issuer, *publisher.Verifier) {
	t.Helper()
	s := providertest.New(t, oidctest.Options{})
	for i := range pubs {
		pubs[i].Policy.(*publisher.Buildkite).IssuerURL = s.URL()
	}
	return s, otherVerifier(t, s.Client(), []providers.Provider{s.Buildkite()}, pubs...)
}

func mintBK(t *testing.T, s *providertest.Issuer, c *claims.Buildkite, opts ...oidctest.MintOption) string {
	t.Helper()
	tok, err := s.MintBuildkite(c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestBuildkiteVerify(t *testing.T) {
	t.Parallel()
	s, v := bkVerifier(t, publisher.Registered{ID: "super-duper", Policy: bkFull(), Packages: []string{"super-duper"}})
	ctx := context.Background()
	tok := mintBK(t, s, nil)
	res, err := v.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := res.Claims.(*claims.Buildkite); !ok || c.BuildNumber != 42 || res.Token.ID == "" || len(res.Publishers) != 1 {
		t.Errorf("claims %+v, token %+v, publishers %v", res.Claims, res.Token, res.Publishers)
	}
	w := res.Provider.Workload(res.Claims)
	if w.Provider != claims.KindBuildkite || w.Issuer != s.URL() || w.Repository != "acme-inc/super-duper-app" || w.Ref != "refs/tags/v1.0.0" {
		t.Errorf("workload %+v", w)
	}
	if _, err := v.Verify(ctx, tok); !errors.Is(err, oidc.ErrReplayed) {
		t.Errorf("second Verify = %v, want ErrReplayed", err)
	}
	// A token without the claims PyPI requires is malformed, whatever the policy.
	for _, claim := range []string{"build_number", "job_id", "agent_id", "sub"} {
		if _, err := v.Verify(ctx, mintBK(t, s, nil, oidctest.Claim(claim, nil))); !errors.Is(err, publisher.ErrClaims) || !errors.Is(err, claims.ErrMissing) {
			t.Errorf("no %s: %v, want ErrClaims and claims.ErrMissing", claim, err)
		}
	}
	if _, err := v.Verify(ctx, mintBK(t, s, nil, oidctest.Claim("build_number", "42"))); !errors.Is(err, claims.ErrType) {
		t.Errorf("build_number as a string: %v, want claims.ErrType", err)
	}
}

// TestBuildkiteVerifyPinnedIDs: with organization_id and pipeline_id pinned,
// a token whose ids differ, or that lacks them (the job did not request
// them), is refused, and the refusal says how to request them.
func TestBuildkiteVerifyPinnedIDs(t *testing.T) {
	t.Parallel()
	pinned := bkPolicy()
	pinned.OrganizationID, pinned.PipelineID = bkOrgID, bkPipelineID
	s, v := bkVerifier(t, publisher.Registered{ID: "pinned", Policy: pinned})
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		edit func(*claims.Buildkite)
		opts []oidctest.MintOption
		want []publisher.Mismatch
	}{
		{name: "other organization id", edit: func(c *claims.Buildkite) { c.OrganizationID = bkOtherID },
			want: []publisher.Mismatch{{Rule: "organization_id", Claim: "organization_id", Want: bkOrgID, Got: bkOtherID}}},
		{name: "other pipeline id", edit: func(c *claims.Buildkite) { c.PipelineID = bkOtherID },
			want: []publisher.Mismatch{{Rule: "pipeline_id", Claim: "pipeline_id", Want: bkPipelineID, Got: bkOtherID}}},
		{name: "ids not requested", opts: []oidctest.MintOption{oidctest.Claim("organization_id", nil), oidctest.Claim("pipeline_id", nil)},
			want: []publisher.Mismatch{
				{Rule: "organization_id", Claim: "organization_id", Want: bkOrgID + bkHint},
				{Rule: "pipeline_id", Claim: "pipeline_id", Want: bkPipelineID + bkHint},
			}},
		{name: "pipeline id sent as null", opts: []oidctest.MintOption{oidctest.Claim("pipeline_id", nil),
			oidctest.EditPayload(func(b []byte) []byte { return append([]byte(`{"pipeline_id":null,`), b[1:]...) })},
			want: []publisher.Mismatch{{Rule: "pipeline_id", Claim: "pipeline_id", Want: bkPipelineID + bkHint}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := providertest.BuildkiteClaims()
			if tc.edit != nil {
				tc.edit(c)
			}
			_, err := v.Verify(ctx, mintBK(t, s, c, tc.opts...))
			if diff := cmp.Diff(map[string][]publisher.Mismatch{"pinned": tc.want}, rejections(t, err)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := v.Verify(ctx, mintBK(t, s, nil)); err != nil {
		t.Errorf("the ids pinned: %v", err)
	}
}

// TestBuildkiteCrossOrganization: every organization's tokens come from the
// one issuer. A pipeline of the same slug in another organization, a
// renamed organization whose slug someone else took, or a token whose
// claims disagree, never satisfy another organization's publisher.
func TestBuildkiteCrossOrganization(t *testing.T) {
	t.Parallel()
	acme := bkPolicy()
	acme.OrganizationID = bkOrgID
	evil := &publisher.Buildkite{OrganizationSlug: "evil-corp", PipelineSlug: "super-duper-app"}
	unpinned := &publisher.Buildkite{OrganizationSlug: "acme-inc", PipelineSlug: "other-app"}
	s, v := bkVerifier(t, publisher.Registered{ID: "acme", Policy: acme}, publisher.Registered{ID: "evil", Policy: evil},
		publisher.Registered{ID: "acme-other", Policy: unpinned})
	ctx := context.Background()
	verify := func(t *testing.T, c *claims.Buildkite) (*publisher.Result, error) {
		t.Helper()
		return v.Verify(ctx, mintBK(t, s, c))
	}

	t.Run("same pipeline slug, other organization", func(t *testing.T) {
		res, err := verify(t, bkOf("evil-corp", "super-duper-app", bkOtherID, bkOtherID))
		if err != nil || len(res.Publishers) != 1 || res.Publishers[0].ID != "evil" {
			t.Fatalf("Verify = %+v, %v; want evil's publisher alone", res, err)
		}
	})
	t.Run("organization with no publisher", func(t *testing.T) {
		_, err := verify(t, bkOf("mallory", "super-duper-app", bkOtherID, bkOtherID))
		var nm *publisher.NoMatchError
		if !errors.As(err, &nm) || nm.Key != "mallory/super-duper-app" || len(nm.Rejected) != 0 {
			t.Fatalf("Verify = %v; want no publisher for mallory/super-duper-app", err)
		}
	})
	t.Run("slug taken over after a rename", func(t *testing.T) {
		_, err := verify(t, bkOf("acme-inc", "super-duper-app", bkOtherID, bkOtherID))
		want := map[string][]publisher.Mismatch{"acme": {{Rule: "organization_id", Claim: "organization_id", Want: bkOrgID, Got: bkOtherID}}}
		if diff := cmp.Diff(want, rejections(t, err)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("slug in another case", func(t *testing.T) {
		_, err := verify(t, bkOf("ACME-INC", "super-duper-app", bkOrgID, bkPipelineID))
		want := map[string][]publisher.Mismatch{"acme": {
			{Rule: "subject", Claim: "sub", Want: "a subject starting with " + bkSub, Got: bkOf("ACME-INC", "super-duper-app", "", "").Subject},
			{Rule: "organization_slug", Claim: "organization_slug", Want: "acme-inc", Got: "ACME-INC"},
		}}
		if diff := cmp.Diff(want, rejections(t, err)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("slugs of one organization, sub of another", func(t *testing.T) {
		c := bkOf("acme-inc", "other-app", bkOrgID, bkOtherID)
		c.Subject = bkOf("evil-corp", "other-app", "", "").Subject
		_, err := verify(t, c)
		want := map[string][]publisher.Mismatch{"acme-other": {{Rule: "subject", Claim: "sub",
			Want: "a subject starting with organization:acme-inc:pipeline:other-app:", Got: c.Subject}}}
		if diff := cmp.Diff(want, rejections(t, err)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("the organization's own pipeline", func(t *testing.T) {
		res, err := verify(t, nil)
		if err != nil || len(res.Publishers) != 1 || res.Publishers[0].ID != "acme" {
			t.Fatalf("Verify = %+v, %v; want acme's publisher alone", res, err)
		}
	})
}

// TestBuildkiteCrossProvider: a GitHub repository octo-org/hello and a
// Buildkite pipeline octo-org/hello share a lookup key, but each provider's
// tokens satisfy only its own publishers, even from a store that offers
// both kinds for every issuer; and a publisher of one kind cannot be
// registered on the other's issuer.
func TestBuildkiteCrossProvider(t *testing.T) {
	t.Parallel()
	gh, bk := providertest.New(t, oidctest.Options{}), providertest.New(t, oidctest.Options{Path: "/buildkite"})
	ghPol := func(iss string) publisher.Policy {
		return &publisher.GitHub{IssuerURL: iss, Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml"}
	}
	bkPol := func(iss string) publisher.Policy {
		return &publisher.Buildkite{IssuerURL: iss, OrganizationSlug: "octo-org", PipelineSlug: "hello"}
	}
	provs := []providers.Provider{gh.GitHub(), bk.Buildkite()}
	ctx := context.Background()
	ghTok, err := gh.MintGitHub(providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0"))
	if err != nil {
		t.Fatal(err)
	}
	bkTok := mintBK(t, bk, bkOf("octo-org", "hello", bkOrgID, bkPipelineID))

	v := otherVerifier(t, gh.Client(), provs, publisher.Registered{ID: "gh", Policy: ghPol(gh.URL())},
		publisher.Registered{ID: "bk", Policy: bkPol(bk.URL())})
	for name, tc := range map[string]struct{ tok, want string }{"github": {ghTok, "gh"}, "buildkite": {bkTok, "bk"}} {
		res, err := v.Verify(ctx, tc.tok)
		if err != nil || len(res.Publishers) != 1 || res.Publishers[0].ID != tc.want {
			t.Errorf("%s token: %+v, %v; want publisher %s alone", name, res, err, tc.want)
		}
	}

	// A store that answers every lookup with the other kind's publisher on
	// the token's own issuer, key and all.
	for name, tc := range map[string]struct {
		tok   string
		other func(string) publisher.Policy
	}{"github token, buildkite publisher": {ghTok, bkPol}, "buildkite token, github publisher": {bkTok, ghPol}} {
		t.Run(name, func(t *testing.T) {
			store := storeFunc(func(_ context.Context, issuer, key string) ([]publisher.Registered, error) {
				return []publisher.Registered{{ID: "other-kind", Policy: tc.other(issuer)}}, nil
			})
			v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: provs, Publishers: store, HTTPClient: gh.Client()})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			res, err := v.Verify(ctx, tc.tok)
			if res != nil || !errors.Is(err, publisher.ErrNoPublisher) {
				t.Fatalf("Verify = %+v, %v; want ErrNoPublisher", res, err)
			}
		})
	}

	for name, pub := range map[string]publisher.Registered{
		"github publisher on buildkite's issuer": {ID: "gh-on-bk", Policy: ghPol(bk.URL())},
		"buildkite publisher on github's issuer": {ID: "bk-on-gh", Policy: bkPol(gh.URL())},
	} {
		store, err := publisher.NewMemoryStore(pub)
		if err != nil {
			t.Fatal(err)
		}
		_, err = publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: provs, Publishers: store})
		if !errors.Is(err, publisher.ErrUnserved) {
			t.Errorf("%s: New = %v, want ErrUnserved", name, err)
		}
	}
}
