package claims_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
)

var release = claims.Workload{
	Provider: claims.KindGitHub, Issuer: "https://token.actions.githubusercontent.com",
	Repository: "octo-org/hello", RepositoryURL: "https://github.com/octo-org/hello",
	Workflow: ".github/workflows/release.yml", Ref: "refs/tags/v1.0.0", Environment: "pypi",
}

func TestWorkloadString(t *testing.T) {
	want := `provider="github" issuer="https://token.actions.githubusercontent.com" repository="octo-org/hello" ` +
		`repository_url="https://github.com/octo-org/hello" workflow=".github/workflows/release.yml" ` +
		`ref="refs/tags/v1.0.0" environment="pypi"`
	if got := release.String(); got != want {
		t.Errorf("String =\n%s\nwant\n%s", got, want)
	}
	if got := (claims.Workload{}).String(); got != "" {
		t.Errorf("String of nothing = %q", got)
	}
}

// hostile is a workload whose claims forge a log line and run to 8 KB.
func hostile() claims.Workload {
	w := release
	w.Environment = "pypi\nlevel=INFO msg=accepted"
	w.Ref = "refs/heads/" + strings.Repeat("A", 8<<10)
	return w
}

func TestWorkloadStringHostile(t *testing.T) {
	got := hostile().String()
	if strings.Contains(got, "\n") || strings.Contains(got, strings.Repeat("A", 300)) {
		t.Fatalf("String holds the values raw:\n%.500s", got)
	}
	for _, s := range []string{`environment="pypi\nlevel=INFO msg=accepted"`, `ref="refs/heads/AAAA`, `"… (8203 bytes)`} {
		if !strings.Contains(got, s) {
			t.Errorf("String lacks %s:\n%.800s", s, got)
		}
	}
}

func TestWorkloadLogValue(t *testing.T) {
	var text, js bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&text, nil), slog.NewJSONHandler(&js, nil)} {
		slog.New(h).Info("published", "workload", release, "hostile", hostile())
	}
	for name, out := range map[string]string{"text": text.String(), "json": js.String()} {
		if strings.Count(out, "\n") != 1 || strings.Contains(out, strings.Repeat("A", 300)) {
			t.Errorf("%s log holds the values raw:\n%.800s", name, out)
		}
	}
	if !strings.Contains(text.String(), `workload.repository=octo-org/hello workload.repository_url=https://github.com/octo-org/hello`) {
		t.Errorf("text log:\n%s", text.String())
	}
	var rec map[string]any
	if err := json.Unmarshal(js.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"provider": "github", "issuer": "https://token.actions.githubusercontent.com",
		"repository": "octo-org/hello", "repository_url": "https://github.com/octo-org/hello",
		"workflow": ".github/workflows/release.yml", "ref": "refs/tags/v1.0.0", "environment": "pypi",
	}
	if diff := cmp.Diff(want, rec["workload"]); diff != "" {
		t.Errorf("logged workload (-want +got):\n%s", diff)
	}
	h := rec["hostile"].(map[string]any)
	if h["environment"] != `pypi\nlevel=INFO msg=accepted` || !strings.HasSuffix(h["ref"].(string), "… (8203 bytes)") {
		t.Errorf("logged hostile workload: environment %q, ref %.40q…", h["environment"], h["ref"])
	}
}

// TestWorkloadJSON: the JSON form keeps the values raw, for an audit
// record, and leaves out what is unset.
func TestWorkloadJSON(t *testing.T) {
	w := hostile()
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	var back claims.Workload
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if b, _ := json.Marshal(claims.Workload{Provider: claims.KindGoogle}); string(b) != `{"provider":"google"}` {
		t.Errorf("JSON of a nearly empty workload: %s", b)
	}
}
