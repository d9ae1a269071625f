package claims_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
)

const bkFixture = "buildkite-tag-release.json"

func buildkiteWant() *claims.Buildkite {
	return &claims.Buildkite{
		Subject:          "organization:acme-inc:pipeline:super-duper-app:ref:refs/tags/v1.0.0:commit:9f3182061f1e2cca4702c368cbc039b7dc9d4485:step:publish",
		OrganizationSlug: "acme-inc", PipelineSlug: "super-duper-app",
		OrganizationID: "f892efa9-103e-4d28-97a1-3b8616a0994d", PipelineID: "0192d1a4-6c3e-7f25-9b8a-3e1f0c2d4b6a",
		BuildNumber: 42, BuildBranch: "main", BuildTag: "v1.0.0",
		BuildCommit: "9f3182061f1e2cca4702c368cbc039b7dc9d4485", BuildSource: "webhook", StepKey: "publish",
		JobID: "0184990a-477b-4fa8-9968-496074483cee", AgentID: "0184990a-4782-42b5-afc1-16715b10b8ff",
		RunnerEnvironment: "buildkite-hosted",
	}
}

func TestDecodeBuildkiteFixture(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeBuildkite(editFixture(t, bkFixture, nil, map[string]string{"agent_tag:queue": `"release"`}))
	if err != nil {
		t.Fatal(err)
	}
	want := buildkiteWant()
	want.Extra = map[string]json.RawMessage{"agent_tag:queue": json.RawMessage(`"release"`)}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("decoded claims (-want +got):\n%s", diff)
	}
	if c.Provider() != claims.KindBuildkite || c.LookupKey() != "acme-inc/super-duper-app" {
		t.Errorf("Provider, LookupKey = %q, %q", c.Provider(), c.LookupKey())
	}
	roundTrip(t, c, claims.DecodeBuildkite)
}

// TestDecodeBuildkiteBranchBuild: a branch build's token as Buildkite sends
// it (a redacted real one): build_tag and step_key null, without the
// requested claims. Null is absent, and so stays on the way back.
func TestDecodeBuildkiteBranchBuild(t *testing.T) {
	t.Parallel()
	sub := "organization:acme-inc:pipeline:super-duper-app:ref:refs/heads/main:commit:9f3182061f1e2cca4702c368cbc039b7dc9d4485:step:"
	c, err := claims.DecodeBuildkite(editFixture(t, bkFixture,
		map[string]any{"sub": sub, "organization_id": nil, "pipeline_id": nil, "build_number": 5, "build_source": "ui"},
		map[string]string{"build_tag": "null", "step_key": "null"}))
	if err != nil {
		t.Fatal(err)
	}
	want := buildkiteWant()
	want.Subject, want.OrganizationID, want.PipelineID, want.BuildNumber, want.BuildSource = sub, "", "", 5, "ui"
	want.BuildTag, want.StepKey = "", ""
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("decoded claims (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"build_tag", "step_key", "organization_id", "pipeline_id"} {
		if _, ok := m[k]; ok {
			t.Errorf("an absent %s is written as %v", k, m[k])
		}
	}
	if m["build_number"] != 5.0 {
		t.Errorf("build_number written as %#v, want the number 5", m["build_number"])
	}
}

func TestDecodeBuildkiteErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		set   map[string]any
		class error
		claim string
	}{
		{"no sub", map[string]any{"sub": nil}, claims.ErrMissing, "sub"},
		{"no organization_slug", map[string]any{"organization_slug": ""}, claims.ErrMissing, "organization_slug"},
		{"no pipeline_slug", map[string]any{"pipeline_slug": nil}, claims.ErrMissing, "pipeline_slug"},
		{"no job_id", map[string]any{"job_id": nil}, claims.ErrMissing, "job_id"},
		{"no agent_id", map[string]any{"agent_id": nil}, claims.ErrMissing, "agent_id"},
		{"no build_number", map[string]any{"build_number": nil}, claims.ErrMissing, "build_number"},
		{"build_number as string", map[string]any{"build_number": "42"}, claims.ErrType, "build_number"},
		{"build_number fractional", map[string]any{"build_number": 4.2}, claims.ErrInvalid, "build_number"},
		{"build_number negative", map[string]any{"build_number": -1}, claims.ErrInvalid, "build_number"},
		{"build_tag as number", map[string]any{"build_tag": 1}, claims.ErrType, "build_tag"},
		{"step_key as bool", map[string]any{"step_key": true}, claims.ErrType, "step_key"},
		{"organization_id as number", map[string]any{"organization_id": 7}, claims.ErrType, "organization_id"},
		{"organization slug with colon", map[string]any{"organization_slug": "acme:pipeline:x"}, claims.ErrInvalid, "organization_slug"},
		{"pipeline slug with slash", map[string]any{"pipeline_slug": "super/duper"}, claims.ErrInvalid, "pipeline_slug"},
		{"pipeline slug with space", map[string]any{"pipeline_slug": "super duper"}, claims.ErrInvalid, "pipeline_slug"},
		{"organization slug not ASCII", map[string]any{"organization_slug": "acmé"}, claims.ErrInvalid, "organization_slug"},
		{"job_id not a UUID", map[string]any{"job_id": "12345"}, claims.ErrInvalid, "job_id"},
		{"agent_id not a UUID", map[string]any{"agent_id": "0184990a-4782-42b5-afc1-16715b10b8f"}, claims.ErrInvalid, "agent_id"},
		// The documentation's own example ids, which are not hexadecimal.
		{"organization_id not hex", map[string]any{"organization_id": "0184990a-477b-4fa8-9968-496074483k77"}, claims.ErrInvalid, "organization_id"},
		{"pipeline_id not hex", map[string]any{"pipeline_id": "0184990a-4782-42b5-afc1-16715b10b1l0"}, claims.ErrInvalid, "pipeline_id"},
		{"build_id not a UUID", map[string]any{"build_id": "42"}, claims.ErrInvalid, "build_id"},
		{"cluster_id not a UUID", map[string]any{"cluster_id": "default"}, claims.ErrInvalid, "cluster_id"},
		{"queue_id not a UUID", map[string]any{"queue_id": "runners"}, claims.ErrInvalid, "queue_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := claims.DecodeBuildkite(editFixture(t, bkFixture, tc.set, nil))
			var ce *claims.Error
			if c != nil || !errors.Is(err, tc.class) || !errors.As(err, &ce) || ce.Claim != tc.claim {
				t.Fatalf("DecodeBuildkite = %v, %v; want a %v error on %s", c, err, tc.class, tc.claim)
			}
		})
	}
}

// TestDecodeBuildkiteOptionalClaims: the claims a job adds with --claim
// decode into their fields, an agent tag into Extra.
func TestDecodeBuildkiteOptionalClaims(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeBuildkite(editFixture(t, bkFixture, map[string]any{
		"build_id": "019583d7-3737-4e38-af67-f7cc356bd580", "cluster_id": "0191f956-042f-7ec4-aa62-8e5eeae396d0",
		"cluster_name": "default", "queue_id": "0191f956-62da-7515-b79b-bdecb519aa32", "queue_key": "runners",
		"agent_tag:os": "linux",
	}, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := buildkiteWant()
	want.BuildID, want.ClusterID, want.ClusterName = "019583d7-3737-4e38-af67-f7cc356bd580", "0191f956-042f-7ec4-aa62-8e5eeae396d0", "default"
	want.QueueID, want.QueueKey = "0191f956-62da-7515-b79b-bdecb519aa32", "runners"
	want.Extra = map[string]json.RawMessage{"agent_tag:os": json.RawMessage(`"linux"`)}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("decoded claims (-want +got):\n%s", diff)
	}
	roundTrip(t, c, claims.DecodeBuildkite)
}

func TestBuildkiteWorkload(t *testing.T) {
	t.Parallel()
	c := buildkiteWant()
	want := claims.Workload{Provider: claims.KindBuildkite,
		Repository: "acme-inc/super-duper-app", RepositoryID: "0192d1a4-6c3e-7f25-9b8a-3e1f0c2d4b6a",
		RepositoryURL: "https://buildkite.com/acme-inc/super-duper-app",
		Ref:           "refs/tags/v1.0.0", Commit: "9f3182061f1e2cca4702c368cbc039b7dc9d4485",
		RunURL:  "https://buildkite.com/acme-inc/super-duper-app/builds/42#0184990a-477b-4fa8-9968-496074483cee",
		Trigger: "webhook", Runner: "buildkite-hosted"}
	if diff := cmp.Diff(want, c.Workload("https://buildkite.com/")); diff != "" {
		t.Errorf("Workload (-want +got):\n%s", diff)
	}
	c.BuildTag, c.PipelineID = "", ""
	want.Ref, want.RepositoryID = "refs/heads/main", ""
	if diff := cmp.Diff(want, c.Workload("https://buildkite.com")); diff != "" {
		t.Errorf("branch build's Workload (-want +got):\n%s", diff)
	}
	want.RepositoryURL, want.RunURL = "", ""
	if diff := cmp.Diff(want, c.Workload("")); diff != "" {
		t.Errorf("Workload without web (-want +got):\n%s", diff)
	}
	// Claims built by hand, not validated: a job id cannot add a query or
	// another fragment, slugs cannot climb out of the path.
	c.JobID, c.OrganizationSlug = "x?y#z", ".."
	if got := c.Workload("https://buildkite.com").RunURL; got != "https://buildkite.com/%2E%2E/super-duper-app/builds/42#x%3Fy%23z" {
		t.Errorf("RunURL = %s", got)
	}
	c.BuildNumber = 0
	if got := c.Workload("https://buildkite.com"); got.RunURL != "" || got.RepositoryURL == "" {
		t.Errorf("no build number: %+v", got)
	}
}
