package claims_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
)

const (
	semOrgID = "d7dd33ad-9317-498c-9cc6-51c250749be7"
	semPrjID = "936a5312-a3b8-4921-8b3f-2cec8baac574"
)

func TestDecodeSemaphoreFixture(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeSemaphore(editFixture(t, "semaphore-tag.json", nil,
		map[string]string{"https://aws.amazon.com/tags": `{"principal_tags":{"prj_id":["` + semPrjID + `"]}}`}))
	if err != nil {
		t.Fatal(err)
	}
	want := &claims.Semaphore{
		Subject:      "org:acme:project:" + semPrjID + ":repo:hello-py:ref_type:tag:ref:refs/tags/v1.2.0",
		Subject127:   "acme:" + semPrjID + ":hello-py:tg:tags/v1.2.0",
		Organization: "acme", OrganizationID: semOrgID, Project: "hello-py", ProjectID: semPrjID,
		Repo: "hello-py", RepoSlug: "acme-labs/hello-py",
		WorkflowID: "1be81412-6ab8-4fc0-9d0d-7af33335a6ec", PipelineID: "5e3c0f6a-2d41-4b8e-9a7c-3f1d2b6e8a90",
		JobID: "c117e453-1189-4eaf-b03a-dd6538eb49b2",
		Ref:   "refs/tags/v1.2.0", RefType: "tag", Branch: "refs/tags/v1.2.0", Tag: "v1.2.0",
		JobType: "pipeline_job", Trigger: "h:f-n:f", Actor: "4b0e2f7c-8a19-4d3e-b6c5-91f2a7d0e3b8",
		Extra: map[string]json.RawMessage{"https://aws.amazon.com/tags": json.RawMessage(`{"principal_tags":{"prj_id":["` + semPrjID + `"]}}`)},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("decoded claims (-want +got):\n%s", diff)
	}
	if c.Provider() != claims.KindSemaphore || c.LookupKey() != semPrjID {
		t.Errorf("Provider, LookupKey = %q, %q", c.Provider(), c.LookupKey())
	}
	roundTrip(t, c, claims.DecodeSemaphore)
}

// A project debug job's token: no workflow, pipeline, ref or ref type.
// It decodes (policies refuse it, saying why).
func TestDecodeSemaphoreDebugJob(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeSemaphore(editFixture(t, "semaphore-tag.json", map[string]any{
		"wf_id": "", "ppl_id": "", "ref": "", "ref_type": "", "tag": "", "trg": "", "job_type": "project_debug_job"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.JobType != "project_debug_job" || c.Ref != "" || c.WorkflowID != "" {
		t.Errorf("decoded %+v", c)
	}
}

func TestDecodeSemaphoreErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		set   map[string]any
		class error
		claim string
	}{
		{"no sub", map[string]any{"sub": nil}, claims.ErrMissing, "sub"},
		{"no org", map[string]any{"org": ""}, claims.ErrMissing, "org"},
		{"no org_id", map[string]any{"org_id": nil}, claims.ErrMissing, "org_id"},
		{"no prj", map[string]any{"prj": nil}, claims.ErrMissing, "prj"},
		{"no prj_id", map[string]any{"prj_id": ""}, claims.ErrMissing, "prj_id"},
		{"no repo_slug", map[string]any{"repo_slug": nil}, claims.ErrMissing, "repo_slug"},
		{"pr as number", map[string]any{"pr": 123}, claims.ErrType, "pr"},
		{"prj_id as array", map[string]any{"prj_id": []string{semPrjID}}, claims.ErrType, "prj_id"},
		{"job_type as bool", map[string]any{"job_type": true}, claims.ErrType, "job_type"},
		{"org upper case", map[string]any{"org": "Acme"}, claims.ErrInvalid, "org"},
		{"org with a dot", map[string]any{"org": "acme.evil"}, claims.ErrInvalid, "org"},
		{"org with a colon", map[string]any{"org": "acme:project"}, claims.ErrInvalid, "org"},
		{"org_id not a UUID", map[string]any{"org_id": "acme"}, claims.ErrInvalid, "org_id"},
		{"prj_id upper case", map[string]any{"prj_id": strings.ToUpper(semPrjID)}, claims.ErrInvalid, "prj_id"},
		{"prj_id with a suffix", map[string]any{"prj_id": semPrjID + ":x"}, claims.ErrInvalid, "prj_id"},
		{"job_id not a UUID", map[string]any{"job_id": "42"}, claims.ErrInvalid, "job_id"},
		{"wf_id braces", map[string]any{"wf_id": "{1be81412-6ab8-4fc0-9d0d-7af33335a6ec}"}, claims.ErrInvalid, "wf_id"},
		{"repo_slug without owner", map[string]any{"repo_slug": "hello-py"}, claims.ErrInvalid, "repo_slug"},
		{"repo_slug with dot-dot", map[string]any{"repo_slug": "acme-labs/../x"}, claims.ErrInvalid, "repo_slug"},
		{"repo_slug with a colon", map[string]any{"repo_slug": "acme-labs/hello:py"}, claims.ErrInvalid, "repo_slug"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := claims.DecodeSemaphore(editFixture(t, "semaphore-tag.json", tc.set, nil))
			var ce *claims.Error
			if c != nil || !errors.Is(err, tc.class) || !errors.As(err, &ce) || ce.Claim != tc.claim {
				t.Fatalf("DecodeSemaphore = %v, %v; want a %v error on %s", c, err, tc.class, tc.claim)
			}
		})
	}
}

func TestSemaphoreWorkload(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeSemaphore(editFixture(t, "semaphore-tag.json", nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := claims.Workload{Provider: claims.KindSemaphore, Repository: "acme-labs/hello-py", RepositoryID: semPrjID,
		RepositoryURL: "https://acme.semaphoreci.com/projects/hello-py", Ref: "refs/tags/v1.2.0",
		RunURL: "https://acme.semaphoreci.com/jobs/c117e453-1189-4eaf-b03a-dd6538eb49b2", Trigger: "h:f-n:f",
		ActorID: "4b0e2f7c-8a19-4d3e-b6c5-91f2a7d0e3b8"}
	if diff := cmp.Diff(want, c.Workload("https://acme.semaphoreci.com")); diff != "" {
		t.Errorf("Workload (-want +got):\n%s", diff)
	}
	want.RepositoryURL, want.RunURL = "", ""
	if diff := cmp.Diff(want, c.Workload("")); diff != "" {
		t.Errorf("Workload without a web address (-want +got):\n%s", diff)
	}
	c.Project, c.JobID = "../admin?x=1", ""
	if w := c.Workload("https://acme.semaphoreci.com"); w.RepositoryURL != "" || w.RunURL != "" {
		t.Errorf("URLs of a project name with a slash, no job: %q, %q", w.RepositoryURL, w.RunURL)
	}
	c.Project = "..?x=1#y"
	if w := c.Workload("https://acme.semaphoreci.com"); w.RepositoryURL != "https://acme.semaphoreci.com/projects/..%3Fx=1%23y" {
		t.Errorf("URL of a hostile project name: %q", w.RepositoryURL)
	}
}
