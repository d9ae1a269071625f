package claims_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/trustpub/trustpub/claims"
)

// One fuzz target per provider's decoder, seeded with the real claim sets.
// What decodes must validate, write back the claims it read (encoding/json
// agreeing on every string), and decode again from what it wrote to the
// same set.

func FuzzDecodeGitHub(f *testing.F) {
	fuzzDecode(f, "github-push-environment.json", "github", func(s string) (claims.Set, error) { return claims.DecodeGitHub(s) },
		`{"repository":"o/r","repository_owner":"O","repository_owner_id":"1","workflow_ref":"w","job_workflow_ref":"j","event_name":"push","x":[1, {"y":null}]}`)
}

func FuzzDecodeGitLab(f *testing.F) {
	fuzzDecode(f, "gitlab-com-push.json", "gitlab", func(s string) (claims.Set, error) { return claims.DecodeGitLab(s) },
		`{"project_path":"g/p","project_id":"1","namespace_path":"g","namespace_id":"2","ref":"main","ref_type":"branch","ref_path":"refs/heads/main","sha":"s","ci_config_ref_uri":null,"runner_id":1e3,"groups_direct":[],"user_identities":[{"provider":"p","x":1}]}`)
}

func FuzzDecodeGoogle(f *testing.F) {
	fuzzDecode(f, "google-gce-full.json", "google", func(s string) (claims.Set, error) { return claims.DecodeGoogle(s) },
		`{"sub":"1","email":"a@b.c","email_verified":false,"google":{"compute_engine":null,"x":{}}}`)
}

func FuzzDecodeActiveState(f *testing.F) {
	fuzzDecode(f, "activestate.json", "activestate", func(s string) (claims.Set, error) { return claims.DecodeActiveState(s) },
		`{"sub":"org:a:project:b","organization":"a","project":"b","actor_id":"u","builder":"pypi-publisher","\u0061ctor":"\ud83d\ude00"}`)
}

func FuzzDecodeBuildkite(f *testing.F) {
	fuzzDecode(f, "buildkite-tag-release.json", "buildkite", func(s string) (claims.Set, error) { return claims.DecodeBuildkite(s) },
		`{"sub":"organization:a:pipeline:b:ref:refs/heads/m:commit:c:step:","organization_slug":"a","pipeline_slug":"b","build_number":1e2,`+
			`"build_tag":null,"step_key":null,"job_id":"0184990a-477b-4fa8-9968-496074483cee","agent_id":"0184990A-4782-42B5-AFC1-16715B10B8FF","agent_tag:os":["x"]}`)
}

func FuzzDecodeCircleCI(f *testing.F) {
	const id = "00000000-0000-4000-8000-000000000000"
	fuzzDecode(f, "circleci-github-tag.json", "circleci", func(s string) (claims.Set, error) { return claims.DecodeCircleCI(s) },
		`{"oidc.circleci.com/org-id":"`+id+`","oidc.circleci.com/project-id":"`+id+`","oidc.circleci.com/pipeline-definition-id":"`+id+
			`","oidc.circleci.com/ssh-rerun":true,"oidc.circleci.com/context-ids":[],"oidc.circleci.com/vcs-ref":null,"oidc.circleci.com/x":[1]}`)
}

func FuzzDecodeSemaphore(f *testing.F) {
	fuzzDecode(f, "semaphore-tag.json", "semaphore", func(s string) (claims.Set, error) { return claims.DecodeSemaphore(s) },
		`{"sub":"s","org":"a","org_id":"00000000-0000-0000-0000-00000000000a","prj":"p","prj_id":"00000000-0000-0000-0000-00000000000b",`+
			`"repo_slug":"o/r","pr":"","wf_id":null,"https://aws.amazon.com/tags":{"principal_tags":{}}}`)
}

func fuzzDecode(f *testing.F, fixture, provider string, decode func(string) (claims.Set, error), seeds ...string) {
	b, err := os.ReadFile("../providers/providertest/testdata/" + fixture)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		set, err := decode(payload)
		if err != nil {
			var ce *claims.Error
			if !errors.As(err, &ce) || !(errors.Is(err, claims.ErrMissing) || errors.Is(err, claims.ErrType) || errors.Is(err, claims.ErrInvalid)) {
				t.Fatalf("error %v (%T) is not a *claims.Error of a known class", err, err)
			}
			return
		}
		if string(set.Provider()) != provider || set.Validate() != nil {
			t.Fatalf("decoded a %s set that fails validation: %v", set.Provider(), set.Validate())
		}
		written, err := json.Marshal(set)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := decode(string(written))
		if err != nil {
			t.Fatalf("%s decodes, but what it wrote, %s, does not: %v", payload, written, err)
		}
		if d := cmp.Diff(set, again, claimsEqual); d != "" {
			t.Fatalf("round trip of %s changed the set (-first +second):\n%s", payload, d)
		}
		if rewritten, _ := json.Marshal(again); !bytes.Equal(written, rewritten) {
			t.Fatalf("written %s, then %s", written, rewritten)
		}
		sameStrings(t, payload, written)
	})
}

// claimsEqual compares decoded sets: unexported fields included, empty and
// nil slices and maps alike, and Extra by JSON value rather than spelling
// (encoding/json compacts raw values when it writes them).
var claimsEqual = cmp.Options{
	cmp.AllowUnexported(claims.Google{}),
	cmpopts.EquateEmpty(),
	cmp.Transformer("json", func(r json.RawMessage) any {
		var v any
		d := json.NewDecoder(bytes.NewReader(r))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return "invalid JSON: " + string(r)
		}
		return v
	}),
}

// sameStrings checks the decoder against encoding/json: every non-empty
// string claim of the payload (registered claims aside, they are package
// oidc's) is written back with the same value.
func sameStrings(t *testing.T, payload string, written []byte) {
	t.Helper()
	var in, out map[string]any
	if err := json.Unmarshal([]byte(payload), &in); err != nil {
		t.Fatalf("decoded %q, which encoding/json refuses: %v", payload, err)
	}
	if err := json.Unmarshal(written, &out); err != nil {
		t.Fatalf("wrote %q, which encoding/json refuses: %v", written, err)
	}
	registered := map[string]bool{"iss": true, "aud": true, "exp": true, "iat": true, "nbf": true, "jti": true}
	for k, v := range in {
		if s, ok := v.(string); ok && s != "" && !registered[k] && out[k] != s {
			t.Fatalf("claim %q is %q to encoding/json, written as %v", k, s, out[k])
		}
	}
}
