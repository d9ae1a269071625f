package publisher_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// Fuzz targets for what a registry loads (policy files, ref patterns) and
// for each policy's Check against hostile claims.

// FuzzRegistered loads a publisher from JSON. What loads is valid, writes
// back and loads again to the same policy, and is found by a store.
func FuzzRegistered(f *testing.F) {
	b, err := os.ReadFile("testdata/publishers.json")
	if err != nil {
		f.Fatal(err)
	}
	var file []json.RawMessage
	if err := json.Unmarshal(b, &file); err != nil {
		f.Fatal(err)
	}
	for _, r := range file {
		f.Add(string(r))
	}
	for _, s := range checkSeeds(f) {
		f.Add(`{"id":"x","provider":"` + s.provider + `","policy":` + s.policy + `}`)
	}
	f.Fuzz(func(t *testing.T, data string) {
		var r publisher.Registered
		if err := r.UnmarshalJSON([]byte(data)); err != nil {
			if !errors.Is(err, publisher.ErrPolicy) {
				t.Fatalf("error %v does not wrap ErrPolicy", err)
			}
			return
		}
		if !json.Valid([]byte(data)) {
			t.Fatalf("loaded %q, which is not JSON", data)
		}
		if r.ID == "" || r.Policy == nil || r.Policy.Validate() != nil {
			t.Fatalf("loaded %q as an invalid publisher %+v", data, r)
		}
		written, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var again publisher.Registered
		if err := again.UnmarshalJSON(written); err != nil {
			t.Fatalf("%q loads, what it wrote, %s, does not: %v", data, written, err)
		}
		if d := cmp.Diff(r, again, cmp.Comparer(func(a, b publisher.RefPattern) bool { return a.String() == b.String() })); d != "" {
			t.Fatalf("round trip of %q changed the publisher (-first +second):\n%s", data, d)
		}
		store, err := publisher.NewMemoryStore(r)
		if err != nil {
			t.Fatalf("store refuses a loaded publisher: %v", err)
		}
		found, err := store.Lookup(context.Background(), r.Policy.Issuer(), r.Policy.LookupKey())
		if err != nil || len(found) != 1 {
			t.Fatalf("store lookup: %v, %v", found, err)
		}
		if d := cmp.Diff(r, found[0], cmp.Comparer(func(a, b publisher.RefPattern) bool { return a.String() == b.String() })); d != "" {
			t.Fatalf("the store changed %q (-loaded +found):\n%s", data, d)
		}
	})
}

// FuzzRefPattern checks patterns against the regular expression they stand
// for: "**" any run, "*" any run without "/", the rest literal, anchored.
func FuzzRefPattern(f *testing.F) {
	for _, s := range [][2]string{
		{"refs/tags/v*", "refs/tags/v1.2.0"}, {"refs/tags/v*", "refs/tags/v1/2"}, {"refs/heads/**", "refs/heads/a/b"},
		{"refs/**/main", "refs/heads/main"}, {"refs/*/*-rc*", "refs/tags/v1-rc2"}, {"refs/heads/main", "refs/heads/main"},
		{"refs/**a**", "refs/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"}, {"refs/tags/*", "refs/tags/\xff"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, ref string) {
		p, err := publisher.ParseRefPattern(pattern)
		if err != nil {
			return
		}
		if p.String() != pattern || !strings.HasPrefix(pattern, "refs/") || strings.Contains(pattern, "***") ||
			strings.ContainsAny(pattern, "?[]{}\\ ") || strings.Count(pattern, "*")-strings.Count(pattern, "**") > 8 {
			t.Fatalf("accepted pattern %q", pattern)
		}
		var q publisher.RefPattern
		if text, _ := p.MarshalText(); q.UnmarshalText(text) != nil || q.Match(ref) != p.Match(ref) {
			t.Fatalf("pattern %q does not survive MarshalText", pattern)
		}
		re, err := refRegexp(pattern)
		if err != nil {
			return // not UTF-8: regexp cannot say
		}
		want := len(ref) <= 4096 && re.MatchString(ref)
		if got := p.Match(ref); got != want {
			t.Fatalf("pattern %q, ref %q: Match %v, regexp %s says %v", pattern, ref, got, re, want)
		}
	})
}

// refRegexp builds the anchored regular expression a pattern stands for.
func refRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for i := 0; i < len(pattern); {
		switch {
		case strings.HasPrefix(pattern[i:], "**"):
			b.WriteString(`.*`)
			i += 2
		case pattern[i] == '*':
			b.WriteString(`[^/]*`)
			i++
		default:
			j := strings.IndexByte(pattern[i:], '*')
			if j < 0 {
				j = len(pattern) - i
			}
			b.WriteString(regexp.QuoteMeta(pattern[i : i+j]))
			i += j
		}
	}
	b.WriteString(`\z`)
	return regexp.Compile(b.String())
}

// A checkSeed is a policy and a claims set it matches.
type checkSeed struct{ provider, policy, payload string }

func checkSeeds(tb testing.TB) []checkSeed {
	js := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		return string(b)
	}
	gh := providertest.GitHubReusable(providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.2.0"), "", "_publish.yml", "")
	gh.RefProtected = "true"
	gl := providertest.GitLabProject("gitlab.com", "group/sub/project", "ci/release.yml", "refs/tags/v1.0.0")
	gl.RefProtected = "true"
	cci := providertest.CircleCIClaims()
	const uuid = "00000000-0000-4000-8000-00000000000a"
	return []checkSeed{
		{"github", `{"owner":"Octo-Org","owner_id":"9919","repository":"hello","workflow":"release.yml","environment":"production",` +
			`"reusable_workflow":"octo-org/hello/.github/workflows/_publish.yml","refs":["refs/tags/v*"],"repository_id":"860122172",` +
			`"require_protected_ref":true,"require_hosted_runner":true}`, js(gh)},
		{"github", `{"owner":"o","owner_id":"1","repository":"r","workflow":"w.yml"}`,
			`{"repository":"O/r","repository_owner":"o","repository_owner_id":"1","workflow_ref":"o/r/.github/workflows/w.yml@refs/heads/m",` +
				`"job_workflow_ref":"x/y/.github/workflows/z.yml@refs/heads/m","event_name":"push","ref":"refs/heads/m","sha":"0123456789abcdef0123456789abcdef01234567"}`},
		{"gitlab", `{"namespace":"Group/sub","project":"project","ci_config_path":"ci/release.yml","namespace_id":"123",` +
			`"project_id":"74884433","refs":["refs/tags/**"],"require_protected_ref":true,"require_hosted_runner":true}`, js(gl)},
		{"gitlab", `{"namespace":"g","project":"p","ci_config_path":"a.yml"}`,
			`{"project_path":"g/p","project_id":"1","namespace_path":"g","namespace_id":"2","ref":"main","ref_type":"branch",` +
				`"ref_path":"refs/heads/main","sha":"s","ci_config_ref_uri":"gitlab.com/G/p//a.yml@s"}`},
		{"google", `{"email":"716149158341-compute@developer.gserviceaccount.com","subject":"110987294251917851298"}`,
			js(providertest.GoogleClaims())},
		{"google", `{"email":"a@b.c"}`, `{"sub":"1","email":"a@b.c","email_verified":true}`},
		{"activestate", `{"organization":"ActiveState-Labs","project":"pyproject-example","actor_id":"` +
			providertest.ActiveStateClaims().ActorID + `","builder":"pypi-publisher"}`, js(providertest.ActiveStateClaims())},
		{"activestate", `{"organization":"o","project":"p","actor_id":"00000000-0000-0000-0000-00000000000a","builder":"b"}`,
			`{"sub":"org:o:project:p:x","organization":"o","project":"p","actor_id":"00000000-0000-0000-0000-00000000000a","builder":"b"}`},
		{"buildkite", `{"organization_slug":"acme-inc","pipeline_slug":"super-duper-app","branch":"main","tag":"v1.0.0","step_key":"publish",` +
			`"organization_id":"f892efa9-103e-4d28-97a1-3b8616a0994d","pipeline_id":"0192d1a4-6c3e-7f25-9b8a-3e1f0c2d4b6a"}`,
			js(providertest.BuildkiteClaims())},
		{"buildkite", `{"organization_slug":"o","pipeline_slug":"p"}`,
			`{"sub":"organization:o:pipeline:p:","organization_slug":"o","pipeline_slug":"p","build_number":1,` +
				`"job_id":"00000000-0000-0000-0000-00000000000a","agent_id":"00000000-0000-0000-0000-00000000000b"}`},
		{"circleci", `{"organization_id":"` + cci.OrganizationID + `","project_id":"` + cci.ProjectID + `","pipeline_definition_id":"` +
			cci.PipelineDefinitionID + `","vcs_origin":"github.com/octo-org/hello-world","context_ids":["` + cci.ContextIDs[0] +
			`"],"refs":["refs/tags/v*"]}`, js(cci)},
		{"circleci", `{"organization_id":"` + uuid + `","project_id":"` + uuid + `","pipeline_definition_id":"` + uuid +
			`","vcs_origin":"h/o/r","allow_ssh_rerun":true}`,
			`{"oidc.circleci.com/org-id":"` + uuid + `","oidc.circleci.com/project-id":"` + uuid + `","oidc.circleci.com/pipeline-definition-id":"` +
				uuid + `","oidc.circleci.com/vcs-origin":"h/o/r","oidc.circleci.com/ssh-rerun":true}`},
		{"semaphore", `{"organization":"acme","organization_id":"d7dd33ad-9317-498c-9cc6-51c250749be7","project":"hello-py",` +
			`"project_id":"936a5312-a3b8-4921-8b3f-2cec8baac574","repo_slug":"acme-labs/hello-py","refs":["refs/tags/v*"]}`,
			js(providertest.SemaphoreClaims())},
		{"semaphore", `{"organization":"o","organization_id":"00000000-0000-0000-0000-00000000000a","project":"p",` +
			`"project_id":"00000000-0000-0000-0000-00000000000b","repo_slug":"g/s/R"}`,
			`{"sub":"org:o:project:00000000-0000-0000-0000-00000000000b:repo:r:","org":"o","org_id":"00000000-0000-0000-0000-00000000000a",` +
				`"prj":"p","prj_id":"00000000-0000-0000-0000-00000000000b","repo_slug":"g/s/R","ref_type":"branch","job_type":"pipeline_job"}`},
	}
}

// Every seed of the Check targets matches, so that a fuzzing run starts
// from matches and their mutations.
func TestCheckSeedsMatch(t *testing.T) {
	decode := map[string]func(string) (claims.Set, error){
		"github":      func(s string) (claims.Set, error) { return claims.DecodeGitHub(s) },
		"gitlab":      func(s string) (claims.Set, error) { return claims.DecodeGitLab(s) },
		"google":      func(s string) (claims.Set, error) { return claims.DecodeGoogle(s) },
		"activestate": func(s string) (claims.Set, error) { return claims.DecodeActiveState(s) },
		"buildkite":   func(s string) (claims.Set, error) { return claims.DecodeBuildkite(s) },
		"circleci":    func(s string) (claims.Set, error) { return claims.DecodeCircleCI(s) },
		"semaphore":   func(s string) (claims.Set, error) { return claims.DecodeSemaphore(s) },
	}
	for _, s := range checkSeeds(t) {
		var r publisher.Registered
		if err := r.UnmarshalJSON([]byte(`{"id":"f","provider":"` + s.provider + `","policy":` + s.policy + `}`)); err != nil {
			t.Fatalf("%s: %v", s.policy, err)
		}
		set, err := decode[s.provider](s.payload)
		if err != nil {
			t.Fatalf("%s: %v", s.payload, err)
		}
		if miss := r.Policy.Check(set); len(miss) > 0 {
			t.Errorf("%s: %v", s.policy, miss)
		}
	}
}

func FuzzCheckGitHub(f *testing.F) {
	fuzzCheck(f, "github", func(s string) (claims.Set, error) { return claims.DecodeGitHub(s) }, githubModel)
}

func FuzzCheckGitLab(f *testing.F) {
	fuzzCheck(f, "gitlab", func(s string) (claims.Set, error) { return claims.DecodeGitLab(s) }, gitlabModel)
}

func FuzzCheckGoogle(f *testing.F) {
	fuzzCheck(f, "google", func(s string) (claims.Set, error) { return claims.DecodeGoogle(s) }, googleModel)
}

func FuzzCheckActiveState(f *testing.F) {
	fuzzCheck(f, "activestate", func(s string) (claims.Set, error) { return claims.DecodeActiveState(s) }, activestateModel)
}

func FuzzCheckBuildkite(f *testing.F) {
	fuzzCheck(f, "buildkite", func(s string) (claims.Set, error) { return claims.DecodeBuildkite(s) }, buildkiteModel)
}

func FuzzCheckCircleCI(f *testing.F) {
	fuzzCheck(f, "circleci", func(s string) (claims.Set, error) { return claims.DecodeCircleCI(s) }, circleciModel)
}

func FuzzCheckSemaphore(f *testing.F) {
	fuzzCheck(f, "semaphore", func(s string) (claims.Set, error) { return claims.DecodeSemaphore(s) }, semaphoreModel)
}

// A mutation changes one pinned claim of a matching set: Check must then
// report the rule.
type mutation struct {
	rule string
	set  claims.Set
}

// model restates a policy kind's rules for a set Check matched, failing the
// test where the set breaks one, and returns the set's mutations.
type model func(t *testing.T, p publisher.Policy, set claims.Set) []mutation

// fuzzCheck loads a policy of the provider and decodes a claims set, then
// holds Check to: no panic; a token of another provider, or none, is a
// "provider" mismatch; every mismatch names a documented rule; a match
// shares the policy's lookup key, obeys the model, and turns into a
// mismatch of the right rule when a pinned claim changes.
func fuzzCheck(f *testing.F, provider string, decode func(string) (claims.Set, error), m model) {
	for _, s := range checkSeeds(f) {
		if s.provider == provider {
			f.Add(s.policy, s.payload)
		}
	}
	other := map[bool]claims.Set{true: providertest.GoogleClaims(), false: providertest.GitHubClaims()}[provider != "google"]
	f.Fuzz(func(t *testing.T, policy, payload string) {
		var r publisher.Registered
		if r.UnmarshalJSON([]byte(`{"id":"f","provider":"`+provider+`","policy":`+policy+`}`)) != nil || string(r.Policy.Provider()) != provider {
			return
		}
		p := r.Policy
		for _, bad := range []claims.Set{nil, other} {
			if miss := p.Check(bad); len(miss) != 1 || miss[0].Rule != "provider" {
				t.Fatalf("Check(%T) = %v, want one provider mismatch", bad, miss)
			}
		}
		set, err := decode(payload)
		if err != nil {
			return
		}
		miss := p.Check(set)
		rules := []string{"provider"}
		for _, cr := range p.(interface{ Rules() []publisher.ClaimRule }).Rules() {
			rules = append(rules, cr.Rule)
		}
		for _, mm := range miss {
			if !slices.Contains(rules, mm.Rule) {
				t.Fatalf("mismatch %+v names no documented rule", mm)
			}
		}
		if len(miss) > 0 {
			return
		}
		if set.LookupKey() != p.LookupKey() {
			t.Fatalf("policy %s matched claims of lookup key %q, its own is %q", policy, set.LookupKey(), p.LookupKey())
		}
		for _, mu := range m(t, p, set) {
			if !slices.ContainsFunc(p.Check(mu.set), func(x publisher.Mismatch) bool { return x.Rule == mu.rule }) {
				t.Fatalf("policy %s: a change of the %s claim still matches: %+v", policy, mu.rule, mu.set)
			}
		}
	})
}

// foldASCII lower-cases ASCII letters only, as providers compare names.
func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func githubModel(t *testing.T, pol publisher.Policy, set claims.Set) []mutation {
	p, c := pol.(*publisher.GitHub), set.(*claims.GitHub)
	repo := p.Owner + "/" + p.Repository
	wf, at, _ := strings.Cut(c.WorkflowRef, "@")
	switch {
	case foldASCII(c.Repository) != foldASCII(repo):
		t.Fatalf("matched repository %q for %q", c.Repository, repo)
	case c.RepositoryOwnerID != p.OwnerID || p.RepositoryID != "" && c.RepositoryID != p.RepositoryID:
		t.Fatalf("matched ids %q/%q for %q/%q", c.RepositoryOwnerID, c.RepositoryID, p.OwnerID, p.RepositoryID)
	case foldASCII(wf) != foldASCII(repo+"/.github/workflows/"+p.Workflow) || !strings.HasSuffix(wf, "/.github/workflows/"+p.Workflow) ||
		at == "" || at != c.Ref && at != c.SHA:
		t.Fatalf("matched workflow_ref %q (ref %q, sha %q) for %q", c.WorkflowRef, c.Ref, c.SHA, p.Workflow)
	case p.Environment != "" && foldASCII(c.Environment) != foldASCII(p.Environment):
		t.Fatalf("matched environment %q for %q", c.Environment, p.Environment)
	case c.EventName == "pull_request_target" || c.EventName == "workflow_run":
		t.Fatalf("matched event %q", c.EventName)
	}
	mut := func(rule string, edit func(*claims.GitHub)) mutation {
		m := *c
		edit(&m)
		return mutation{rule, &m}
	}
	out := []mutation{
		mut("repository", func(m *claims.GitHub) { m.Repository += "x" }),
		mut("owner_id", func(m *claims.GitHub) { m.RepositoryOwnerID += "0" }),
		mut("workflow", func(m *claims.GitHub) {
			m.WorkflowRef = strings.Replace(m.WorkflowRef, "/workflows/", "/workflows/x", 1)
		}),
		mut("workflow", func(m *claims.GitHub) { m.Ref, m.SHA = m.Ref+"x", m.SHA+"x" }),
		mut("event", func(m *claims.GitHub) { m.EventName = "pull_request_target" }),
	}
	if p.RepositoryID != "" {
		out = append(out, mut("repository_id", func(m *claims.GitHub) { m.RepositoryID += "0" }))
	}
	if p.Environment != "" {
		out = append(out, mut("environment", func(m *claims.GitHub) { m.Environment += "x" }),
			mut("environment", func(m *claims.GitHub) { m.Environment = "" }))
	}
	if p.ReusableWorkflow != "" {
		out = append(out, mut("reusable_workflow", func(m *claims.GitHub) { m.JobWorkflowRef = "x" + m.JobWorkflowRef }))
	}
	if p.Refs != nil {
		out = append(out, mut("refs", func(m *claims.GitHub) { m.Ref = "" }))
	}
	if p.RequireProtectedRef {
		out = append(out, mut("require_protected_ref", func(m *claims.GitHub) { m.RefProtected = "false" }))
	}
	if p.RequireHostedRunner {
		out = append(out, mut("require_hosted_runner", func(m *claims.GitHub) { m.RunnerEnvironment = "self-hosted" }))
	}
	return out
}

func gitlabModel(t *testing.T, pol publisher.Policy, set claims.Set) []mutation {
	p, c := pol.(*publisher.GitLab), set.(*claims.GitLab)
	project := p.Namespace + "/" + p.Project
	host := strings.TrimPrefix(p.Issuer(), "https://")
	uri, at, _ := strings.Cut(strings.TrimPrefix(c.CIConfigRefURI, host+"/"), "//"+p.CIConfigPath+"@")
	switch {
	case foldASCII(c.ProjectPath) != foldASCII(project):
		t.Fatalf("matched project_path %q for %q", c.ProjectPath, project)
	case c.CIConfigRefURINull || foldASCII(uri) != foldASCII(project) || at == "" || at != c.RefPath && at != c.SHA ||
		!strings.HasPrefix(c.CIConfigRefURI, host+"/"):
		t.Fatalf("matched ci_config_ref_uri %q (ref_path %q, sha %q) for %s//%s", c.CIConfigRefURI, c.RefPath, c.SHA, project, p.CIConfigPath)
	case p.Environment != "" && c.Environment != p.Environment,
		p.NamespaceID != "" && c.NamespaceID != p.NamespaceID,
		p.ProjectID != "" && c.ProjectID != p.ProjectID:
		t.Fatalf("matched %+v for %+v", c, p)
	}
	mut := func(rule string, edit func(*claims.GitLab)) mutation {
		m := *c
		edit(&m)
		return mutation{rule, &m}
	}
	out := []mutation{
		mut("project", func(m *claims.GitLab) { m.ProjectPath += "x" }),
		mut("ci_config_path", func(m *claims.GitLab) { m.CIConfigRefURI = "x" + m.CIConfigRefURI }),
		mut("ci_config_path", func(m *claims.GitLab) { m.CIConfigRefURI, m.CIConfigRefURINull = "", true }),
		mut("ci_config_path", func(m *claims.GitLab) { m.RefPath, m.SHA = m.RefPath+"x", m.SHA+"x" }),
	}
	if p.Environment != "" {
		out = append(out, mut("environment", func(m *claims.GitLab) { m.Environment += "x" }))
	}
	if p.NamespaceID != "" {
		out = append(out, mut("namespace_id", func(m *claims.GitLab) { m.NamespaceID += "0" }))
	}
	if p.ProjectID != "" {
		out = append(out, mut("project_id", func(m *claims.GitLab) { m.ProjectID += "0" }))
	}
	if p.Refs != nil {
		out = append(out, mut("refs", func(m *claims.GitLab) { m.RefPath = "" }))
	}
	if p.RequireProtectedRef {
		out = append(out, mut("require_protected_ref", func(m *claims.GitLab) { m.RefProtected = "false" }))
	}
	if p.RequireHostedRunner {
		out = append(out, mut("require_hosted_runner", func(m *claims.GitLab) { m.RunnerEnvironment = "self-hosted" }))
	}
	return out
}

func googleModel(t *testing.T, pol publisher.Policy, set claims.Set) []mutation {
	p, c := pol.(*publisher.Google), set.(*claims.Google)
	if c.Email != p.Email || !c.EmailVerified || p.Subject != "" && c.Subject != p.Subject {
		t.Fatalf("matched %+v for %+v", c, p)
	}
	mut := func(rule string, edit func(*claims.Google)) mutation {
		m := *c
		edit(&m)
		return mutation{rule, &m}
	}
	out := []mutation{
		mut("email", func(m *claims.Google) { m.Email += "x" }),
		mut("email_verified", func(m *claims.Google) { m.EmailVerified = false }),
	}
	if up := strings.ToUpper(c.Email); up != c.Email {
		out = append(out, mut("email", func(m *claims.Google) { m.Email = up }))
	}
	if p.Subject != "" {
		out = append(out, mut("subject", func(m *claims.Google) { m.Subject += "0" }))
	}
	return out
}

func activestateModel(t *testing.T, pol publisher.Policy, set claims.Set) []mutation {
	p, c := pol.(*publisher.ActiveState), set.(*claims.ActiveState)
	sub := "org:" + p.Organization + ":project:" + p.Project
	if c.Subject != sub && !strings.HasPrefix(c.Subject, sub+":") || c.Organization != p.Organization ||
		c.Project != p.Project || c.ActorID != p.ActorID || c.Builder != p.Builder {
		t.Fatalf("matched %+v for %+v", c, p)
	}
	mut := func(rule string, edit func(*claims.ActiveState)) mutation {
		m := *c
		edit(&m)
		return mutation{rule, &m}
	}
	return []mutation{
		mut("subject", func(m *claims.ActiveState) { m.Subject = "x" + m.Subject }),
		mut("subject", func(m *claims.ActiveState) { m.Subject = sub + "x" }),
		mut("organization", func(m *claims.ActiveState) { m.Organization += "x" }),
		mut("project", func(m *claims.ActiveState) { m.Project += "x" }),
		mut("actor_id", func(m *claims.ActiveState) { m.ActorID += "0" }),
		mut("builder", func(m *claims.ActiveState) { m.Builder += "x" }),
	}
}

func buildkiteModel(t *testing.T, pol publisher.Policy, set claims.Set) []mutation {
	p, c := pol.(*publisher.Buildkite), set.(*claims.Buildkite)
	sub := "organization:" + p.OrganizationSlug + ":pipeline:" + p.PipelineSlug + ":"
	switch {
	case !strings.HasPrefix(c.Subject, sub) || c.OrganizationSlug != p.OrganizationSlug || c.PipelineSlug != p.PipelineSlug,
		p.Branch != "" && c.BuildBranch != p.Branch, p.Tag != "" && c.BuildTag != p.Tag, p.StepKey != "" && c.StepKey != p.StepKey,
		p.OrganizationID != "" && c.OrganizationID != p.OrganizationID, p.PipelineID != "" && c.PipelineID != p.PipelineID:
		t.Fatalf("matched %+v for %+v", c, p)
	}
	mut := func(rule string, edit func(*claims.Buildkite)) mutation {
		m := *c
		edit(&m)
		return mutation{rule, &m}
	}
	out := []mutation{
		mut("subject", func(m *claims.Buildkite) { m.Subject = "x" + m.Subject }),
		mut("subject", func(m *claims.Buildkite) { m.Subject = sub[:len(sub)-1] + "x:" }),
		mut("organization_slug", func(m *claims.Buildkite) { m.OrganizationSlug += "x" }),
		mut("pipeline_slug", func(m *claims.Buildkite) { m.PipelineSlug += "x" }),
	}
	if up := strings.ToUpper(c.OrganizationSlug); up != c.OrganizationSlug {
		out = append(out, mut("organization_slug", func(m *claims.Buildkite) { m.OrganizationSlug = up }))
	}
	if p.Branch != "" {
		out = append(out, mut("branch", func(m *claims.Buildkite) { m.BuildBranch += "x" }))
	}
	if p.Tag != "" {
		out = append(out, mut("tag", func(m *claims.Buildkite) { m.BuildTag = "" }))
	}
	if p.StepKey != "" {
		out = append(out, mut("step_key", func(m *claims.Buildkite) { m.StepKey = "" }))
	}
	if p.OrganizationID != "" {
		out = append(out, mut("organization_id", func(m *claims.Buildkite) { m.OrganizationID = "" }),
			mut("organization_id", func(m *claims.Buildkite) { m.OrganizationID = strings.ToUpper(m.OrganizationID) }))
	}
	if p.PipelineID != "" {
		out = append(out, mut("pipeline_id", func(m *claims.Buildkite) { m.PipelineID += "0" }))
	}
	return out
}

func circleciModel(t *testing.T, pol publisher.Policy, set claims.Set) []mutation {
	p, c := pol.(*publisher.CircleCI), set.(*claims.CircleCI)
	shared := p.ContextIDs == nil
	for _, id := range c.ContextIDs {
		shared = shared || slices.Contains(p.ContextIDs, id)
	}
	switch {
	case c.OrganizationID != p.OrganizationID || c.ProjectID != p.ProjectID || c.PipelineDefinitionID != p.PipelineDefinitionID:
		t.Fatalf("matched ids %s/%s/%s for %s/%s/%s", c.OrganizationID, c.ProjectID, c.PipelineDefinitionID,
			p.OrganizationID, p.ProjectID, p.PipelineDefinitionID)
	case c.VCSOrigin != p.VCSOrigin || c.VCSOrigin == "":
		t.Fatalf("matched vcs-origin %q for %q", c.VCSOrigin, p.VCSOrigin)
	case !shared:
		t.Fatalf("matched contexts %q for %q", c.ContextIDs, p.ContextIDs)
	case p.Refs != nil && !strings.HasPrefix(c.VCSRef, "refs/"):
		t.Fatalf("matched vcs-ref %q for %v", c.VCSRef, p.Refs)
	case !p.AllowSSHRerun && (c.SSHRerun == nil || *c.SSHRerun):
		t.Fatalf("matched an SSH re-run (%v) without allow_ssh_rerun", c.SSHRerun)
	}
	mut := func(rule string, edit func(*claims.CircleCI)) mutation {
		m := *c
		edit(&m)
		return mutation{rule, &m}
	}
	out := []mutation{
		mut("organization_id", func(m *claims.CircleCI) { m.OrganizationID = strings.ToUpper(m.OrganizationID) + "x" }),
		mut("project_id", func(m *claims.CircleCI) { m.ProjectID += "0" }),
		mut("pipeline_definition_id", func(m *claims.CircleCI) { m.PipelineDefinitionID = "" }),
		mut("vcs_origin", func(m *claims.CircleCI) { m.VCSOrigin += "-fork" }),
		mut("vcs_origin", func(m *claims.CircleCI) { m.VCSOrigin = "" }),
	}
	if p.ContextIDs != nil {
		out = append(out, mut("context_ids", func(m *claims.CircleCI) { m.ContextIDs = nil }))
	}
	if p.Refs != nil {
		out = append(out, mut("refs", func(m *claims.CircleCI) { m.VCSRef = "" }))
	}
	if !p.AllowSSHRerun {
		out = append(out, mut("allow_ssh_rerun", func(m *claims.CircleCI) { m.SSHRerun = new(true) }),
			mut("allow_ssh_rerun", func(m *claims.CircleCI) { m.SSHRerun = nil }))
	}
	return out
}

func semaphoreModel(t *testing.T, pol publisher.Policy, set claims.Set) []mutation {
	p, c := pol.(*publisher.Semaphore), set.(*claims.Semaphore)
	repo := p.RepoSlug[strings.LastIndex(p.RepoSlug, "/")+1:]
	prefix := "org:" + p.Organization + ":project:" + p.ProjectID + ":repo:"
	rest, ok := strings.CutPrefix(c.Subject, prefix)
	switch {
	case !ok || len(rest) <= len(repo) || foldASCII(rest[:len(repo)]) != foldASCII(repo) || rest[len(repo)] != ':':
		t.Fatalf("matched sub %q for %s%s:", c.Subject, prefix, repo)
	case c.Organization != p.Organization || c.OrganizationID != p.OrganizationID || c.Project != p.Project ||
		c.ProjectID != p.ProjectID || c.RepoSlug != p.RepoSlug:
		t.Fatalf("matched %+v for %+v", c, p)
	case c.RefType != "branch" && c.RefType != "tag", c.JobType != "pipeline_job":
		t.Fatalf("matched ref_type %q, job_type %q", c.RefType, c.JobType)
	case p.IssuerURL == "" && pol.Issuer() != "https://"+p.Organization+".semaphoreci.com":
		t.Fatalf("issuer %s for organization %s", pol.Issuer(), p.Organization)
	}
	mut := func(rule string, edit func(*claims.Semaphore)) mutation {
		m := *c
		edit(&m)
		return mutation{rule, &m}
	}
	out := []mutation{
		mut("subject", func(m *claims.Semaphore) { m.Subject = "x" + m.Subject }),
		mut("subject", func(m *claims.Semaphore) { m.Subject = prefix + repo + "x:" }),
		mut("organization", func(m *claims.Semaphore) { m.Organization += "x" }),
		mut("organization_id", func(m *claims.Semaphore) { m.OrganizationID += "0" }),
		mut("project", func(m *claims.Semaphore) { m.Project += "x" }),
		mut("project_id", func(m *claims.Semaphore) { m.ProjectID += "0" }),
		mut("repo_slug", func(m *claims.Semaphore) { m.RepoSlug += "x" }),
		mut("ref_type", func(m *claims.Semaphore) { m.RefType = "pull-request" }),
		mut("job_type", func(m *claims.Semaphore) { m.JobType = "debug_job" }),
	}
	if up := strings.ToUpper(c.RepoSlug); up != c.RepoSlug {
		out = append(out, mut("repo_slug", func(m *claims.Semaphore) { m.RepoSlug = up }))
	}
	if p.Refs != nil {
		out = append(out, mut("refs", func(m *claims.Semaphore) { m.Ref = "" }))
	}
	return out
}
