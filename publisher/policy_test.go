package publisher_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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
		"unknown provider":      `{"id":"p","provider":"circleci","policy":{` + pol + `}}`,
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
	b, err := os.ReadFile("testdata/publishers.json")
	if err != nil {
		t.Fatal(err)
	}
	var got []publisher.Registered
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := []publisher.Registered{
		{ID: "pypi:sampleproject", Policy: &publisher.GitHub{Owner: "pypa", OwnerID: "647025",
			Repository: "sampleproject", Workflow: "release.yml", Environment: "pypi"}},
		{ID: "crates:hello", Policy: &publisher.GitHub{IssuerURL: "https://token.actions.githubusercontent.com/octo-inc",
			Owner: "Octo-Org", OwnerID: "9919", Repository: "hello", Workflow: "publish.yaml"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
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
