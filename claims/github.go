package claims

import (
	"encoding/json"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"
	"github.com/trustpub/trustpub/internal/quote"
	"github.com/trustpub/trustpub/oidc"
)

// GitHub is the claims set of a GitHub Actions token. GitHub sends every
// custom claim as a JSON string, ids and booleans included, so they are
// strings here too.
type GitHub struct {
	Subject              string `json:"sub"`                           // repo:owner/name:…; its form varies, never authorise on it
	Repository           string `json:"repository"`                    // owner/name; case-insensitive
	RepositoryID         string `json:"repository_id"`                 // stable across renames
	RepositoryOwner      string `json:"repository_owner"`              // login; case-insensitive
	RepositoryOwnerID    string `json:"repository_owner_id"`           // stable id of the owner
	RepositoryVisibility string `json:"repository_visibility"`         // public, private, internal
	Ref                  string `json:"ref"`                           // refs/heads/main; may be empty
	RefType              string `json:"ref_type"`                      // branch, tag
	RefProtected         string `json:"ref_protected"`                 // "true" or "false"
	SHA                  string `json:"sha"`                           // commit
	Workflow             string `json:"workflow"`                      // the workflow's name, not its file
	WorkflowRef          string `json:"workflow_ref"`                  // the calling workflow: owner/repo/.github/workflows/f.yml@ref
	WorkflowSHA          string `json:"workflow_sha"`                  // commit of the calling workflow
	JobWorkflowRef       string `json:"job_workflow_ref"`              // the workflow running the job (reusable workflows)
	JobWorkflowSHA       string `json:"job_workflow_sha"`              // commit of that workflow
	Environment          string `json:"environment,omitempty"`         // only when the job names one; case-insensitive
	EnvironmentNodeID    string `json:"environment_node_id,omitempty"` // the environment's node id, with environment
	EventName            string `json:"event_name"`                    // push, release, pull_request_target…
	HeadRef              string `json:"head_ref"`                      // pull requests only
	BaseRef              string `json:"base_ref"`                      // pull requests only
	RunID                string `json:"run_id"`                        // run identity
	RunNumber            string `json:"run_number"`                    // per-workflow counter
	RunAttempt           string `json:"run_attempt"`                   // re-run counter
	RunnerEnvironment    string `json:"runner_environment"`            // github-hosted, self-hosted
	Actor                string `json:"actor"`                         // who triggered the run
	ActorID              string `json:"actor_id"`                      // their stable id
	Enterprise           string `json:"enterprise,omitempty"`          // enterprise-owned repositories only
	EnterpriseID         string `json:"enterprise_id,omitempty"`       // the enterprise's stable id, with enterprise
	CheckRunID           string `json:"check_run_id,omitempty"`        // newer, optional

	// Extra holds claims this schema does not name: repo_property_*, and
	// whatever GitHub adds next.
	Extra map[string]json.RawMessage `json:"-"`
}

// Provider implements Set.
func (*GitHub) Provider() Kind { return KindGitHub }

// LookupKey implements Set: the lower-cased repository.
func (c *GitHub) LookupKey() string { return strings.ToLower(c.Repository) }

var githubSchema = schema[GitHub]{
	strings: map[string]func(*GitHub) *string{
		"sub":                   func(c *GitHub) *string { return &c.Subject },
		"repository":            func(c *GitHub) *string { return &c.Repository },
		"repository_id":         func(c *GitHub) *string { return &c.RepositoryID },
		"repository_owner":      func(c *GitHub) *string { return &c.RepositoryOwner },
		"repository_owner_id":   func(c *GitHub) *string { return &c.RepositoryOwnerID },
		"repository_visibility": func(c *GitHub) *string { return &c.RepositoryVisibility },
		"ref":                   func(c *GitHub) *string { return &c.Ref },
		"ref_type":              func(c *GitHub) *string { return &c.RefType },
		"ref_protected":         func(c *GitHub) *string { return &c.RefProtected },
		"sha":                   func(c *GitHub) *string { return &c.SHA },
		"workflow":              func(c *GitHub) *string { return &c.Workflow },
		"workflow_ref":          func(c *GitHub) *string { return &c.WorkflowRef },
		"workflow_sha":          func(c *GitHub) *string { return &c.WorkflowSHA },
		"job_workflow_ref":      func(c *GitHub) *string { return &c.JobWorkflowRef },
		"job_workflow_sha":      func(c *GitHub) *string { return &c.JobWorkflowSHA },
		"environment":           func(c *GitHub) *string { return &c.Environment },
		"environment_node_id":   func(c *GitHub) *string { return &c.EnvironmentNodeID },
		"event_name":            func(c *GitHub) *string { return &c.EventName },
		"head_ref":              func(c *GitHub) *string { return &c.HeadRef },
		"base_ref":              func(c *GitHub) *string { return &c.BaseRef },
		"run_id":                func(c *GitHub) *string { return &c.RunID },
		"run_number":            func(c *GitHub) *string { return &c.RunNumber },
		"run_attempt":           func(c *GitHub) *string { return &c.RunAttempt },
		"runner_environment":    func(c *GitHub) *string { return &c.RunnerEnvironment },
		"actor":                 func(c *GitHub) *string { return &c.Actor },
		"actor_id":              func(c *GitHub) *string { return &c.ActorID },
		"enterprise":            func(c *GitHub) *string { return &c.Enterprise },
		"enterprise_id":         func(c *GitHub) *string { return &c.EnterpriseID },
		"check_run_id":          func(c *GitHub) *string { return &c.CheckRunID },
	},
	extra: func(c *GitHub) *map[string]json.RawMessage { return &c.Extra },
}

// DecodeGitHub decodes a verified GitHub Actions payload and validates it.
func DecodeGitHub(payload string) (*GitHub, error) {
	return decodeSet(&githubSchema, source{payload: payload})
}

// DecodeGitHubToken decodes the claims set of a verified GitHub Actions
// token and validates it, from the members Verify read: the payload is not
// parsed again.
func DecodeGitHubToken(t *oidc.Token) (*GitHub, error) {
	return decodeSet(&githubSchema, source{token: t})
}

// Validate implements Set: the claims a publishing decision reads must be
// present and of GitHub's form. GitHub sends sha in every token; the
// workflow rule compares it with workflow_ref, so it is required too.
func (c *GitHub) Validate() error {
	if err := require(
		"repository", c.Repository,
		"repository_owner", c.RepositoryOwner,
		"repository_owner_id", c.RepositoryOwnerID,
		"sha", c.SHA,
		"workflow_ref", c.WorkflowRef,
		"job_workflow_ref", c.JobWorkflowRef,
		"event_name", c.EventName,
	); err != nil {
		return err
	}
	if !ident.CommitSHA(c.SHA) {
		return invalid("sha", c.SHA, "not a commit sha (40 lower-case hex digits)")
	}
	owner, name, ok := strings.Cut(c.Repository, "/")
	if !ok || !ident.Name(owner, 100) || !ident.Name(name, 100) {
		return invalid("repository", c.Repository, "not owner/name")
	}
	if !ident.FoldEqual(owner, c.RepositoryOwner) {
		return invalid("repository_owner", c.RepositoryOwner, "is not the owner of repository "+quote.Value(c.Repository))
	}
	if !ident.ID(c.RepositoryOwnerID) {
		return invalid("repository_owner_id", c.RepositoryOwnerID, "not a numeric id")
	}
	if c.RepositoryID != "" && !ident.ID(c.RepositoryID) {
		return invalid("repository_id", c.RepositoryID, "not a numeric id")
	}
	return nil
}

// MarshalJSON writes the claims, Extra included, as GitHub would.
func (c *GitHub) MarshalJSON() ([]byte, error) {
	type plain GitHub
	return marshal((*plain)(c), c.Extra, githubSchema.known)
}
