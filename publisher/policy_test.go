package publisher_test

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

func TestRegisteredJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := publisher.Registered{ID: "pkg-1", Policy: &publisher.GitHub{
		IssuerURL: "https://ghe.example/_services/token", Owner: "octo-org", OwnerID: "9919",
		Repository: "hello", Workflow: "release.yml", Environment: "pypi",
	}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"pkg-1","provider":"github","policy":{"issuer":"https://ghe.example/_services/token",` +
		`"owner":"octo-org","owner_id":"9919","repository":"hello","workflow":"release.yml","environment":"pypi"}}`
	if string(b) != want {
		t.Errorf("Marshal:\n got %s\nwant %s", b, want)
	}
	var out publisher.Registered
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
	// Optional fields stay out when empty.
	in.Policy = &publisher.GitHub{Owner: "o", OwnerID: "1", Repository: "r", Workflow: "w.yml"}
	if b, _ = json.Marshal(in); strings.Contains(string(b), "issuer") || strings.Contains(string(b), "environment") {
		t.Errorf("empty optional fields written: %s", b)
	}
}

func TestRegisteredJSONRefused(t *testing.T) {
	t.Parallel()
	const pol = `"owner":"octo-org","owner_id":"9919","repository":"hello","workflow":"release.yml"`
	for name, js := range map[string]string{
		"misspelt rule":         `{"id":"p","provider":"github","policy":{` + pol + `,"enviroment":"pypi"}}`,
		"rule in another case":  `{"id":"p","provider":"github","policy":{` + pol + `,"Environment":"pypi"}}`,
		"case variant override": `{"id":"p","provider":"github","policy":{` + pol + `,"environment":"pypi","ENVIRONMENT":""}}`,
		"duplicate rule":        `{"id":"p","provider":"github","policy":{` + pol + `,"environment":"pypi","environment":""}}`,
		"duplicate id":          `{"id":"p","id":"q","provider":"github","policy":{` + pol + `}}`,
		"unknown top field":     `{"id":"p","provider":"github","policy":{` + pol + `},"enabled":true}`,
		"top field in case":     `{"ID":"p","provider":"github","policy":{` + pol + `}}`,
		"unknown provider":      `{"id":"p","provider":"jenkins","policy":{` + pol + `}}`,
		"provider in case":      `{"id":"p","provider":"GitHub","policy":{` + pol + `}}`,
		"no provider":           `{"id":"p","policy":{` + pol + `}}`,
		"no id":                 `{"provider":"github","policy":{` + pol + `}}`,
		"no policy":             `{"id":"p","provider":"github"}`,
		"null policy":           `{"id":"p","provider":"github","policy":null}`,
		"empty policy":          `{"id":"p","provider":"github","policy":{}}`,
		"policy a string":       `{"id":"p","provider":"github","policy":"octo-org/hello"}`,
		"owner id a number":     `{"id":"p","provider":"github","policy":{"owner":"octo-org","owner_id":9919,"repository":"hello","workflow":"release.yml"}}`,
		"owner id not numeric":  `{"id":"p","provider":"github","policy":{"owner":"octo-org","owner_id":"octo-org","repository":"hello","workflow":"release.yml"}}`,
		"workflow a path":       `{"id":"p","provider":"github","policy":{"owner":"octo-org","owner_id":"9919","repository":"hello","workflow":".github/workflows/release.yml"}}`,
		"repository with owner": `{"id":"p","provider":"github","policy":{"owner":"octo-org","owner_id":"9919","repository":"octo-org/hello","workflow":"release.yml"}}`,
		"not an object":         `["p"]`,
		// Left out, an optional field sets no rule; given empty, it is an error.
		"empty environment":     `{"id":"p","provider":"github","policy":{` + pol + `,"environment":""}}`,
		"null environment":      `{"id":"p","provider":"github","policy":{` + pol + `,"environment":null}}`,
		"empty issuer":          `{"id":"p","provider":"github","policy":{"issuer":"",` + pol + `}}`,
		"empty reusable":        `{"id":"p","provider":"github","policy":{` + pol + `,"reusable_workflow":""}}`,
		"null refs":             `{"id":"p","provider":"github","policy":{` + pol + `,"refs":null}}`,
		"null flag":             `{"id":"p","provider":"github","policy":{` + pol + `,"require_protected_ref":null}}`,
		"empty gitlab env":      `{"id":"p","provider":"gitlab","policy":{"namespace":"a","project":"b","ci_config_path":"x.yml","environment":""}}`,
		"empty gitlab id":       `{"id":"p","provider":"gitlab","policy":{"namespace":"a","project":"b","ci_config_path":"x.yml","project_id":""}}`,
		"empty google subject":  `{"id":"p","provider":"google","policy":{"email":"a@b.iam.gserviceaccount.com","subject":""}}`,
		"empty activestate iss": `{"id":"p","provider":"activestate","policy":{"issuer":"","organization":"o","project":"p","actor_id":"7f3c9a1e-2b4d-4e8f-9a61-0c5d2e7b8f14","builder":"b"}}`,
		"trailing data":         `{"id":"p","provider":"github","policy":{` + pol + `}} {}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := publisher.Registered{ID: "untouched"}
			err := json.Unmarshal([]byte(js), &r)
			if err == nil {
				t.Fatalf("accepted: %+v", r.Policy)
			}
			if r.ID != "untouched" {
				t.Errorf("a refused configuration changed the value: %+v", r)
			}
			var se *json.SyntaxError
			if !errors.Is(err, publisher.ErrPolicy) && !errors.As(err, &se) {
				t.Errorf("err = %v, want ErrPolicy", err)
			}
		})
	}
}

func TestRegisteredJSONErrorNamesTheField(t *testing.T) {
	t.Parallel()
	var r publisher.Registered
	err := json.Unmarshal([]byte(`{"id":"p","provider":"github","policy":{"owner":"o","owner_id":"1","repository":"r","workflow":"w.yml","enviroment":"x"}}`), &r)
	if err == nil || !strings.Contains(err.Error(), "enviroment") || !strings.Contains(err.Error(), `"p"`) {
		t.Errorf("err = %v, want it to name the publisher and the field", err)
	}
}

func TestRegisteredMarshalNoPolicy(t *testing.T) {
	t.Parallel()
	for _, r := range []publisher.Registered{{ID: "x"}, {ID: "x", Policy: (*publisher.GitHub)(nil)}} {
		if _, err := json.Marshal(r); !errors.Is(err, publisher.ErrPolicy) {
			t.Errorf("Marshal(%+v) = %v, want ErrPolicy", r, err)
		}
	}
}

func TestPublishersFixture(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/publishers.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := publisher.LoadPublishers(f)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := publisher.ParseRefPattern("refs/tags/v*")
	if err != nil {
		t.Fatal(err)
	}
	want := []publisher.Registered{
		{ID: "pypi:sampleproject", Policy: &publisher.GitHub{Owner: "pypa", OwnerID: "647025",
			Repository: "sampleproject", Workflow: "release.yml", Environment: "pypi"},
			Packages: []string{"sampleproject", "sampleproject-extras"}},
		{ID: "pypi:sampleproject-next", Policy: &publisher.GitHub{Owner: "pypa", OwnerID: "647025",
			Repository: "sampleproject", Workflow: "release.yml"},
			Packages: []string{"sampleproject-next"}, Pending: true},
		{ID: "crates:hello", Policy: &publisher.GitHub{IssuerURL: "https://token.actions.githubusercontent.com/octo-inc",
			Owner: "Octo-Org", OwnerID: "9919", Repository: "hello", Workflow: "publish.yaml"},
			Packages: []string{"hello"}},
		{ID: "npm:hello", Policy: &publisher.GitLab{Namespace: "octo-group", Project: "hello",
			CIConfigPath: ".gitlab-ci.yml", NamespaceID: "123", Refs: []publisher.RefPattern{tags}},
			Packages: []string{"@octo/hello"}},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b publisher.RefPattern) bool { return a.String() == b.String() })); diff != "" {
		t.Fatalf("fixture (-want +got):\n%s", diff)
	}
	s, err := publisher.NewMemoryStore(got...)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"crates:hello"}, lookup(t, s, "https://token.actions.githubusercontent.com/octo-inc", "octo-org/hello")); diff != "" {
		t.Errorf("lookup (-want +got):\n%s", diff)
	}
}

// wantPolicyField checks a Validate result: nil when field is empty, else
// ErrPolicy naming "<kind> <field>:".
func wantPolicyField(t *testing.T, err error, kind, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("Validate = %v", err)
		}
		return
	}
	if !errors.Is(err, publisher.ErrPolicy) || !strings.Contains(err.Error(), kind+" "+field+":") {
		t.Fatalf("Validate = %v, want ErrPolicy naming %s %s", err, kind, field)
	}
}

// sameKindSet claims to be GitHub's but is not *claims.GitHub.
type sameKindSet struct{ ghOtherSet }

func (sameKindSet) Provider() claims.Kind { return claims.KindGitHub }

// TestCheckOtherKind: every policy words claims of another provider kind the
// same way, naming both kinds as a configuration file's "provider" does.
func TestCheckOtherKind(t *testing.T) {
	sets := map[claims.Kind]claims.Set{
		claims.KindGitHub:      providertest.GitHubClaims(),
		claims.KindGitLab:      providertest.GitLabClaims(),
		claims.KindGoogle:      providertest.GoogleClaims(),
		claims.KindActiveState: providertest.ActiveStateClaims(),
		claims.KindBuildkite:   providertest.BuildkiteClaims(),
		claims.KindSemaphore:   providertest.SemaphoreClaims(),
		claims.KindCircleCI:    providertest.CircleCIClaims(),
	}
	for _, p := range []publisher.Policy{ghMinimal(), glPolicy(), googPolicy(), asPolicy(), bkPolicy(), semPolicy(), cciPolicy()} {
		for kind, set := range sets {
			got := p.Check(set)
			if kind == p.Provider() {
				if slices.ContainsFunc(got, func(m publisher.Mismatch) bool { return m.Rule == "provider" }) {
					t.Errorf("%s policy refuses its own kind: %v", p.Provider(), got)
				}
				continue
			}
			want := []publisher.Mismatch{{Rule: "provider", Claim: "iss", Want: string(p.Provider()), Got: string(kind)}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s policy, %s claims (-want +got):\n%s", p.Provider(), kind, diff)
			}
		}
		want := []publisher.Mismatch{{Rule: "provider", Claim: "iss", Want: string(p.Provider()), Got: "no claims"}}
		if diff := cmp.Diff(want, p.Check(nil)); diff != "" {
			t.Errorf("%s policy, nil claims (-want +got):\n%s", p.Provider(), diff)
		}
	}
	got := ghMinimal().Check(sameKindSet{})
	if len(got) != 1 || got[0].Got != "github claims of type publisher_test.sameKindSet" {
		t.Errorf("GitHub policy, foreign GitHub claims type: %v", got)
	}
}

func TestRegisteredJSONExplicitEmpty(t *testing.T) {
	const pol = `"owner":"octo-org","owner_id":"9919","repository":"hello","workflow":"release.yml"`
	var r publisher.Registered
	err := json.Unmarshal([]byte(`{"id":"p","provider":"github","policy":{`+pol+`,"environment":""}}`), &r)
	if !errors.Is(err, publisher.ErrPolicy) || !strings.Contains(err.Error(), `field "environment" is ""`) ||
		!strings.Contains(err.Error(), "leave an optional field out") {
		t.Errorf("err = %v, want ErrPolicy naming the field and saying to leave it out", err)
	}
	// Left out, the field sets no rule; false is a value, not an empty one.
	if err := json.Unmarshal([]byte(`{"id":"p","provider":"github","policy":{`+pol+`,"require_protected_ref":false}}`), &r); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&publisher.GitHub{Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml"}, r.Policy); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
