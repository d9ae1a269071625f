package publisher_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
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

// glURI is the fixture's ci_config_ref_uri.
const glURI = "gitlab.com/octocat/hello-world//.gitlab-ci.yml@refs/heads/main"

func glPats(t testing.TB, src ...string) []publisher.RefPattern {
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

// glPolicy is the gitlab.com publisher the fixture's pipeline satisfies.
func glPolicy() *publisher.GitLab {
	return &publisher.GitLab{Namespace: "octocat", Project: "hello-world", CIConfigPath: ".gitlab-ci.yml"}
}

// otherVerifier builds a Verifier over a memory store of pubs.
func otherVerifier(t *testing.T, client *http.Client, provs []providers.Provider, pubs ...publisher.Registered) *publisher.Verifier {
	t.Helper()
	store, err := publisher.NewMemoryStore(pubs...)
	if err != nil {
		t.Fatal(err)
	}
	v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: provs,
		Publishers: store, HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// rejections returns the mismatches of a *NoMatchError by publisher id.
func rejections(t *testing.T, err error) map[string][]publisher.Mismatch {
	t.Helper()
	var nm *publisher.NoMatchError
	if !errors.As(err, &nm) || !errors.Is(err, publisher.ErrNoPublisher) {
		t.Fatalf("err = %v, want a *NoMatchError", err)
	}
	out := map[string][]publisher.Mismatch{}
	for _, r := range nm.Rejected {
		out[r.ID] = r.Mismatches
	}
	return out
}

type ruleCase[P any, C any] struct {
	name   string
	policy func(*P)
	claims func(*C)
	want   []publisher.Mismatch
}

// checkRules runs Check cases and then holds the policy's documented rules
// (Rules, the README table) to what Check did: every mismatch reported is a
// documented (rule, claim) pair, and every documented rule but the issuer
// (the verifier's) failed in some case.
func checkRules[P any, C any](t *testing.T, newP func() *P, newC func() *C, rules []publisher.ClaimRule, cases []ruleCase[P, C]) {
	t.Helper()
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, c := newP(), newC()
			if tc.policy != nil {
				tc.policy(p)
			}
			if tc.claims != nil {
				tc.claims(c)
			}
			pol := any(p).(publisher.Policy)
			if err := pol.Validate(); err != nil {
				t.Fatalf("policy invalid: %v", err)
			}
			got := pol.Check(any(c).(claims.Set))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
			for _, m := range got {
				seen[m.Rule] = true
				if !strings.Contains(m.String(), m.Rule+": ") || !strings.Contains(m.String(), m.Want) || !strings.Contains(m.String(), m.Claim) {
					t.Errorf("explanation %q does not name the rule, claim and want", m)
				}
			}
		})
	}
	documented := map[string]bool{}
	for _, r := range rules {
		if r.Rule == "" {
			continue
		}
		documented[r.Rule+" "+r.Claim] = true
		if r.Rule != "issuer" && !seen[r.Rule] {
			t.Errorf("documented rule %s (claim %s) never failed in these cases", r.Rule, r.Claim)
		}
	}
	for _, tc := range cases {
		for _, m := range tc.want {
			if !documented[m.Rule+" "+m.Claim] {
				t.Errorf("case %q: rule %s on claim %s is not documented in Rules", tc.name, m.Rule, m.Claim)
			}
		}
	}
}

// claimsDocumented checks that every claim of the schema struct (its json
// names) has a row in rules or is named in a row's note.
func claimsDocumented(t *testing.T, schema any, rules []publisher.ClaimRule) {
	t.Helper()
	text := ""
	for _, r := range rules {
		text += " `" + r.Claim + "` " + r.Note
	}
	typ := reflect.TypeOf(schema).Elem()
	for i := 0; i < typ.NumField(); i++ {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		if name == "google" {
			name = "google.compute_engine"
		}
		if !strings.Contains(text, "`"+name+"`") {
			t.Errorf("claim %s is not documented in Rules", name)
		}
	}
}

func TestGitLabCheck(t *testing.T) {
	t.Parallel()
	const nullGot = "null (the pipeline is defined outside the project's repository, which trusted publishing refuses)"
	uriMiss := func(want, got string) publisher.Mismatch {
		return publisher.Mismatch{Rule: "ci_config_path", Claim: "ci_config_ref_uri", Want: want, Got: got}
	}
	sha := providertest.GitLabClaims().SHA
	cases := []ruleCase[publisher.GitLab, claims.GitLab]{
		{name: "fixture"},
		{name: "project case-insensitive", policy: func(p *publisher.GitLab) { p.Namespace, p.Project = "OctoCat", "Hello-World" }},
		{name: "uri project part case-insensitive", claims: func(c *claims.GitLab) {
			c.CIConfigRefURI = "gitlab.com/OctoCat/Hello-World//.gitlab-ci.yml@refs/heads/main"
		}},
		{name: "uri pinned to the sha", claims: func(c *claims.GitLab) {
			c.CIConfigRefURI = "gitlab.com/octocat/hello-world//.gitlab-ci.yml@" + c.SHA
		}},
		{name: "nested file in a subgroup", policy: func(p *publisher.GitLab) {
			p.Namespace, p.CIConfigPath = "octocat/team", "ci/release.yaml"
		}, claims: func(c *claims.GitLab) {
			*c = *providertest.GitLabProject("gitlab.com", "octocat/team/hello-world", "ci/release.yaml", "refs/tags/v1.0.0")
		}},
		{name: "every optional rule satisfied", policy: func(p *publisher.GitLab) {
			p.Environment, p.NamespaceID, p.ProjectID = "production", "123", "74884433"
			p.Refs, p.RequireProtectedRef, p.RequireHostedRunner = glPats(t, "refs/tags/v*", "refs/heads/main"), true, true
		}, claims: func(c *claims.GitLab) { c.Environment = "production" }},

		{name: "other project", policy: func(p *publisher.GitLab) { p.Project = "hello" }, want: []publisher.Mismatch{
			{Rule: "project", Claim: "project_path", Want: "octocat/hello", Got: "octocat/hello-world"},
			uriMiss("gitlab.com/octocat/hello//.gitlab-ci.yml@refs/heads/main", glURI),
		}},
		{name: "Kelvin sign does not fold", policy: func(p *publisher.GitLab) { p.Project = "hello-korld" }, claims: func(c *claims.GitLab) {
			c.ProjectPath = "octocat/hello-\u212aorld"
			c.CIConfigRefURI = "gitlab.com/octocat/hello-\u212aorld//.gitlab-ci.yml@refs/heads/main"
		}, want: []publisher.Mismatch{
			{Rule: "project", Claim: "project_path", Want: "octocat/hello-korld", Got: "octocat/hello-\u212aorld"},
			uriMiss("gitlab.com/octocat/hello-korld//.gitlab-ci.yml@refs/heads/main", "gitlab.com/octocat/hello-\u212aorld//.gitlab-ci.yml@refs/heads/main"),
		}},
		{name: "null ci_config_ref_uri", claims: func(c *claims.GitLab) { c.CIConfigRefURI, c.CIConfigRefURINull = "", true },
			want: []publisher.Mismatch{uriMiss(glURI, nullGot)}},
		{name: "absent ci_config_ref_uri", claims: func(c *claims.GitLab) { c.CIConfigRefURI = "" },
			want: []publisher.Mismatch{uriMiss(glURI, "")}},
		{name: "other file", policy: func(p *publisher.GitLab) { p.CIConfigPath = "release.yml" },
			want: []publisher.Mismatch{uriMiss("gitlab.com/octocat/hello-world//release.yml@refs/heads/main", glURI)}},
		{name: "file compared with case", policy: func(p *publisher.GitLab) { p.CIConfigPath = ".GitLab-ci.yml" },
			want: []publisher.Mismatch{uriMiss("gitlab.com/octocat/hello-world//.GitLab-ci.yml@refs/heads/main", glURI)}},
		{name: "file in a subdirectory", claims: func(c *claims.GitLab) {
			c.CIConfigRefURI = "gitlab.com/octocat/hello-world//x/.gitlab-ci.yml@refs/heads/main"
		}, want: []publisher.Mismatch{uriMiss(glURI, "gitlab.com/octocat/hello-world//x/.gitlab-ci.yml@refs/heads/main")}},
		{name: "file name extended", claims: func(c *claims.GitLab) {
			c.CIConfigRefURI = "gitlab.com/octocat/hello-world//.gitlab-ci.yml.yml@refs/heads/main"
		}, want: []publisher.Mismatch{uriMiss(glURI, "gitlab.com/octocat/hello-world//.gitlab-ci.yml.yml@refs/heads/main")}},
		{name: "config from another ref", claims: func(c *claims.GitLab) {
			c.CIConfigRefURI = "gitlab.com/octocat/hello-world//.gitlab-ci.yml@refs/heads/dev"
		}, want: []publisher.Mismatch{uriMiss(glURI, "gitlab.com/octocat/hello-world//.gitlab-ci.yml@refs/heads/dev")}},
		{name: "config from another project", claims: func(c *claims.GitLab) {
			c.CIConfigRefURI = "gitlab.com/octocat/other//.gitlab-ci.yml@" + sha
		}, want: []publisher.Mismatch{uriMiss(glURI, "gitlab.com/octocat/other//.gitlab-ci.yml@"+sha)}},
		{name: "self-managed host in a gitlab.com token", claims: func(c *claims.GitLab) {
			c.CIConfigRefURI = "gitlab.example.com/octocat/hello-world//.gitlab-ci.yml@refs/heads/main"
		}, want: []publisher.Mismatch{uriMiss(glURI, "gitlab.example.com/octocat/hello-world//.gitlab-ci.yml@refs/heads/main")}},
		{name: "gitlab.com host for a self-managed policy", policy: func(p *publisher.GitLab) { p.IssuerURL = "https://gitlab.example.com" },
			want: []publisher.Mismatch{uriMiss("gitlab.example.com/octocat/hello-world//.gitlab-ci.yml@refs/heads/main", glURI)}},
		{name: "host compared with case", claims: func(c *claims.GitLab) {
			c.CIConfigRefURI = "GitLab.com/octocat/hello-world//.gitlab-ci.yml@refs/heads/main"
		}, want: []publisher.Mismatch{uriMiss(glURI, "GitLab.com/octocat/hello-world//.gitlab-ci.yml@refs/heads/main")}},
		{name: "environment compared with case", policy: func(p *publisher.GitLab) { p.Environment = "production" },
			claims: func(c *claims.GitLab) { c.Environment = "Production" },
			want:   []publisher.Mismatch{{Rule: "environment", Claim: "environment", Want: "production", Got: "Production"}}},
		{name: "environment absent", policy: func(p *publisher.GitLab) { p.Environment = "production" },
			want: []publisher.Mismatch{{Rule: "environment", Claim: "environment", Want: "production", Got: ""}}},
		{name: "namespace re-created", policy: func(p *publisher.GitLab) { p.NamespaceID = "122" },
			want: []publisher.Mismatch{{Rule: "namespace_id", Claim: "namespace_id", Want: "122", Got: "123"}}},
		{name: "project re-created", policy: func(p *publisher.GitLab) { p.ProjectID = "1" },
			want: []publisher.Mismatch{{Rule: "project_id", Claim: "project_id", Want: "1", Got: "74884433"}}},
		{name: "ref not allowed", policy: func(p *publisher.GitLab) { p.Refs = glPats(t, "refs/tags/v*", "refs/heads/release/*") },
			want: []publisher.Mismatch{{Rule: "refs", Claim: "ref_path", Want: "a ref matching refs/tags/v* or refs/heads/release/*", Got: "refs/heads/main"}}},
		{name: "star does not cross a slash", policy: func(p *publisher.GitLab) { p.Refs = glPats(t, "refs/tags/v*") },
			claims: func(c *claims.GitLab) {
				*c = *providertest.GitLabProject("gitlab.com", "octocat/hello-world", ".gitlab-ci.yml", "refs/tags/v1/evil")
			},
			want: []publisher.Mismatch{{Rule: "refs", Claim: "ref_path", Want: "a ref matching refs/tags/v*", Got: "refs/tags/v1/evil"}}},
		{name: "unprotected ref", policy: func(p *publisher.GitLab) { p.RequireProtectedRef = true },
			claims: func(c *claims.GitLab) { c.RefProtected = "false" },
			want:   []publisher.Mismatch{{Rule: "require_protected_ref", Claim: "ref_protected", Want: "a protected ref (true)", Got: "false"}}},
		{name: "self-hosted runner", policy: func(p *publisher.GitLab) { p.RequireHostedRunner = true },
			claims: func(c *claims.GitLab) { c.RunnerEnvironment = "self-hosted" },
			want:   []publisher.Mismatch{{Rule: "require_hosted_runner", Claim: "runner_environment", Want: "gitlab-hosted", Got: "self-hosted"}}},
	}
	checkRules(t, glPolicy, providertest.GitLabClaims, (*publisher.GitLab).Rules(nil), cases)
	claimsDocumented(t, &claims.GitLab{}, (*publisher.GitLab).Rules(nil))
}

func TestGitLabCheckOtherProvider(t *testing.T) {
	t.Parallel()
	want := []publisher.Mismatch{{Rule: "provider", Claim: "iss", Want: "gitlab", Got: "github"}}
	if diff := cmp.Diff(want, glPolicy().Check(providertest.GitHubClaims())); diff != "" {
		t.Error(diff)
	}
	if got := glPolicy().Check(nil); len(got) != 1 || got[0].Got != "no claims" {
		t.Errorf("Check(nil) = %v", got)
	}
	if got := glPolicy().Check((*claims.GitLab)(nil)); len(got) != 1 || got[0].Got != "no claims" {
		t.Errorf("Check(typed nil) = %v", got)
	}
}

func TestGitLabValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		edit  func(*publisher.GitLab)
		field string // "" when valid
	}{
		{"minimal", nil, ""},
		{"self-managed", func(p *publisher.GitLab) { p.IssuerURL = "https://gitlab.example.com" }, ""},
		{"self-managed with port and path", func(p *publisher.GitLab) { p.IssuerURL = "https://example.com:8443/gitlab" }, ""},
		{"subgroups", func(p *publisher.GitLab) { p.Namespace = "a/b.c/d_e" }, ""},
		{"nested yaml", func(p *publisher.GitLab) { p.CIConfigPath = "ci/release/.publish.yaml" }, ""},
		{"everything", func(p *publisher.GitLab) {
			p.Environment, p.NamespaceID, p.ProjectID = "prod/eu 1", "1", "2"
			p.Refs, p.RequireHostedRunner, p.RequireProtectedRef = glPats(t, "refs/tags/**"), true, true
		}, ""},
		{"http issuer", func(p *publisher.GitLab) { p.IssuerURL = "http://gitlab.example.com" }, "issuer"},
		{"schemeless issuer", func(p *publisher.GitLab) { p.IssuerURL = "gitlab.com" }, "issuer"},
		{"issuer trailing slash", func(p *publisher.GitLab) { p.IssuerURL = "https://gitlab.com/" }, "issuer"},
		{"issuer query", func(p *publisher.GitLab) { p.IssuerURL = "https://gitlab.com?x=1" }, "issuer"},
		{"issuer user", func(p *publisher.GitLab) { p.IssuerURL = "https://u@gitlab.com" }, "issuer"},
		{"empty namespace", func(p *publisher.GitLab) { p.Namespace = "" }, "namespace"},
		{"namespace slash", func(p *publisher.GitLab) { p.Namespace = "a/" }, "namespace"},
		{"namespace dot-dot", func(p *publisher.GitLab) { p.Namespace = "a/.." }, "namespace"},
		{"namespace space", func(p *publisher.GitLab) { p.Namespace = "my group" }, "namespace"},
		{"namespace non-ASCII", func(p *publisher.GitLab) { p.Namespace = "octo\u212a" }, "namespace"},
		// A top-level group and 20 levels of subgroups, GitLab's limit.
		{"namespace deepest", func(p *publisher.GitLab) { p.Namespace = strings.Repeat("a/", 20) + "a" }, ""},
		{"namespace too deep", func(p *publisher.GitLab) { p.Namespace = strings.Repeat("a/", 21) + "a" }, "namespace"},
		// What GitLab has always refused; its newer rules (no special
		// character at either end or twice in a row) bind new paths only.
		{"namespace older forms", func(p *publisher.GitLab) { p.Namespace = "_octo--org/sub_" }, ""},
		{"namespace leading dash", func(p *publisher.GitLab) { p.Namespace = "-octo" }, "namespace"},
		{"subgroup leading dash", func(p *publisher.GitLab) { p.Namespace = "octo/-sub" }, "namespace"},
		{"namespace trailing dot", func(p *publisher.GitLab) { p.Namespace = "octo/sub." }, "namespace"},
		{"namespace .git", func(p *publisher.GitLab) { p.Namespace = "octo.git" }, "namespace"},
		{"subgroup .atom", func(p *publisher.GitLab) { p.Namespace = "octo/feed.atom" }, "namespace"},
		{"namespace segment too long", func(p *publisher.GitLab) { p.Namespace = "octo/" + strings.Repeat("s", 256) }, "namespace"},
		{"project older forms", func(p *publisher.GitLab) { p.Project = ".hello__world." }, ""},
		{"project leading dash", func(p *publisher.GitLab) { p.Project = "-hello" }, "project"},
		{"project .git", func(p *publisher.GitLab) { p.Project = "hello.git" }, "project"},
		{"project .atom", func(p *publisher.GitLab) { p.Project = "hello.atom" }, "project"},
		{"project plus", func(p *publisher.GitLab) { p.Project = "hello+world" }, "project"},
		{"project dot-dot", func(p *publisher.GitLab) { p.Project = ".." }, "project"},
		{"empty project", func(p *publisher.GitLab) { p.Project = "" }, "project"},
		{"project with namespace", func(p *publisher.GitLab) { p.Project = "octocat/hello-world" }, "project"},
		{"empty ci path", func(p *publisher.GitLab) { p.CIConfigPath = "" }, "ci_config_path"},
		{"ci path not yaml", func(p *publisher.GitLab) { p.CIConfigPath = "ci.json" }, "ci_config_path"},
		{"ci path absolute", func(p *publisher.GitLab) { p.CIConfigPath = "/.gitlab-ci.yml" }, "ci_config_path"},
		{"ci path double slash", func(p *publisher.GitLab) { p.CIConfigPath = "ci//x.yml" }, "ci_config_path"},
		{"ci path dot-dot", func(p *publisher.GitLab) { p.CIConfigPath = "../x.yml" }, "ci_config_path"},
		{"ci path with ref", func(p *publisher.GitLab) { p.CIConfigPath = "x.yml@main" }, "ci_config_path"},
		{"ci path other project", func(p *publisher.GitLab) { p.CIConfigPath = ".gitlab-ci.yml@group/other" }, "ci_config_path"},
		{"ci path URL", func(p *publisher.GitLab) { p.CIConfigPath = "https://example.com/x.yml" }, "ci_config_path"},
		{"ci path only extension", func(p *publisher.GitLab) { p.CIConfigPath = "ci/.yml" }, "ci_config_path"},
		{"environment padded", func(p *publisher.GitLab) { p.Environment = " prod" }, "environment"},
		{"environment control", func(p *publisher.GitLab) { p.Environment = "pro\nd" }, "environment"},
		{"environment too long", func(p *publisher.GitLab) { p.Environment = strings.Repeat("e", 256) }, "environment"},
		{"environment GitLab's characters", func(p *publisher.GitLab) { p.Environment = "review/${CI_COMMIT_REF_SLUG}_1.2 x-y" }, ""},
		{"environment colon", func(p *publisher.GitLab) { p.Environment = "prod:eu" }, "environment"},
		{"environment non-ASCII", func(p *publisher.GitLab) { p.Environment = "préprod" }, "environment"},
		{"environment leading slash", func(p *publisher.GitLab) { p.Environment = "/prod" }, "environment"},
		{"environment trailing slash", func(p *publisher.GitLab) { p.Environment = "prod/" }, "environment"},
		{"namespace id not numeric", func(p *publisher.GitLab) { p.NamespaceID = "octocat" }, "namespace_id"},
		{"project id leading zero", func(p *publisher.GitLab) { p.ProjectID = "020" }, "project_id"},
		{"project id negative", func(p *publisher.GitLab) { p.ProjectID = "-20" }, "project_id"},
		{"zero ref pattern", func(p *publisher.GitLab) { p.Refs = []publisher.RefPattern{{}} }, "refs"},
		{"empty refs list", func(p *publisher.GitLab) { p.Refs = []publisher.RefPattern{} }, "refs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := glPolicy()
			if tc.edit != nil {
				tc.edit(p)
			}
			wantPolicyField(t, p.Validate(), "gitlab", tc.field)
		})
	}
}

var patternsEqual = cmp.Comparer(func(a, b publisher.RefPattern) bool { return a.String() == b.String() })

func TestGitLabJSON(t *testing.T) {
	t.Parallel()
	src := `{"id":"pkg","provider":"gitlab","policy":{"issuer":"https://gitlab.example.com","namespace":"octocat/team",
		"project":"hello-world","ci_config_path":"ci/release.yml","environment":"pypi","namespace_id":"123",
		"project_id":"74884433","refs":["refs/tags/v*"],"require_protected_ref":true,"require_hosted_runner":true}}`
	var r publisher.Registered
	if err := json.Unmarshal([]byte(src), &r); err != nil {
		t.Fatal(err)
	}
	want := &publisher.GitLab{IssuerURL: "https://gitlab.example.com", Namespace: "octocat/team", Project: "hello-world",
		CIConfigPath: "ci/release.yml", Environment: "pypi", NamespaceID: "123", ProjectID: "74884433",
		Refs: glPats(t, "refs/tags/v*"), RequireProtectedRef: true, RequireHostedRunner: true}
	if diff := cmp.Diff(want, r.Policy, patternsEqual); diff != "" || r.ID != "pkg" {
		t.Fatalf("policy (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back publisher.Registered
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back, patternsEqual); diff != "" {
		t.Errorf("round trip of %s (-before +after):\n%s", b, diff)
	}
	for _, bad := range []string{
		`{"id":"p","provider":"gitlab","policy":{"namespace":"a","project":"b","ci_config_path":"x.yml","refs":["heads/main"]}}`,
		`{"id":"p","provider":"gitlab","policy":{"namespace":"a","project":"b","ci_config_path":"x.yml","refs":[]}}`,
		`{"id":"p","provider":"gitlab","policy":{"namespace":"a","project":"b","ci_config_path":"x.yml","workflow":"x.yml"}}`,
		`{"id":"p","provider":"gitlab","policy":{"namespace":"a","project":"b","ci_config_path":"x.yml","protected_ref":true}}`,
		`{"id":"p","provider":"gitlab","policy":{"namespace":"a","project":"b"}}`,
		`{"id":"p","provider":"gitlab","policy":{"namespace":"a","project":"b","ci_config_path":"x.yml","project_id":74884433}}`,
	} {
		if err := json.Unmarshal([]byte(bad), &r); !errors.Is(err, publisher.ErrPolicy) {
			t.Errorf("Unmarshal(%s) = %v, want ErrPolicy", bad, err)
		}
	}
}

// glEnv is two GitLab instances (two issuers, e.g. gitlab.com and a
// self-managed one) with the same project registered on each.
type glEnv struct {
	a, b *providertest.Issuer
	v    *publisher.Verifier
}

func newGLEnv(t *testing.T) *glEnv {
	a := providertest.New(t, oidctest.Options{})
	b := providertest.New(t, oidctest.Options{Path: "/gitlab"})
	pol := func(iss *providertest.Issuer) *publisher.GitLab {
		p := glPolicy()
		p.IssuerURL = iss.URL()
		return p
	}
	return &glEnv{a: a, b: b, v: otherVerifier(t, a.Client(), []providers.Provider{a.GitLab(), b.GitLab(), providers.GitLabCom},
		publisher.Registered{ID: "on-a", Policy: pol(a)}, publisher.Registered{ID: "on-b", Policy: pol(b)},
		publisher.Registered{ID: "on-gitlab.com", Policy: glPolicy()})}
}

func TestGitLabVerify(t *testing.T) {
	t.Parallel()
	e := newGLEnv(t)
	ctx := context.Background()
	for _, iss := range []*providertest.Issuer{e.a, e.b} {
		tok, err := iss.MintGitLab(providertest.GitLabProject(iss.BareURL(), "octocat/hello-world", ".gitlab-ci.yml", "refs/heads/main"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.v.Verify(ctx, tok)
		if err != nil {
			t.Fatalf("%s: Verify = %v", iss.URL(), err)
		}
		want := map[*providertest.Issuer]string{e.a: "on-a", e.b: "on-b"}[iss]
		if len(res.Publishers) != 1 || res.Publishers[0].ID != want || res.Provider.Kind() != claims.KindGitLab {
			t.Errorf("%s: matched %v, want only %s", iss.URL(), res.Publishers, want)
		}
		if c, ok := res.Claims.(*claims.GitLab); !ok || c.RunnerID != 12270840 || !res.Token.NotBefore.Equal(res.Token.IssuedAt.Add(-5e9)) {
			t.Errorf("claims %#v, nbf %v, iat %v", res.Claims, res.Token.NotBefore, res.Token.IssuedAt)
		}
		if _, err := e.v.Verify(ctx, tok); !errors.Is(err, oidc.ErrReplayed) {
			t.Errorf("second Verify = %v, want ErrReplayed", err)
		}
	}
}

// The same claims from another instance never match: the other instance's
// publisher is not a candidate, and the instance's own publisher refuses a
// ci_config_ref_uri naming another host, both ways.
func TestGitLabIssuerIsolation(t *testing.T) {
	t.Parallel()
	e := newGLEnv(t)
	for _, pair := range [][2]*providertest.Issuer{{e.a, e.b}, {e.b, e.a}} {
		signer, named := pair[0], pair[1]
		c := providertest.GitLabProject(named.BareURL(), "octocat/hello-world", ".gitlab-ci.yml", "refs/heads/main")
		tok, err := signer.MintGitLab(c)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.v.Verify(context.Background(), tok)
		own := map[*providertest.Issuer]string{e.a: "on-a", e.b: "on-b"}[signer]
		want := map[string][]publisher.Mismatch{own: {{Rule: "ci_config_path", Claim: "ci_config_ref_uri",
			Want: signer.BareURL() + "/octocat/hello-world//.gitlab-ci.yml@refs/heads/main", Got: c.CIConfigRefURI}}}
		if diff := cmp.Diff(want, rejections(t, err)); diff != "" {
			t.Errorf("token of %s naming %s (-want +got):\n%s", signer.URL(), named.URL(), diff)
		}
	}
	// gitlab.com's own claims (host gitlab.com) signed by a self-managed
	// instance: the gitlab.com publisher is not a candidate.
	tok, err := e.a.MintGitLab(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.v.Verify(context.Background(), tok)
	if got := rejections(t, err); len(got) != 1 || got["on-a"] == nil {
		t.Errorf("rejections = %v, want only on-a's", got)
	}
}

func TestGitLabVerifyRefusals(t *testing.T) {
	t.Parallel()
	e := newGLEnv(t)
	ctx := context.Background()
	mint := func(c *claims.GitLab, opts ...oidctest.MintOption) string {
		tok, err := e.a.MintGitLab(c, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := func() *claims.GitLab {
		return providertest.GitLabProject(e.a.BareURL(), "octocat/hello-world", ".gitlab-ci.yml", "refs/heads/main")
	}

	// A pipeline defined in another project: ci_config_ref_uri is null.
	c := good()
	c.CIConfigRefURI, c.CIConfigRefURINull = "", true
	_, err := e.v.Verify(ctx, mint(c))
	if m := rejections(t, err)["on-a"]; len(m) != 1 || !strings.HasPrefix(m[0].Got, "null (") {
		t.Errorf("null ci_config_ref_uri: mismatches %v", m)
	}

	// runner_id is a number; a string is a malformed claims set.
	_, err = e.v.Verify(ctx, mint(good(), oidctest.Claim("runner_id", "12270840")))
	if !errors.Is(err, publisher.ErrClaims) || !errors.Is(err, claims.ErrType) {
		t.Errorf("runner_id as string: %v, want ErrClaims and claims.ErrType", err)
	}

	// Legacy CI_JOB_JWT: iss without a scheme, sub job_<id>, no aud.
	legacy := []oidctest.MintOption{oidctest.Claim("aud", nil), oidctest.Claim("sub", "job_11530106120")}
	for _, tc := range []struct {
		name string
		opts []oidctest.MintOption
		want error
	}{
		{"legacy issuer of the instance", append(legacy, oidctest.IssuerURL(e.a.BareURL())), oidc.ErrIssuer},
		{"legacy gitlab.com issuer", append(legacy, oidctest.IssuerURL("gitlab.com")), oidc.ErrIssuer},
		{"no aud on the instance's issuer", legacy, oidc.ErrAudience},
		{"no aud on gitlab.com's issuer", append(legacy, oidctest.IssuerURL(providers.GitLabIssuer)), oidc.ErrAudience},
	} {
		if _, err := e.v.Verify(ctx, mint(good(), tc.opts...)); !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestGitLabRulesCopy(t *testing.T) {
	t.Parallel()
	// Rules returns a copy: callers cannot edit the documentation.
	r := (*publisher.GitLab).Rules(nil)
	r[0].Claim = "changed"
	if (*publisher.GitLab).Rules(nil)[0].Claim != "iss" {
		t.Error("Rules shares its slice")
	}
	names := map[string]bool{}
	for _, x := range r[1:] {
		if names[x.Claim] {
			t.Errorf("claim %s documented twice", x.Claim)
		}
		names[x.Claim] = true
	}
}
