package claims_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/trustpub/trustpub/claims"
)

// editFixture returns testdata/name with claims set (a nil value removes
// the claim) and raw claims spliced in as JSON text.
func editFixture(t *testing.T, name string, set map[string]any, raw map[string]string) string {
	t.Helper()
	b, err := os.ReadFile("../providers/providertest/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		if v == nil {
			delete(m, k)
			continue
		}
		if m[k], err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range raw {
		m[k] = json.RawMessage(v)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func gitlabWant() *claims.GitLab {
	return &claims.GitLab{
		Subject:     "project_path:octocat/hello-world:ref_type:branch:ref:main",
		NamespaceID: "123", NamespacePath: "octocat",
		ProjectID: "74884433", ProjectPath: "octocat/hello-world",
		JobNamespaceID: "123", JobNamespacePath: "octocat",
		JobProjectID: "74884433", JobProjectPath: "octocat/hello-world",
		UserID: "39035", UserLogin: "octocat", UserEmail: "foo@bar.cloud", UserAccessLevel: "owner",
		PipelineID: "2069090987", PipelineSource: "push", JobID: "11530106120",
		Ref: "main", RefType: "branch", RefPath: "refs/heads/main", RefProtected: "true",
		RunnerID: 12270840, RunnerEnvironment: "gitlab-hosted",
		SHA:               "76719c2658b5c4423810d655a4624af1b38b7091",
		CIConfigSHA:       "76719c2658b5c4423810d655a4624af1b38b7091",
		CIConfigRefURI:    "gitlab.com/octocat/hello-world//.gitlab-ci.yml@refs/heads/main",
		ProjectVisibility: "public",
	}
}

func TestDecodeGitLabFixture(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeGitLab(editFixture(t, "gitlab-com-push.json", nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(gitlabWant(), c, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("decoded claims (-want +got):\n%s", diff)
	}
	if c.Provider() != claims.KindGitLab || c.LookupKey() != "octocat/hello-world" {
		t.Errorf("Provider, LookupKey = %q, %q", c.Provider(), c.LookupKey())
	}
}

func TestDecodeGitLabArraysAndExtra(t *testing.T) {
	t.Parallel()
	p := editFixture(t, "gitlab-com-push.json", map[string]any{"project_path": "OctoCat/Hello-World", "namespace_path": "OctoCat"}, map[string]string{
		"user_identities": `[{"provider":"github","extern_uid":"2435616","new_member":1},{"provider":null}]`,
		"groups_direct":   `["octocat","octocat/sub"]`,
		"new_claim":       `{"x":[1,2]}`,
	})
	c, err := claims.DecodeGitLab(p)
	if err != nil {
		t.Fatal(err)
	}
	ids := []claims.GitLabIdentity{{Provider: "github", ExternUID: "2435616"}, {}}
	if diff := cmp.Diff(ids, c.UserIdentities); diff != "" {
		t.Errorf("user_identities (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"octocat", "octocat/sub"}, c.GroupsDirect); diff != "" {
		t.Errorf("groups_direct (-want +got):\n%s", diff)
	}
	if got := string(c.Extra["new_claim"]); got != `{"x":[1,2]}` {
		t.Errorf("Extra[new_claim] = %s", got)
	}
	if c.LookupKey() != "octocat/hello-world" {
		t.Errorf("LookupKey = %q, want it lower-cased", c.LookupKey())
	}
}

func TestDecodeGitLabCIConfigRefURI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		set      map[string]any
		raw      map[string]string
		uri      string
		wantNull bool
	}{
		{"string", nil, nil, "gitlab.com/octocat/hello-world//.gitlab-ci.yml@refs/heads/main", false},
		{"null", nil, map[string]string{"ci_config_ref_uri": "null"}, "", true},
		{"absent", map[string]any{"ci_config_ref_uri": nil}, nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := claims.DecodeGitLab(editFixture(t, "gitlab-com-push.json", tc.set, tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			if c.CIConfigRefURI != tc.uri || c.CIConfigRefURINull != tc.wantNull {
				t.Errorf("CIConfigRefURI, Null = %q, %v; want %q, %v", c.CIConfigRefURI, c.CIConfigRefURINull, tc.uri, tc.wantNull)
			}
			// MarshalJSON keeps null, string and absence apart.
			roundTrip(t, c, claims.DecodeGitLab)
		})
	}
}

func TestDecodeGitLabErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		set   map[string]any
		raw   map[string]string
		class error
		claim string
	}{
		{"runner_id as string", map[string]any{"runner_id": "12270840"}, nil, claims.ErrType, "runner_id"},
		{"runner_id with a fraction", nil, map[string]string{"runner_id": "12270840.5"}, claims.ErrInvalid, "runner_id"},
		{"project_id as number", map[string]any{"project_id": 74884433}, nil, claims.ErrType, "project_id"},
		{"ci_config_ref_uri as number", nil, map[string]string{"ci_config_ref_uri": "1"}, claims.ErrType, "ci_config_ref_uri"},
		{"groups_direct not array", map[string]any{"groups_direct": "octocat"}, nil, claims.ErrType, "groups_direct"},
		{"groups_direct number", nil, map[string]string{"groups_direct": `["a",1]`}, claims.ErrType, "groups_direct"},
		{"user_identities object", nil, map[string]string{"user_identities": `{"provider":"github"}`}, claims.ErrType, "user_identities"},
		{"user_identities element", nil, map[string]string{"user_identities": `["github"]`}, claims.ErrType, "user_identities"},
		{"user_identities member", nil, map[string]string{"user_identities": `[{"extern_uid":5}]`}, claims.ErrType, "user_identities"},
		{"no project_path", map[string]any{"project_path": nil}, nil, claims.ErrMissing, "project_path"},
		{"no project_id", map[string]any{"project_id": ""}, nil, claims.ErrMissing, "project_id"},
		{"no namespace_path", map[string]any{"namespace_path": nil}, nil, claims.ErrMissing, "namespace_path"},
		{"no namespace_id", map[string]any{"namespace_id": nil}, nil, claims.ErrMissing, "namespace_id"},
		{"no ref", map[string]any{"ref": nil}, nil, claims.ErrMissing, "ref"},
		{"no ref_type", map[string]any{"ref_type": nil}, nil, claims.ErrMissing, "ref_type"},
		{"null ref_path", nil, map[string]string{"ref_path": "null"}, claims.ErrMissing, "ref_path"},
		{"no sha", map[string]any{"sha": nil}, nil, claims.ErrMissing, "sha"},
		{"project outside namespace", map[string]any{"project_path": "other/hello-world"}, nil, claims.ErrInvalid, "project_path"},
		{"project nested too deep", map[string]any{"project_path": "octocat/a/b"}, nil, claims.ErrInvalid, "project_path"},
		{"non-ASCII path", map[string]any{"project_path": "octocat/hello-\u212aorld"}, nil, claims.ErrInvalid, "project_path"},
		{"dot-dot namespace", map[string]any{"namespace_path": "..", "project_path": "../x"}, nil, claims.ErrInvalid, "namespace_path"},
		{"non-numeric project_id", map[string]any{"project_id": "7488x"}, nil, claims.ErrInvalid, "project_id"},
		{"non-numeric job_project_id", map[string]any{"job_project_id": "-1"}, nil, claims.ErrInvalid, "job_project_id"},
		{"duplicate claim", nil, map[string]string{"x": "1"}, claims.ErrInvalid, "(claims set)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := editFixture(t, "gitlab-com-push.json", tc.set, tc.raw)
			if tc.claim == "(claims set)" {
				p = strings.Replace(p, "{", `{"sha":"a",`, 1)
			}
			c, err := claims.DecodeGitLab(p)
			var ce *claims.Error
			if c != nil || !errors.Is(err, tc.class) || !errors.As(err, &ce) || ce.Claim != tc.claim {
				t.Fatalf("DecodeGitLab = %v, %v; want a %v error on %s", c, err, tc.class, tc.claim)
			}
		})
	}
}

// roundTrip checks that c marshals to JSON that decodes back to c.
func roundTrip[T any](t *testing.T, c T, decode func(string) (T, error), opts ...cmp.Option) {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decode(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, back, opts...); diff != "" {
		t.Errorf("round trip (-before +after):\n%s", diff)
	}
}
