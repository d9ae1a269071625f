package providertest_test

import (
	"encoding/json"
	"testing"

	"github.com/trustpub/trustpub/providers/providertest"
)

func TestGitHubReusable(t *testing.T) {
	t.Parallel()
	caller := providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1")
	caller.Extra = nil
	const sha = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name, repo, file, ref string
		wantRef, wantSHA      string
	}{
		{"local", "", "_publish.yml", "", "octo-org/hello/.github/workflows/_publish.yml@refs/tags/v1", caller.WorkflowSHA},
		{"other repo at a tag", "octo-org/wf", "pub.yml", "refs/tags/v2", "octo-org/wf/.github/workflows/pub.yml@refs/tags/v2", ""},
		{"other repo at a commit", "octo-org/wf", "pub.yml", sha, "octo-org/wf/.github/workflows/pub.yml@" + sha, sha},
		{"other repo at the caller's ref", "octo-org/wf", "pub.yml", "", "octo-org/wf/.github/workflows/pub.yml@refs/tags/v1", ""},
	}
	for _, tt := range tests {
		c := providertest.GitHubReusable(caller, tt.repo, tt.file, tt.ref)
		if c.JobWorkflowRef != tt.wantRef {
			t.Errorf("%s: job_workflow_ref %s, want %s", tt.name, c.JobWorkflowRef, tt.wantRef)
		}
		if tt.wantSHA != "" && c.JobWorkflowSHA != tt.wantSHA || tt.wantSHA == "" && (len(c.JobWorkflowSHA) != 40 || c.JobWorkflowSHA == caller.WorkflowSHA) {
			t.Errorf("%s: job_workflow_sha %s", tt.name, c.JobWorkflowSHA)
		}
		if c.WorkflowRef != caller.WorkflowRef || c.Repository != caller.Repository || c.Ref != caller.Ref {
			t.Errorf("%s: the caller's claims changed: %+v", tt.name, c)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if caller.JobWorkflowRef != caller.WorkflowRef {
		t.Error("GitHubReusable changed its argument")
	}
	// The copy does not share Extra with the caller.
	caller.Extra = map[string]json.RawMessage{"repo_property_region": json.RawMessage(`"eu"`)}
	c := providertest.GitHubReusable(caller, "", "x.yml", "")
	c.Extra["repo_property_tier"] = json.RawMessage(`"1"`)
	if len(caller.Extra) != 1 || string(c.Extra["repo_property_region"]) != `"eu"` {
		t.Errorf("Extra shared or lost: caller %v, copy %v", caller.Extra, c.Extra)
	}
}
