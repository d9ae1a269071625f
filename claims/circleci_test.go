package claims_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
)

const (
	cciFixture = "circleci-github-tag.json"
	cciOrg     = "3f2b8c1e-5d4a-4e6b-9c7d-8a1b2c3d4e5f"
	cciProject = "7c9e6a4b-2f1d-4b8a-a3e5-6d7f8091a2b3"
	cciUser    = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"
)

func circleciWant() *claims.CircleCI {
	return &claims.CircleCI{
		Subject: "org/" + cciOrg + "/project/" + cciProject + "/user/" + cciUser +
			"/vcs-origin/github.com/octo-org/hello-world/vcs-ref/refs/tags/v1.2.0",
		OrganizationID:       cciOrg,
		ProjectID:            cciProject,
		PipelineDefinitionID: "5e8d2a1c-9b3f-5c7e-8a2d-4f6b1c3e5a7d",
		PipelineID:           "c4a1e7d2-8b3f-4c9a-b5e6-1d2f3a4b5c6d",
		WorkflowID:           "e9f8a7b6-c5d4-4e3f-a2b1-0c9d8e7f6a5b",
		JobID:                "2d4f6a8c-1e3b-4d5f-9a7c-b8e0d2f4a6c1",
		VCSOrigin:            "github.com/octo-org/hello-world",
		VCSRef:               "refs/tags/v1.2.0",
		VCSSHA:               "3a7f1c9e5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a",
		ContextIDs:           []string{"8b1e4d7a-0c3f-4a6e-9d2b-5c8f1a4e7b0d"},
		SSHRerun:             new(false),
	}
}

func TestDecodeCircleCIFixture(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeCircleCI(editFixture(t, cciFixture, nil, map[string]string{"oidc.circleci.com/new": `{"x":1}`}))
	if err != nil {
		t.Fatal(err)
	}
	want := circleciWant()
	want.Extra = map[string]json.RawMessage{"oidc.circleci.com/new": json.RawMessage(`{"x":1}`)}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("decoded claims (-want +got):\n%s", diff)
	}
	if c.Provider() != claims.KindCircleCI || c.LookupKey() != cciOrg+"/"+cciProject {
		t.Errorf("Provider, LookupKey = %q, %q", c.Provider(), c.LookupKey())
	}
	roundTrip(t, c, claims.DecodeCircleCI)
}

// TestDecodeCircleCIOptional: what a custom webhook's pipeline or a job
// without contexts leaves out decodes, and ssh-rerun true is kept.
func TestDecodeCircleCIOptional(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeCircleCI(editFixture(t, cciFixture, map[string]any{
		"sub": nil, "oidc.circleci.com/vcs-origin": nil, "oidc.circleci.com/vcs-ref": nil, "oidc.circleci.com/vcs-sha": nil,
		"oidc.circleci.com/pipeline-id": nil, "oidc.circleci.com/workflow-id": nil, "oidc.circleci.com/job-id": nil,
		"oidc.circleci.com/ssh-rerun": true,
	}, map[string]string{"oidc.circleci.com/context-ids": "[]"}))
	if err != nil {
		t.Fatal(err)
	}
	want := &claims.CircleCI{OrganizationID: cciOrg, ProjectID: cciProject,
		PipelineDefinitionID: circleciWant().PipelineDefinitionID, ContextIDs: []string{}, SSHRerun: new(true)}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("decoded claims (-want +got):\n%s", diff)
	}
	if c, err = claims.DecodeCircleCI(editFixture(t, cciFixture, nil, map[string]string{"oidc.circleci.com/context-ids": "null"})); err != nil || c.ContextIDs != nil {
		t.Errorf("null context-ids: %v, %v", c, err)
	}
}

func TestDecodeCircleCIErrors(t *testing.T) {
	t.Parallel()
	const upper = "3F2B8C1E-5D4A-4E6B-9C7D-8A1B2C3D4E5F"
	for _, tc := range []struct {
		name  string
		set   map[string]any
		raw   map[string]string
		class error
		claim string
	}{
		{"no org-id", map[string]any{"oidc.circleci.com/org-id": nil}, nil, claims.ErrMissing, "oidc.circleci.com/org-id"},
		{"empty project-id", map[string]any{"oidc.circleci.com/project-id": ""}, nil, claims.ErrMissing, "oidc.circleci.com/project-id"},
		{"no pipeline-definition-id", map[string]any{"oidc.circleci.com/pipeline-definition-id": nil}, nil, claims.ErrMissing,
			"oidc.circleci.com/pipeline-definition-id"},
		{"no ssh-rerun", map[string]any{"oidc.circleci.com/ssh-rerun": nil}, nil, claims.ErrMissing, "oidc.circleci.com/ssh-rerun"},
		{"null ssh-rerun", nil, map[string]string{"oidc.circleci.com/ssh-rerun": "null"}, claims.ErrMissing, "oidc.circleci.com/ssh-rerun"},
		{"ssh-rerun as string", map[string]any{"oidc.circleci.com/ssh-rerun": "false"}, nil, claims.ErrType, "oidc.circleci.com/ssh-rerun"},
		{"ssh-rerun as number", nil, map[string]string{"oidc.circleci.com/ssh-rerun": "0"}, claims.ErrType, "oidc.circleci.com/ssh-rerun"},
		{"org-id as number", map[string]any{"oidc.circleci.com/org-id": 7}, nil, claims.ErrType, "oidc.circleci.com/org-id"},
		{"context-ids as string", map[string]any{"oidc.circleci.com/context-ids": "8b1e4d7a-0c3f-4a6e-9d2b-5c8f1a4e7b0d"}, nil,
			claims.ErrType, "oidc.circleci.com/context-ids"},
		{"context-ids element number", nil, map[string]string{"oidc.circleci.com/context-ids": "[1]"}, claims.ErrType,
			"oidc.circleci.com/context-ids"},
		{"vcs-ref as array", nil, map[string]string{"oidc.circleci.com/vcs-ref": `["refs/heads/main"]`}, claims.ErrType,
			"oidc.circleci.com/vcs-ref"},
		{"org-id upper case", map[string]any{"oidc.circleci.com/org-id": upper}, nil, claims.ErrInvalid, "oidc.circleci.com/org-id"},
		{"org-id with a slash", map[string]any{"oidc.circleci.com/org-id": cciOrg + "/x"}, nil, claims.ErrInvalid, "oidc.circleci.com/org-id"},
		{"project-id not a UUID", map[string]any{"oidc.circleci.com/project-id": "12345"}, nil, claims.ErrInvalid,
			"oidc.circleci.com/project-id"},
		{"pipeline-definition-id braced", map[string]any{"oidc.circleci.com/pipeline-definition-id": "{" + cciOrg + "}"}, nil,
			claims.ErrInvalid, "oidc.circleci.com/pipeline-definition-id"},
		{"context id not a UUID", map[string]any{"oidc.circleci.com/context-ids": []string{cciOrg, "ctx"}}, nil, claims.ErrInvalid,
			"oidc.circleci.com/context-ids"},
		{"context id upper case", map[string]any{"oidc.circleci.com/context-ids": []string{upper}}, nil, claims.ErrInvalid,
			"oidc.circleci.com/context-ids"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := claims.DecodeCircleCI(editFixture(t, cciFixture, tc.set, tc.raw))
			var ce *claims.Error
			if c != nil || !errors.Is(err, tc.class) || !errors.As(err, &ce) || ce.Claim != tc.claim {
				t.Fatalf("DecodeCircleCI = %v, %v; want a %v error on %s", c, err, tc.class, tc.claim)
			}
		})
	}
}

func TestCircleCIWorkload(t *testing.T) {
	t.Parallel()
	c := circleciWant()
	want := claims.Workload{Provider: claims.KindCircleCI, Repository: "github.com/octo-org/hello-world",
		RepositoryID: cciProject, RepositoryURL: "https://github.com/octo-org/hello-world",
		Ref: "refs/tags/v1.2.0", Commit: c.VCSSHA, ActorID: cciUser,
		RunURL: "https://app.circleci.com/workflow/" + c.WorkflowID}
	if diff := cmp.Diff(want, c.Workload("https://app.circleci.com")); diff != "" {
		t.Errorf("Workload (-want +got):\n%s", diff)
	}
	// The V1 sub gives the user too; no web, no run page.
	c.Subject = "org/" + cciOrg + "/project/" + cciProject + "/user/" + cciUser
	want.RunURL = ""
	if diff := cmp.Diff(want, c.Workload("")); diff != "" {
		t.Errorf("Workload of a V1 token (-want +got):\n%s", diff)
	}
	// A sub of another project names no user of this one; an origin that is
	// not host/path gives no page, nor does a workflow id that is no UUID.
	c.Subject = "org/" + cciOrg + "/project/" + cciOrg + "/user/" + cciUser
	c.VCSOrigin, c.WorkflowID = "https://evil.example/x", "../../x?y"
	w := c.Workload("https://app.circleci.com")
	if w.ActorID != "" || w.RepositoryURL != "" || w.RunURL != "" {
		t.Errorf("Workload of odd claims: actor %q, repository %q, run %q", w.ActorID, w.RepositoryURL, w.RunURL)
	}
}
