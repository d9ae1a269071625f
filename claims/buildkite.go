package claims

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"
	"github.com/trustpub/trustpub/oidc"
)

// Buildkite is the claims set of a Buildkite Pipelines job's token
// (buildkite-agent oidc request-token). One issuer serves every
// organization: the slugs, and the ids when requested, tell them apart.
// Every claim is a JSON string except build_number, a number; build_tag and
// step_key are null when the build has no tag or the step no key.
type Buildkite struct {
	// Subject is organization:<org>:pipeline:<pipeline>:ref:<ref>:commit:<sha>:step:<step key>,
	// the ref refs/tags/<tag> for a tagged build, else refs/heads/<branch>.
	// A job can replace it with another claim (--subject-claim).
	Subject          string `json:"sub"`
	OrganizationSlug string `json:"organization_slug"`         // the organization's slug; can be renamed
	PipelineSlug     string `json:"pipeline_slug"`             // the pipeline's slug; can be renamed
	OrganizationID   string `json:"organization_id,omitempty"` // the organization's UUID, only on request (--claim organization_id)
	PipelineID       string `json:"pipeline_id,omitempty"`     // the pipeline's UUID, only on request (--claim pipeline_id)

	BuildNumber int64  `json:"build_number"`           // a JSON number, from 1
	BuildBranch string `json:"build_branch,omitempty"` // the branch's short name, e.g. main
	BuildTag    string `json:"build_tag,omitempty"`    // the tag's name, e.g. v1.0.0; only for a tagged build
	BuildCommit string `json:"build_commit,omitempty"` // the commit built
	BuildSource string `json:"build_source,omitempty"` // ui, api, webhook, trigger_job, schedule
	StepKey     string `json:"step_key,omitempty"`     // the step's key; absent or null when the step has none

	JobID             string `json:"job_id"`                       // the job's UUID
	AgentID           string `json:"agent_id"`                     // the agent's UUID
	RunnerEnvironment string `json:"runner_environment,omitempty"` // buildkite-hosted, self-hosted

	// Claims a job adds on request (--claim), besides the two ids above.
	BuildID     string `json:"build_id,omitempty"`     // the build's UUID
	ClusterID   string `json:"cluster_id,omitempty"`   // the cluster's UUID
	ClusterName string `json:"cluster_name,omitempty"` // the cluster's name
	QueueID     string `json:"queue_id,omitempty"`     // the cluster queue's UUID
	QueueKey    string `json:"queue_key,omitempty"`    // the cluster queue's key

	// Extra holds claims this schema does not name, among them the
	// requested agent_tag:<name> claims.
	Extra map[string]json.RawMessage `json:"-"`
}

// Provider implements Set.
func (*Buildkite) Provider() Kind { return KindBuildkite }

// LookupKey implements Set: the lower-cased
// "organization_slug/pipeline_slug".
func (c *Buildkite) LookupKey() string {
	return strings.ToLower(c.OrganizationSlug + "/" + c.PipelineSlug)
}

var buildkiteSchema = schema[Buildkite]{
	strings: map[string]func(*Buildkite) *string{
		"sub":                func(c *Buildkite) *string { return &c.Subject },
		"organization_slug":  func(c *Buildkite) *string { return &c.OrganizationSlug },
		"pipeline_slug":      func(c *Buildkite) *string { return &c.PipelineSlug },
		"organization_id":    func(c *Buildkite) *string { return &c.OrganizationID },
		"pipeline_id":        func(c *Buildkite) *string { return &c.PipelineID },
		"build_branch":       func(c *Buildkite) *string { return &c.BuildBranch },
		"build_tag":          func(c *Buildkite) *string { return &c.BuildTag },
		"build_commit":       func(c *Buildkite) *string { return &c.BuildCommit },
		"build_source":       func(c *Buildkite) *string { return &c.BuildSource },
		"step_key":           func(c *Buildkite) *string { return &c.StepKey },
		"job_id":             func(c *Buildkite) *string { return &c.JobID },
		"agent_id":           func(c *Buildkite) *string { return &c.AgentID },
		"runner_environment": func(c *Buildkite) *string { return &c.RunnerEnvironment },
		"build_id":           func(c *Buildkite) *string { return &c.BuildID },
		"cluster_id":         func(c *Buildkite) *string { return &c.ClusterID },
		"cluster_name":       func(c *Buildkite) *string { return &c.ClusterName },
		"queue_id":           func(c *Buildkite) *string { return &c.QueueID },
		"queue_key":          func(c *Buildkite) *string { return &c.QueueKey },
	},
	ints: map[string]func(*Buildkite) *int64{
		"build_number": func(c *Buildkite) *int64 { return &c.BuildNumber },
	},
	extra: func(c *Buildkite) *map[string]json.RawMessage { return &c.Extra },
}

// DecodeBuildkite decodes a verified Buildkite payload and validates it.
func DecodeBuildkite(payload string) (*Buildkite, error) {
	return decodeSet(&buildkiteSchema, source{payload: payload})
}

// DecodeBuildkiteToken decodes the claims set of a verified Buildkite token
// and validates it, from the members Verify read: the payload is not parsed
// again.
func DecodeBuildkiteToken(t *oidc.Token) (*Buildkite, error) {
	return decodeSet(&buildkiteSchema, source{token: t})
}

// Validate implements Set. Required, as PyPI requires them: sub, the two
// slugs (what a policy compares and the lookup key), build_number, job_id
// and agent_id. A slug must be a name that cannot shift the parts of sub or
// of the lookup key (no ':', '/', space or control character), and every
// id Buildkite documents as a UUID must be one.
func (c *Buildkite) Validate() error {
	if err := require(
		"sub", c.Subject,
		"organization_slug", c.OrganizationSlug,
		"pipeline_slug", c.PipelineSlug,
		"job_id", c.JobID,
		"agent_id", c.AgentID,
	); err != nil {
		return err
	}
	switch {
	case c.BuildNumber == 0:
		return &Error{Err: ErrMissing, Claim: "build_number"}
	case c.BuildNumber < 0:
		return invalid("build_number", strconv.FormatInt(c.BuildNumber, 10), "not a build number")
	case !ident.BuildkiteSlug(c.OrganizationSlug):
		return invalid("organization_slug", c.OrganizationSlug, "not a Buildkite slug")
	case !ident.BuildkiteSlug(c.PipelineSlug):
		return invalid("pipeline_slug", c.PipelineSlug, "not a Buildkite slug")
	}
	for _, id := range [][2]string{{"job_id", c.JobID}, {"agent_id", c.AgentID},
		{"organization_id", c.OrganizationID}, {"pipeline_id", c.PipelineID}, {"build_id", c.BuildID},
		{"cluster_id", c.ClusterID}, {"queue_id", c.QueueID}} {
		if id[1] != "" && !ident.UUID(id[1]) {
			return invalid(id[0], id[1], "not a UUID")
		}
	}
	return nil
}

// MarshalJSON writes the claims, Extra included, as Buildkite would.
func (c *Buildkite) MarshalJSON() ([]byte, error) {
	type plain Buildkite
	return marshal((*plain)(c), c.Extra, buildkiteSchema.known)
}

// Workload describes the job. web is Buildkite's address
// (https://buildkite.com), where a pipeline's page is
// <web>/<organization>/<pipeline> and a job's
// <web>/<organization>/<pipeline>/builds/<build_number>#<job_id>; an empty
// web leaves the URLs empty. Repository is "<organization>/<pipeline>" and
// RepositoryID the pipeline_id, when the token carries it: Buildkite's
// tokens name the pipeline, not the git repository it builds. Ref is
// refs/tags/<build_tag> for a tagged build, else refs/heads/<build_branch>,
// as sub writes it; Trigger is build_source. Issuer is the provider's to
// fill (providers.Provider.Workload does).
func (c *Buildkite) Workload(web string) Workload {
	w := Workload{Provider: KindBuildkite, RepositoryID: c.PipelineID, Commit: c.BuildCommit,
		Trigger: c.BuildSource, Runner: c.RunnerEnvironment}
	switch {
	case c.BuildTag != "":
		w.Ref = "refs/tags/" + c.BuildTag
	case c.BuildBranch != "":
		w.Ref = "refs/heads/" + c.BuildBranch
	}
	if c.OrganizationSlug == "" || c.PipelineSlug == "" {
		return w
	}
	w.Repository = c.OrganizationSlug + "/" + c.PipelineSlug
	if web == "" {
		return w
	}
	w.RepositoryURL = joinURL(web, c.OrganizationSlug, c.PipelineSlug)
	if c.BuildNumber > 0 {
		w.RunURL = joinURL(w.RepositoryURL, "builds", strconv.FormatInt(c.BuildNumber, 10))
		if c.JobID != "" {
			w.RunURL += "#" + url.PathEscape(c.JobID)
		}
	}
	return w
}
