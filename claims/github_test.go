package claims_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
)

// fixture is the claims set of a real github.com token.
func fixture(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../providers/providertest/testdata/github-push-environment.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edit returns the fixture with claims set (a nil value removes the claim)
// and the rest in their original order-independent form.
func edit(t *testing.T, set map[string]any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(fixture(t)), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withRaw replaces the value of one claim in the fixture by raw JSON text.
func withRaw(t *testing.T, claim, raw string) string {
	t.Helper()
	return strings.Replace(edit(t, map[string]any{claim: nil}), "{", `{"`+claim+`":`+raw+",", 1)
}

func want() *claims.GitHub {
	return &claims.GitHub{
		Subject:              "repo:haitch/jwtInspector:environment:Production",
		Repository:           "haitch/jwtInspector",
		RepositoryID:         "860122172",
		RepositoryOwner:      "haitch",
		RepositoryOwnerID:    "1167635",
		RepositoryVisibility: "public",
		Ref:                  "refs/heads/main",
		RefType:              "branch",
		RefProtected:         "false",
		SHA:                  "8b42ec0b6b973f5465ddc4e667cee9ba26aeabb5",
		Workflow:             "TokenTest",
		WorkflowRef:          "haitch/jwtInspector/.github/workflows/tokenTest.yml@refs/heads/main",
		WorkflowSHA:          "8b42ec0b6b973f5465ddc4e667cee9ba26aeabb5",
		JobWorkflowRef:       "haitch/jwtInspector/.github/workflows/tokenTest.yml@refs/heads/main",
		JobWorkflowSHA:       "8b42ec0b6b973f5465ddc4e667cee9ba26aeabb5",
		Environment:          "Production",
		EnvironmentNodeID:    "EN_kwDOM0RsPM7xAwGo",
		EventName:            "push",
		RunID:                "10988497055",
		RunNumber:            "19",
		RunAttempt:           "1",
		RunnerEnvironment:    "github-hosted",
		Actor:                "haitch",
		ActorID:              "1167635",
	}
}

func TestDecodeGitHubFixture(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeGitHub(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want(), c); diff != "" {
		t.Errorf("decoded claims (-want +got):\n%s", diff)
	}
	if c.Provider() != claims.KindGitHub || c.LookupKey() != "haitch/jwtinspector" {
		t.Errorf("Provider, LookupKey = %q, %q", c.Provider(), c.LookupKey())
	}
}

func TestDecodeGitHubKeepsUnknownClaims(t *testing.T) {
	t.Parallel()
	payload := edit(t, map[string]any{
		"repo_property_region": "us-east-1,eu-west-1",
		"future_claim":         "x",
		"deployment":           map[string]any{"id": 7, "tags": []string{"a"}},
		"a_number":             12.5,
	})
	c, err := claims.DecodeGitHub(payload)
	if err != nil {
		t.Fatalf("unknown claims must never fail a token: %v", err)
	}
	wantExtra := map[string]json.RawMessage{
		"repo_property_region": json.RawMessage(`"us-east-1,eu-west-1"`),
		"future_claim":         json.RawMessage(`"x"`),
		"deployment":           json.RawMessage(`{"id":7,"tags":["a"]}`),
		"a_number":             json.RawMessage(`12.5`),
	}
	if diff := cmp.Diff(wantExtra, c.Extra); diff != "" {
		t.Errorf("Extra (-want +got):\n%s", diff)
	}
	c.Extra = nil
	if diff := cmp.Diff(want(), c); diff != "" {
		t.Errorf("known claims changed (-want +got):\n%s", diff)
	}
}

func TestDecodeGitHubRegisteredClaimsNotExtra(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeGitHub(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Extra) != 0 {
		t.Errorf("Extra = %v, want none: iss, aud, exp, iat, nbf and jti belong to package oidc", c.Extra)
	}
}

func TestDecodeGitHubWrongType(t *testing.T) {
	t.Parallel()
	for claim, raw := range map[string]string{
		"repository_owner_id": `1167635`,
		"environment":         `true`,
		"ref":                 `["refs/heads/main"]`,
		"repository":          `{"owner":"haitch"}`,
		"event_name":          `1`,
		"ref_protected":       `false`, // GitHub sends "false", a string
	} {
		t.Run(claim, func(t *testing.T) {
			c, err := claims.DecodeGitHub(withRaw(t, claim, raw))
			var ce *claims.Error
			if !errors.Is(err, claims.ErrType) || !errors.As(err, &ce) || ce.Claim != claim {
				t.Fatalf("err = %v, want ErrType naming %s", err, claim)
			}
			if c != nil {
				t.Errorf("claims returned beside an error: %+v", c)
			}
			if !strings.Contains(err.Error(), claim) {
				t.Errorf("message %q does not name the claim", err)
			}
		})
	}
}

func TestDecodeGitHubNullIsAbsent(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeGitHub(withRaw(t, "environment", "null"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Environment != "" {
		t.Errorf("Environment = %q, want absent", c.Environment)
	}
	if _, ok := c.Extra["environment"]; ok {
		t.Error("a null known claim went to Extra")
	}
	// A required claim sent as null is missing, not a type error.
	_, err = claims.DecodeGitHub(withRaw(t, "repository_owner_id", "null"))
	var ce *claims.Error
	if !errors.Is(err, claims.ErrMissing) || !errors.As(err, &ce) || ce.Claim != "repository_owner_id" {
		t.Errorf("null repository_owner_id: err = %v, want ErrMissing", err)
	}
}

func TestDecodeGitHubDuplicateKeys(t *testing.T) {
	t.Parallel()
	for name, payload := range map[string]string{
		"plain":   withRaw(t, "repository", `"evil/repo","repository":"haitch/jwtInspector"`),
		"escaped": withRaw(t, "repository", `"evil/repo","repos\u0069tory":"haitch/jwtInspector"`),
		"nested":  withRaw(t, "deployment", `{"a":1,"a":2}`),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := claims.DecodeGitHub(payload)
			if !errors.Is(err, claims.ErrInvalid) || c != nil {
				t.Fatalf("err = %v, claims = %v; want ErrInvalid and no claims", err, c)
			}
			if !strings.Contains(err.Error(), "duplicate") {
				t.Errorf("message %q does not say why", err)
			}
		})
	}
}

func TestDecodeGitHubMalformed(t *testing.T) {
	t.Parallel()
	for name, payload := range map[string]string{
		"not an object": `["a"]`,
		"trailing data": fixture(t) + "{}",
		"empty":         ``,
		"bad utf-8":     withRaw(t, "actor", "\"\xff\""),
	} {
		t.Run(name, func(t *testing.T) {
			if c, err := claims.DecodeGitHub(payload); !errors.Is(err, claims.ErrInvalid) || c != nil {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestDecodeGitHubMissing(t *testing.T) {
	t.Parallel()
	for _, claim := range []string{"repository", "repository_owner", "repository_owner_id",
		"sha", "workflow_ref", "job_workflow_ref", "event_name"} {
		for name, payload := range map[string]string{
			"absent": edit(t, map[string]any{claim: nil}),
			"empty":  edit(t, map[string]any{claim: ""}),
		} {
			t.Run(claim+"/"+name, func(t *testing.T) {
				c, err := claims.DecodeGitHub(payload)
				var ce *claims.Error
				if !errors.Is(err, claims.ErrMissing) || !errors.As(err, &ce) || ce.Claim != claim || c != nil {
					t.Fatalf("err = %v, want ErrMissing naming %s", err, claim)
				}
			})
		}
	}
}

// TestDecodeGitHub2022 decodes a token of 2022, before GitHub added the
// stable ids: without repository_owner_id no policy can pin the owner.
func TestDecodeGitHub2022(t *testing.T) {
	t.Parallel()
	payload := edit(t, map[string]any{"repository_id": nil, "repository_owner_id": nil,
		"actor_id": nil, "runner_environment": nil})
	_, err := claims.DecodeGitHub(payload)
	var ce *claims.Error
	if !errors.Is(err, claims.ErrMissing) || !errors.As(err, &ce) || ce.Claim != "repository_owner_id" {
		t.Errorf("err = %v, want ErrMissing for repository_owner_id", err)
	}
}

func TestDecodeGitHubInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, claim string
		set         map[string]any
	}{
		{"repository without slash", "repository", map[string]any{"repository": "jwtInspector"}},
		{"repository with two slashes", "repository", map[string]any{"repository": "haitch/a/b"}},
		{"repository without owner", "repository", map[string]any{"repository": "/jwtInspector"}},
		{"repository without name", "repository", map[string]any{"repository": "haitch/"}},
		{"repository with space", "repository", map[string]any{"repository": "haitch/jwt Inspector"}},
		{"repository with Kelvin sign", "repository", map[string]any{"repository": "haitch/\u212Aey", "repository_owner": "haitch"}},
		{"owner not of repository", "repository_owner", map[string]any{"repository_owner": "someone"}},
		{"owner a prefix", "repository_owner", map[string]any{"repository_owner": "haitc"}},
		{"owner id not numeric", "repository_owner_id", map[string]any{"repository_owner_id": "0x11D113"}},
		{"owner id negative", "repository_owner_id", map[string]any{"repository_owner_id": "-1"}},
		{"owner id with space", "repository_owner_id", map[string]any{"repository_owner_id": " 1167635"}},
		{"owner id too long", "repository_owner_id", map[string]any{"repository_owner_id": strings.Repeat("9", 21)}},
		{"repository id not numeric", "repository_id", map[string]any{"repository_id": "abc"}},
		{"sha short", "sha", map[string]any{"sha": "8b42ec0"}},
		{"sha upper case", "sha", map[string]any{"sha": "8B42EC0B6B973F5465DDC4E667CEE9BA26AEABB5"}},
		{"sha not hex", "sha", map[string]any{"sha": "zb42ec0b6b973f5465ddc4e667cee9ba26aeabb5"}},
		{"sha a ref", "sha", map[string]any{"sha": "refs/heads/main"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := claims.DecodeGitHub(edit(t, tc.set))
			var ce *claims.Error
			if !errors.Is(err, claims.ErrInvalid) || !errors.As(err, &ce) || ce.Claim != tc.claim || c != nil {
				t.Fatalf("err = %v, want ErrInvalid naming %s", err, tc.claim)
			}
		})
	}
}

func TestDecodeGitHubOwnerCase(t *testing.T) {
	t.Parallel()
	// GitHub logins are case-insensitive; the claims agree in any case.
	c, err := claims.DecodeGitHub(edit(t, map[string]any{"repository_owner": "HAITCH"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.LookupKey() != "haitch/jwtinspector" {
		t.Errorf("LookupKey = %q", c.LookupKey())
	}
}

func TestGitHubMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	in, err := claims.DecodeGitHub(edit(t, map[string]any{
		"repo_property_team": "release",
		"future_object":      map[string]any{"k": []any{1, "two"}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := claims.DecodeGitHub(string(b))
	if err != nil {
		t.Fatalf("decoding the marshalled claims: %v\n%s", err, b)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
	if _, ok := out.Extra["repo_property_team"]; !ok {
		t.Error("Extra lost in the round trip")
	}
}

func TestGitHubMarshalExtraNeverOverridesClaims(t *testing.T) {
	t.Parallel()
	c := want()
	c.Environment = "" // omitted when empty
	c.Extra = map[string]json.RawMessage{
		"repository":      json.RawMessage(`"evil/repo"`),
		"environment":     json.RawMessage(`"pypi"`),
		"iss":             json.RawMessage(`"https://evil.example"`),
		"repo_property_x": json.RawMessage(`"y"`),
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["repository"] != "haitch/jwtInspector" || got["repo_property_x"] != "y" {
		t.Errorf("marshalled %s", b)
	}
	for _, k := range []string{"environment", "iss"} {
		if v, ok := got[k]; ok {
			t.Errorf("Extra wrote %s = %v, a claim the struct owns", k, v)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	err := &claims.Error{Err: claims.ErrType, Claim: "ref", Reason: "expected a JSON string, got array"}
	want := "claims: claim has the wrong type: ref: expected a JSON string, got array"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if e := (&claims.Error{Claim: "x"}); !strings.Contains(e.Error(), "x") || !errors.Is(e, claims.ErrInvalid) {
		t.Errorf("an Error without a class: %q", e)
	}
}
