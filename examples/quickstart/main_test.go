package main

import (
	"strings"
	"testing"
)

// TestQuickstart runs the demo and checks both decisions and the explanation
// of the refusal.
func TestQuickstart(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"token from release.yml on tag v1.0.0:\n  ACCEPTED: may publish as hello\n",
		"token from build.yml on main:\n  REFUSED: ",
		"    - workflow: the publisher expects release.yml, the token was issued to \".github/workflows/build.yml\" (claim workflow_ref)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("quickstart output lacks %q; got:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "ACCEPTED"); n != 1 {
		t.Errorf("%d tokens accepted, want 1", n)
	}
}
