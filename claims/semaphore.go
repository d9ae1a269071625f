package claims

import (
	"encoding/json"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"
	"github.com/trustpub/trustpub/oidc"
)

// Semaphore is the claims set of a Semaphore job's token
// (SEMAPHORE_OIDC_TOKEN), issued by the organization's own issuer,
// https://<org>.semaphoreci.com. Every claim is a JSON string; Semaphore
// writes an empty string for what a run does not have (tag on a branch
// build, pr outside a pull request, wf_id in a debug job).
type Semaphore struct {
	// Subject is
	// org:<org>:project:<prj_id>:repo:<repo>:ref_type:<ref_type>:ref:<ref>.
	Subject        string `json:"sub"`
	Subject127     string `json:"sub127,omitempty"` // the subject shortened to 127 bytes, for Google Cloud's attribute mapping
	Organization   string `json:"org"`              // the organization's name: one DNS label, the issuer's host is <org>.semaphoreci.com
	OrganizationID string `json:"org_id"`           // the organization's stable id (a UUID)
	Project        string `json:"prj"`              // the project's name
	ProjectID      string `json:"prj_id"`           // the project's stable id (a UUID)
	Repo           string `json:"repo,omitempty"`   // the repository's name, without its owner
	RepoSlug       string `json:"repo_slug"`        // owner/repository of the project's repository; for a pull request, the base repository's, never the fork's
	WorkflowID     string `json:"wf_id,omitempty"`  // the workflow's id (a UUID); empty in debug jobs
	PipelineID     string `json:"ppl_id,omitempty"` // the pipeline's id (a UUID); empty in debug jobs
	JobID          string `json:"job_id,omitempty"` // the job's id (a UUID)
	// Ref is the full git ref built, e.g. refs/heads/main or
	// refs/tags/v1.0.0; empty in a project debug job.
	Ref string `json:"ref,omitempty"`
	// RefType is branch, tag or pull-request (the documented sub template
	// says "pr"; Semaphore's code writes pull-request); empty in a project
	// debug job.
	RefType  string `json:"ref_type,omitempty"`
	Branch   string `json:"branch,omitempty"`    // the branch; for a pull request its base branch, for a tag the full ref
	Tag      string `json:"tag,omitempty"`       // the tag's name, for a tag build
	PR       string `json:"pr,omitempty"`        // the pull request's number, as a string
	PRBranch string `json:"pr_branch,omitempty"` // the pull request's head branch
	// JobType is pipeline_job, or debug_job / project_debug_job for a job
	// a person opened a shell in with sem debug.
	JobType string `json:"job_type,omitempty"`
	// Trigger is <workflow trigger>:<rerun>-<pipeline trigger>:<rebuild>,
	// e.g. h:f-i:f: a (API), h (hook), s (task), m (manual run); t or f;
	// u (auto-promotion), n (manual promotion), i (initial pipeline).
	Trigger string `json:"trg,omitempty"`
	Actor   string `json:"actor,omitempty"` // the user who promoted the pipeline (their id), if one did

	// Extra holds claims this schema does not name (such as
	// https://aws.amazon.com/tags, an object).
	Extra map[string]json.RawMessage `json:"-"`
}

// Provider implements Set.
func (*Semaphore) Provider() Kind { return KindSemaphore }

// LookupKey implements Set: the lower-cased project id. Semaphore's ids
// are lower case already; the id, unlike the project's name, is never
// reused.
func (c *Semaphore) LookupKey() string { return strings.ToLower(c.ProjectID) }

var semaphoreSchema = schema[Semaphore]{
	strings: map[string]func(*Semaphore) *string{
		"sub":       func(c *Semaphore) *string { return &c.Subject },
		"sub127":    func(c *Semaphore) *string { return &c.Subject127 },
		"org":       func(c *Semaphore) *string { return &c.Organization },
		"org_id":    func(c *Semaphore) *string { return &c.OrganizationID },
		"prj":       func(c *Semaphore) *string { return &c.Project },
		"prj_id":    func(c *Semaphore) *string { return &c.ProjectID },
		"repo":      func(c *Semaphore) *string { return &c.Repo },
		"repo_slug": func(c *Semaphore) *string { return &c.RepoSlug },
		"wf_id":     func(c *Semaphore) *string { return &c.WorkflowID },
		"ppl_id":    func(c *Semaphore) *string { return &c.PipelineID },
		"job_id":    func(c *Semaphore) *string { return &c.JobID },
		"ref":       func(c *Semaphore) *string { return &c.Ref },
		"ref_type":  func(c *Semaphore) *string { return &c.RefType },
		"branch":    func(c *Semaphore) *string { return &c.Branch },
		"tag":       func(c *Semaphore) *string { return &c.Tag },
		"pr":        func(c *Semaphore) *string { return &c.PR },
		"pr_branch": func(c *Semaphore) *string { return &c.PRBranch },
		"job_type":  func(c *Semaphore) *string { return &c.JobType },
		"trg":       func(c *Semaphore) *string { return &c.Trigger },
		"actor":     func(c *Semaphore) *string { return &c.Actor },
	},
	extra: func(c *Semaphore) *map[string]json.RawMessage { return &c.Extra },
}

// DecodeSemaphore decodes a verified Semaphore payload and validates it.
func DecodeSemaphore(payload string) (*Semaphore, error) {
	return decodeSet(&semaphoreSchema, source{payload: payload})
}

// DecodeSemaphoreToken decodes the claims set of a verified Semaphore token
// and validates it, from the members Verify read: the payload is not parsed
// again.
func DecodeSemaphoreToken(t *oidc.Token) (*Semaphore, error) {
	return decodeSet(&semaphoreSchema, source{token: t})
}

// Validate implements Set. Required: the claims a policy compares, as PyPI
// requires them (sub, org, org_id, prj, prj_id, repo_slug). org must be one
// lower-case DNS label (it names the issuer's host), the ids lower-case
// UUIDs (the informative ones too, when present), repo_slug owner/name
// paths: no value can shift the lookup key or the parts of sub a policy
// reads. ref, ref_type and job_type are not required here: a project debug
// job has none of the first two, and is refused by policies with an
// explanation rather than as a malformed token.
func (c *Semaphore) Validate() error {
	if err := require(
		"sub", c.Subject,
		"org", c.Organization,
		"org_id", c.OrganizationID,
		"prj", c.Project,
		"prj_id", c.ProjectID,
		"repo_slug", c.RepoSlug,
	); err != nil {
		return err
	}
	if !ident.Label(c.Organization) {
		return invalid("org", c.Organization, "not a Semaphore organization name (one lower-case DNS label)")
	}
	if !semaphoreSlug(c.RepoSlug) {
		return invalid("repo_slug", c.RepoSlug, "not a repository slug (owner/name)")
	}
	for _, id := range [][2]string{{"org_id", c.OrganizationID}, {"prj_id", c.ProjectID},
		{"wf_id", c.WorkflowID}, {"ppl_id", c.PipelineID}, {"job_id", c.JobID}} {
		if id[1] != "" && !ident.LowerUUID(id[1]) {
			return invalid(id[0], id[1], "not a Semaphore id (a lower-case UUID)")
		}
	}
	return nil
}

// semaphoreSlug reports whether s is a repository slug as Semaphore
// writes repo_slug: owner/name, or group/subgroup/…/name for a GitLab
// subgroup, of ASCII letters, digits, '-', '_' and '.', at most 512 bytes.
func semaphoreSlug(s string) bool {
	return strings.Contains(s, "/") && ident.Path(s, 512)
}

// MarshalJSON writes the claims, Extra included, as Semaphore would.
func (c *Semaphore) MarshalJSON() ([]byte, error) {
	type plain Semaphore
	return marshal((*plain)(c), c.Extra, semaphoreSchema.known)
}

// Workload describes the job. web is the organization's address, its
// issuer (https://<org>.semaphoreci.com), where the project's page is
// <web>/projects/<prj> and the job's <web>/jobs/<job_id>; an empty web
// leaves them empty. Repository is repo_slug, RepositoryID the Semaphore
// project's id, Trigger trg as Semaphore codes it, ActorID the id of the
// user who promoted the pipeline. The token names no commit, pipeline
// file or runner. Issuer is the provider's to fill.
func (c *Semaphore) Workload(web string) Workload {
	w := Workload{Provider: KindSemaphore, Repository: c.RepoSlug, RepositoryID: c.ProjectID,
		Ref: c.Ref, Trigger: c.Trigger, ActorID: c.Actor}
	if web == "" {
		return w
	}
	if c.Project != "" && !strings.Contains(c.Project, "/") { // one path segment
		w.RepositoryURL = joinURL(web, "projects", c.Project)
	}
	if c.JobID != "" {
		w.RunURL = joinURL(web, "jobs", c.JobID)
	}
	return w
}
