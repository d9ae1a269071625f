package provenance

import (
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/publisher"
)

func refs(t testing.TB, patterns ...string) []publisher.RefPattern {
	t.Helper()
	var out []publisher.RefPattern
	for _, s := range patterns {
		p, err := publisher.ParseRefPattern(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// fixturePolicies are the publishers of the real attestations, written
// from the fixtures' README, keyed by file.
func fixturePolicies(t testing.TB) map[string]publisher.Policy {
	pypi := &publisher.GitHub{Owner: "trailofbits", OwnerID: "2314423", Repository: "pypi-attestations",
		Workflow: "release.yml", RepositoryID: "772247423", Refs: refs(t, "refs/tags/v*"), RequireHostedRunner: true}
	return map[string]publisher.Policy{
		"npm-sigstore-1.3.0.provenance.sigstore.json": &publisher.GitHub{Owner: "sigstore", OwnerID: "71096353",
			Repository: "sigstore-js", Workflow: "release.yml", RepositoryID: "495574555",
			Refs: refs(t, "refs/heads/main"), RequireHostedRunner: true},
		"pypi_attestations-0.0.19.tar.gz.publish.attestation": pypi,
		"pypi_attestations-0.0.19.tar.gz.slsa.attestation":    pypi,
		"gitlab_oidc_project-0.0.3.tar.gz.publish.attestation": &publisher.GitLab{Namespace: "facutuesca",
			Project: "gitlab-oidc-project", CIConfigPath: ".gitlab-ci.yml", NamespaceID: "12885801",
			ProjectID: "55235664", Refs: refs(t, "refs/heads/main"), RequireHostedRunner: true},
	}
}

// wantMatchErr fails unless err is a *MatchError wrapping ErrIdentity
// whose failed and unchecked rules are the ones given.
func wantMatchErr(t testing.TB, err error, failed, unchecked []string) *MatchError {
	t.Helper()
	var me *MatchError
	if !errors.As(err, &me) || !errors.Is(err, ErrIdentity) {
		t.Fatalf("error %v, want a *MatchError wrapping ErrIdentity", err)
	}
	rules := func(ms []publisher.Mismatch) []string {
		var r []string
		for _, m := range ms {
			r = append(r, m.Rule)
		}
		return r
	}
	if diff := cmp.Diff(failed, rules(me.Mismatches)); diff != "" {
		t.Errorf("failed rules (-want +got):\n%s\n%v", diff, err)
	}
	if diff := cmp.Diff(unchecked, rules(me.Unchecked)); diff != "" {
		t.Errorf("unchecked rules (-want +got):\n%s\n%v", diff, err)
	}
	for _, m := range me.Unchecked {
		if m.Got != "" {
			t.Errorf("unchecked %+v carries a value", m)
		}
	}
	return me
}

// Each real attestation verifies and matches its publisher; the claims
// read from its certificate are the ones its token had.
func TestMatchRealAttestations(t *testing.T) {
	v := publicGood(t)
	pols := fixturePolicies(t)
	for _, f := range fixtures(t) {
		t.Run(f.file, func(t *testing.T) {
			att, err := f.parse(readTestdata(t, f.file))
			if err != nil {
				t.Fatal(err)
			}
			reg := publisher.Registered{ID: "pub-1", Policy: pols[f.file]}
			m, err := v.VerifyFor(att, f.artifact, reg, MatchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Publisher.ID != "pub-1" || m.Result == nil || m.Result.Identity != f.id || len(m.Unchecked) != 0 {
				t.Errorf("match %+v", m)
			}
			if got := m.Claims.LookupKey(); got != reg.Policy.LookupKey() {
				t.Errorf("claims' lookup key %q, want the policy's %q", got, reg.Policy.LookupKey())
			}
		})
	}
}

// The npm certificate reads into the claims GitHub's token had.
func TestMatchClaimsNPM(t *testing.T) {
	f := fixtures(t)[0]
	att, err := f.parse(readTestdata(t, f.file))
	if err != nil {
		t.Fatal(err)
	}
	m, err := publicGood(t).VerifyFor(att, f.artifact,
		publisher.Registered{ID: "sigstore", Policy: fixturePolicies(t)[f.file]}, MatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const wf = "sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main"
	const sha = "dae8bd8eb433a4147b4655c00fe73e0f22bc0fb1"
	want := &claims.GitHub{Repository: "sigstore/sigstore-js", RepositoryID: "495574555", RepositoryOwner: "sigstore",
		RepositoryOwnerID: "71096353", Ref: "refs/heads/main", SHA: sha, WorkflowRef: wf, WorkflowSHA: sha,
		JobWorkflowRef: wf, JobWorkflowSHA: sha, EventName: "push", RunnerEnvironment: "github-hosted"}
	if diff := cmp.Diff(want, m.Claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	gl := fixtures(t)[3]
	att, err = gl.parse(readTestdata(t, gl.file))
	if err != nil {
		t.Fatal(err)
	}
	m, err = publicGood(t).VerifyFor(att, gl.artifact,
		publisher.Registered{ID: "gl", Policy: fixturePolicies(t)[gl.file]}, MatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const glSHA = "72f7c63b75eb55ea80864962f0e645c93414da34"
	wantGL := &claims.GitLab{ProjectPath: "facutuesca/gitlab-oidc-project", ProjectID: "55235664",
		NamespacePath: "facutuesca", NamespaceID: "12885801", RefPath: "refs/heads/main", SHA: glSHA,
		CIConfigRefURI: "gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml@refs/heads/main",
		CIConfigSHA:    glSHA, PipelineSource: "push", RunnerEnvironment: "gitlab-hosted", ProjectVisibility: "private"}
	if diff := cmp.Diff(wantGL, m.Claims); diff != "" {
		t.Errorf("gitlab claims (-want +got):\n%s", diff)
	}
}

// Another repository, owner id or workflow is refused with the rule that
// fails.
func TestMatchRefusesAnotherPublisher(t *testing.T) {
	v := publicGood(t)
	pols := fixturePolicies(t)
	for _, f := range fixtures(t) {
		att, err := f.parse(readTestdata(t, f.file))
		if err != nil {
			t.Fatal(err)
		}
		res, err := v.Verify(att, f.artifact)
		if err != nil {
			t.Fatal(err)
		}
		type change struct {
			name   string
			edit   func(publisher.Policy)
			failed []string
		}
		var changes []change
		switch pol := pols[f.file].(type) {
		case *publisher.GitHub:
			changes = []change{
				// The workflow_ref names the signer's repository too.
				{"repository", func(p publisher.Policy) { p.(*publisher.GitHub).Repository = "other" }, []string{"repository", "workflow"}},
				{"owner", func(p publisher.Policy) { p.(*publisher.GitHub).Owner = "other" }, []string{"repository", "workflow"}},
				{"owner id", func(p publisher.Policy) { p.(*publisher.GitHub).OwnerID = "1" }, []string{"owner_id"}},
				{"repository id", func(p publisher.Policy) { p.(*publisher.GitHub).RepositoryID = "1" }, []string{"repository_id"}},
				{"workflow", func(p publisher.Policy) { p.(*publisher.GitHub).Workflow = "publish.yml" }, []string{"workflow"}},
				{"refs", func(p publisher.Policy) { p.(*publisher.GitHub).Refs = refs(t, "refs/tags/v9*") }, []string{"refs"}},
				{"reusable workflow", func(p publisher.Policy) {
					p.(*publisher.GitHub).ReusableWorkflow = pol.Owner + "/" + pol.Repository + "/.github/workflows/other.yml"
				}, []string{"reusable_workflow"}},
			}
		case *publisher.GitLab:
			changes = []change{
				{"project", func(p publisher.Policy) { p.(*publisher.GitLab).Project = "other" }, []string{"project", "ci_config_path"}},
				{"namespace id", func(p publisher.Policy) { p.(*publisher.GitLab).NamespaceID = "1" }, []string{"namespace_id"}},
				{"project id", func(p publisher.Policy) { p.(*publisher.GitLab).ProjectID = "1" }, []string{"project_id"}},
				{"ci file", func(p publisher.Policy) { p.(*publisher.GitLab).CIConfigPath = "ci/release.yml" }, []string{"ci_config_path"}},
				{"refs", func(p publisher.Policy) { p.(*publisher.GitLab).Refs = refs(t, "refs/tags/*") }, []string{"refs"}},
			}
		}
		for _, c := range changes {
			t.Run(f.file+"/"+c.name, func(t *testing.T) {
				p := clonePolicy(pols[f.file])
				c.edit(p)
				reg := publisher.Registered{ID: "pub-1", Policy: p}
				_, err := res.Match(reg, MatchOptions{})
				me := wantMatchErr(t, err, c.failed, nil)
				if me.Publisher != "pub-1" || me.Issuer != f.id.Issuer {
					t.Errorf("error names publisher %q, issuer %q", me.Publisher, me.Issuer)
				}
				// VerifyFor refuses alike.
				_, err = v.VerifyFor(att, f.artifact, reg, MatchOptions{})
				wantMatchErr(t, err, c.failed, nil)
			})
		}
	}
}

func clonePolicy(p publisher.Policy) publisher.Policy {
	switch p := p.(type) {
	case *publisher.GitHub:
		c := *p
		return &c
	case *publisher.GitLab:
		c := *p
		return &c
	}
	panic("unknown policy")
}

// Verification errors come before the identity: a wrong digest is an
// *Error, not a *MatchError.
func TestVerifyForRefusesWrongDigest(t *testing.T) {
	f := fixtures(t)[1]
	att, err := f.parse(readTestdata(t, f.file))
	if err != nil {
		t.Fatal(err)
	}
	a := f.artifact
	a.SHA256 = flipped(a.SHA256)
	_, err = publicGood(t).VerifyFor(att, a, publisher.Registered{ID: "p", Policy: fixturePolicies(t)[f.file]}, MatchOptions{})
	wantErr(t, err, ErrDigest)
	if errors.Is(err, ErrIdentity) {
		t.Error("a wrong digest is not an identity error")
	}
}

// synthetic signs an attestation of the test artifact for id and verifies
// it.
type synthetic struct {
	s *testSigstore
	v *Verifier
	a Artifact
}

func newSynthetic(t *testing.T) *synthetic {
	s := newTestSigstore(t)
	return &synthetic{s: s, v: testVerifier(t, s), a: testArtifact(t)}
}

func (sy *synthetic) verifyFor(t *testing.T, id Identity, p publisher.Policy, opts MatchOptions) (*Match, error) {
	t.Helper()
	stmt := statementFor(t, sy.a.Name, map[string]string{"sha256": hex.EncodeToString(sy.a.SHA256)}, "https://slsa.dev/provenance/v1")
	att, err := ParseBundle(sy.s.Sign(t, id, stmt).Bundle(t))
	if err != nil {
		t.Fatal(err)
	}
	return sy.v.VerifyFor(att, sy.a, publisher.Registered{ID: "example", Policy: p}, opts)
}

// examplePolicy is the publisher of gitHubIdentity.
func examplePolicy() *publisher.GitHub {
	return &publisher.GitHub{Owner: "octo-org", OwnerID: "9919", Repository: "example", Workflow: "release.yml"}
}

func gitLabIdentity() Identity {
	const proj = "https://gitlab.example.com/group/sub/project"
	const ci = proj + "//ci/release.yml@refs/tags/v2"
	const sha = "3333333333333333333333333333333333333333"
	return Identity{SubjectAlternativeName: ci, Issuer: "https://gitlab.example.com", BuildSignerURI: ci,
		BuildSignerDigest: sha, RunnerEnvironment: "self-hosted", SourceRepositoryURI: proj,
		SourceRepositoryDigest: sha, SourceRepositoryRef: "refs/tags/v2", SourceRepositoryIdentifier: "42",
		SourceRepositoryOwnerURI: "https://gitlab.example.com/group/sub", SourceRepositoryOwnerIdentifier: "7",
		BuildConfigURI: ci, BuildConfigDigest: sha, BuildTrigger: "web", RunInvocationURI: proj + "/-/jobs/5"}
}

func gitLabPolicy() *publisher.GitLab {
	return &publisher.GitLab{IssuerURL: "https://gitlab.example.com", Namespace: "group/sub", Project: "project",
		CIConfigPath: "ci/release.yml", NamespaceID: "7", ProjectID: "42"}
}

// What real attestations cannot show: runners, reusable workflows, refs,
// triggers, issuers, rules without a certificate extension.
func TestMatchSynthetic(t *testing.T) {
	sy := newSynthetic(t)
	with := func(edit func(*Identity)) Identity {
		id := gitHubIdentity()
		edit(&id)
		return id
	}
	policy := func(edit func(*publisher.GitHub)) *publisher.GitHub {
		p := examplePolicy()
		edit(p)
		return p
	}
	const shared = "https://github.com/octo-org/shared/.github/workflows/publish.yml@refs/heads/main"
	reusable := with(func(id *Identity) {
		id.BuildSignerURI, id.SubjectAlternativeName = shared, shared
		id.BuildSignerDigest = "2222222222222222222222222222222222222222"
	})
	branch := with(func(id *Identity) {
		id.SourceRepositoryRef = "refs/heads/feature/x"
		id.BuildConfigURI = "https://github.com/octo-org/example/.github/workflows/release.yml@refs/heads/feature/x"
		id.BuildSignerURI, id.SubjectAlternativeName = id.BuildConfigURI, id.BuildConfigURI
	})
	ghe := with(func(id *Identity) {
		const repo = "https://acme.ghe.com/octo-org/example"
		id.Issuer = "https://token.actions.acme.ghe.com"
		id.SourceRepositoryURI, id.SourceRepositoryOwnerURI = repo, "https://acme.ghe.com/octo-org"
		id.BuildConfigURI = repo + "/.github/workflows/release.yml@refs/tags/v1.0.0"
		id.BuildSignerURI, id.SubjectAlternativeName = id.BuildConfigURI, id.BuildConfigURI
	})
	gheAt := func(p *publisher.GitHub) { p.IssuerURL = "https://token.actions.acme.ghe.com" }
	google := &publisher.Google{Email: "ci@example.iam.gserviceaccount.com", Subject: "1234567890"}

	for _, c := range []struct {
		name              string
		id                Identity
		policy            publisher.Policy
		accept            []string
		failed, unchecked []string
		accepted          []string
	}{
		{name: "github-hosted, hosted runner required", id: gitHubIdentity(),
			policy: policy(func(p *publisher.GitHub) { p.RequireHostedRunner = true })},
		{name: "self-hosted, hosted runner required", id: with(func(id *Identity) { id.RunnerEnvironment = "self-hosted" }),
			policy: policy(func(p *publisher.GitHub) { p.RequireHostedRunner = true }), failed: []string{"require_hosted_runner"}},
		{name: "self-hosted, any runner", id: with(func(id *Identity) { id.RunnerEnvironment = "self-hosted" }),
			policy: examplePolicy()},
		{name: "reusable workflow, pinned", id: reusable,
			policy: policy(func(p *publisher.GitHub) {
				p.ReusableWorkflow = "octo-org/shared/.github/workflows/publish.yml@refs/heads/main"
			})},
		{name: "reusable workflow, unpinned", id: reusable,
			policy: policy(func(p *publisher.GitHub) { p.ReusableWorkflow = "Octo-Org/Shared/.github/workflows/publish.yml" })},
		{name: "reusable workflow, another pin", id: reusable,
			policy: policy(func(p *publisher.GitHub) {
				p.ReusableWorkflow = "octo-org/shared/.github/workflows/publish.yml@refs/tags/v1"
			}), failed: []string{"reusable_workflow"}},
		{name: "reusable workflow required, none ran", id: gitHubIdentity(),
			policy: policy(func(p *publisher.GitHub) { p.ReusableWorkflow = "octo-org/shared/.github/workflows/publish.yml" }),
			failed: []string{"reusable_workflow"}},
		{name: "reusable workflow, calling workflow checked", id: reusable,
			policy: policy(func(p *publisher.GitHub) {
				p.Workflow = "publish.yml"
				p.ReusableWorkflow = "octo-org/shared/.github/workflows/publish.yml"
			}), failed: []string{"workflow"}},
		{name: "tag ref allowed", id: gitHubIdentity(),
			policy: policy(func(p *publisher.GitHub) { p.Refs = refs(t, "refs/tags/v*") })},
		{name: "branch ref refused", id: branch,
			policy: policy(func(p *publisher.GitHub) { p.Refs = refs(t, "refs/tags/v*") }), failed: []string{"refs"}},
		{name: "branch ref allowed", id: branch,
			policy: policy(func(p *publisher.GitHub) { p.Refs = refs(t, "refs/heads/**") })},
		{name: "refused trigger", id: with(func(id *Identity) { id.BuildTrigger = "pull_request_target" }),
			policy: examplePolicy(), failed: []string{"event"}},
		{name: "environment, not accepted", id: gitHubIdentity(),
			policy: policy(func(p *publisher.GitHub) { p.Environment = "release" }), unchecked: []string{"environment"}},
		{name: "environment, another accepted", id: gitHubIdentity(), accept: []string{"require_protected_ref"},
			policy: policy(func(p *publisher.GitHub) { p.Environment = "release" }), unchecked: []string{"environment"}},
		{name: "environment, accepted", id: gitHubIdentity(), accept: []string{"environment"},
			policy: policy(func(p *publisher.GitHub) { p.Environment = "release" }), accepted: []string{"environment"}},
		{name: "environment accepted, workflow still fails", id: gitHubIdentity(), accept: []string{"environment"},
			policy: policy(func(p *publisher.GitHub) { p.Environment = "release"; p.Workflow = "other.yml" }),
			failed: []string{"workflow"}},
		{name: "protected ref", id: gitHubIdentity(),
			policy: policy(func(p *publisher.GitHub) { p.RequireProtectedRef = true }), unchecked: []string{"require_protected_ref"}},
		{name: "no runner extension", id: with(func(id *Identity) { id.RunnerEnvironment = "" }),
			policy: policy(func(p *publisher.GitHub) { p.RequireHostedRunner = true }), unchecked: []string{"require_hosted_runner"}},
		{name: "no repository id extension", id: with(func(id *Identity) { id.SourceRepositoryIdentifier = "" }),
			policy: policy(func(p *publisher.GitHub) { p.RepositoryID = "123456" }), accept: []string{"repository_id"},
			accepted: []string{"repository_id"}},
		// A deny list passes an absent claim: not checkable, and required.
		{name: "no trigger extension", id: with(func(id *Identity) { id.BuildTrigger = "" }),
			policy: examplePolicy(), accept: []string{"event"}, unchecked: []string{"event"}},
		{name: "no owner id extension", id: with(func(id *Identity) { id.SourceRepositoryOwnerIdentifier = "" }),
			policy: examplePolicy(), accept: []string{"owner_id"}, unchecked: []string{"owner_id"}},
		{name: "old certificate", id: Identity{SubjectAlternativeName: gitHubIdentity().SubjectAlternativeName, Issuer: githubIssuer},
			policy: examplePolicy(), accept: []string{"repository", "owner_id", "workflow", "event"},
			unchecked: []string{"repository", "owner_id", "workflow", "event"}},
		{name: "GHE.com certificate, github.com publisher", id: ghe, policy: examplePolicy(), failed: []string{"issuer"}},
		{name: "GHE.com certificate, GHE.com publisher", id: ghe, policy: policy(gheAt)},
		{name: "GHE.com certificate naming a github.com repository",
			id:     with(func(id *Identity) { id.Issuer = "https://token.actions.acme.ghe.com" }),
			policy: policy(gheAt), failed: []string{"repository", "workflow"}},
		{name: "enterprise issuer, github.com publisher",
			id:     with(func(id *Identity) { id.Issuer = githubIssuer + "/acme" }),
			policy: examplePolicy(), failed: []string{"issuer"}},
		{name: "gitlab subgroup", id: gitLabIdentity(), policy: gitLabPolicy()},
		{name: "gitlab self-hosted, hosted runner required", id: gitLabIdentity(),
			policy: func() publisher.Policy { p := gitLabPolicy(); p.RequireHostedRunner = true; return p }(),
			failed: []string{"require_hosted_runner"}},
		{name: "gitlab tag refs", id: gitLabIdentity(),
			policy: func() publisher.Policy { p := gitLabPolicy(); p.Refs = refs(t, "refs/tags/v*"); return p }()},
		{name: "gitlab branch refs", id: gitLabIdentity(),
			policy: func() publisher.Policy { p := gitLabPolicy(); p.Refs = refs(t, "refs/heads/*"); return p }(),
			failed: []string{"refs"}},
		{name: "gitlab environment", id: gitLabIdentity(),
			policy:    func() publisher.Policy { p := gitLabPolicy(); p.Environment = "production"; return p }(),
			unchecked: []string{"environment"}},
		{name: "gitlab certificate, github publisher", id: gitLabIdentity(), policy: examplePolicy(), failed: []string{"issuer"}},
		{name: "github certificate, gitlab publisher on its issuer",
			id:     with(func(id *Identity) { id.Issuer = "https://gitlab.example.com" }),
			policy: gitLabPolicy(), failed: []string{"project", "ci_config_path", "namespace_id", "project_id"}},
		{name: "google publisher", id: with(func(id *Identity) { id.Issuer = "https://accounts.google.com" }),
			policy: google, failed: []string{"provider"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := sy.verifyFor(t, c.id, c.policy, MatchOptions{AcceptUnchecked: c.accept})
			if c.failed != nil || c.unchecked != nil {
				if m != nil {
					t.Errorf("a refusal returned a match %+v", m)
				}
				wantMatchErr(t, err, c.failed, c.unchecked)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var accepted []string
			for _, u := range m.Unchecked {
				accepted = append(accepted, u.Rule)
			}
			if diff := cmp.Diff(c.accepted, accepted); diff != "" {
				t.Errorf("accepted unchecked rules (-want +got):\n%s", diff)
			}
			if m.Result.Identity != c.id {
				t.Errorf("identity %+v, want %+v", m.Result.Identity, c.id)
			}
		})
	}
}

// The explanation names each rule, what the publisher expects and what
// the certificate carries, quoted and clipped.
func TestMatchErrorMessage(t *testing.T) {
	sy := newSynthetic(t)
	id := gitHubIdentity()
	long := "refs/heads/" + strings.Repeat("x", 300) + "\n"
	id.SourceRepositoryRef = long
	id.BuildConfigURI = "https://github.com/octo-org/example/.github/workflows/release.yml@" + long
	id.BuildSignerURI = id.BuildConfigURI
	p := examplePolicy()
	p.OwnerID = "1"
	p.Environment = "release"
	p.Refs = refs(t, "refs/tags/v*")
	_, err := sy.verifyFor(t, id, p, MatchOptions{})
	wantMatchErr(t, err, []string{"owner_id", "refs"}, []string{"environment"})
	msg := err.Error()
	for _, want := range []string{
		`provenance: attestation not signed by the trusted publisher: publisher "example", certificate of issuer "https://token.actions.githubusercontent.com"`,
		`; owner_id: the publisher expects 1, the certificate was issued to "9919" (claim repository_owner_id, from its Source Repository Owner Identifier)`,
		`; refs: the publisher expects a ref matching refs/tags/v*, the certificate was issued to "refs/heads/xxx`,
		`… (312 bytes) (claim ref, from its Source Repository Ref)`,
		`; environment: not checkable, the certificate does not show claim environment (the publisher expects release)`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message\n%s\nshould contain\n%s", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("message holds a raw newline: %q", msg)
	}
}

func TestMatchRefusesInvalidPublishers(t *testing.T) {
	f := fixtures(t)[0]
	att, err := f.parse(readTestdata(t, f.file))
	if err != nil {
		t.Fatal(err)
	}
	v := publicGood(t)
	res, err := v.Verify(att, f.artifact)
	if err != nil {
		t.Fatal(err)
	}
	bad := examplePolicy()
	bad.OwnerID = "not a number"
	var nilGitHub *publisher.GitHub
	for _, reg := range []publisher.Registered{{ID: "none"}, {ID: "nil", Policy: nilGitHub}, {ID: "bad", Policy: bad}} {
		if _, err := v.VerifyFor(att, f.artifact, reg, MatchOptions{}); !errors.Is(err, publisher.ErrPolicy) {
			t.Errorf("%s: VerifyFor error %v, want ErrPolicy", reg.ID, err)
		}
		if _, err := res.Match(reg, MatchOptions{}); !errors.Is(err, publisher.ErrPolicy) || errors.Is(err, ErrIdentity) {
			t.Errorf("%s: Match error %v, want ErrPolicy", reg.ID, err)
		}
	}
	var none *Result
	_, err = none.Match(publisher.Registered{ID: "p", Policy: examplePolicy()}, MatchOptions{})
	wantErr(t, err, ErrMalformed)
}

// Every rule name a policy's Check can report as unchecked is one of its
// documented rules.
func TestUncheckedRulesAreDocumented(t *testing.T) {
	sy := newSynthetic(t)
	p := examplePolicy()
	p.Environment, p.RequireProtectedRef = "release", true
	_, err := sy.verifyFor(t, gitHubIdentity(), p, MatchOptions{})
	me := wantMatchErr(t, err, nil, []string{"environment", "require_protected_ref"})
	for _, u := range me.Unchecked {
		if !slices.ContainsFunc(p.Rules(), func(r publisher.ClaimRule) bool { return r.Rule == u.Rule && r.Claim == u.Claim }) {
			t.Errorf("unchecked %+v is not in GitHub.Rules", u)
		}
	}
}
