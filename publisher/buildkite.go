package publisher

import (
	"slices"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
)

// Buildkite is a trusted publisher on Buildkite Pipelines: a pipeline of an
// organization, named by their slugs, optionally limited to a branch, a tag
// or a step, and optionally pinned to the organization's and pipeline's
// UUIDs. Every field is compared exactly, as PyPI does.
//
// One issuer signs the tokens of every Buildkite organization, so the
// organization's slug is what tells a publisher's pipeline from another
// organization's pipeline of the same slug. Slugs can be renamed and then
// taken by someone else: pin OrganizationID and PipelineID, which the job
// puts in its token when it asks for them:
//
//	buildkite-agent oidc request-token --audience <registry> --claim organization_id,pipeline_id
type Buildkite struct {
	// IssuerURL is the issuer the policy trusts. Empty means Buildkite
	// (providers.BuildkiteIssuer); set it only for a test issuer.
	IssuerURL string `json:"issuer,omitempty"`
	// OrganizationSlug is the organization's slug (claim organization_slug),
	// e.g. "acme-inc" in https://buildkite.com/acme-inc.
	OrganizationSlug string `json:"organization_slug"`
	// PipelineSlug is the pipeline's slug (claim pipeline_slug).
	PipelineSlug string `json:"pipeline_slug"`
	// Branch, when set, must be the build's branch (claim build_branch), its
	// short name: "main", not "refs/heads/main".
	Branch string `json:"branch,omitempty"`
	// Tag, when set, must be the build's tag (claim build_tag), its name:
	// "v1.0.0", not "refs/tags/v1.0.0". A build without a tag fails it.
	Tag string `json:"tag,omitempty"`
	// StepKey, when set, must be the key of the job's step (claim
	// step_key). A step without a key fails it.
	StepKey string `json:"step_key,omitempty"`
	// OrganizationID, when set, pins the organization's UUID (claim
	// organization_id, lower case, as Buildkite writes it): a token without
	// the claim fails, so the job must request it.
	OrganizationID string `json:"organization_id,omitempty"`
	// PipelineID, when set, pins the pipeline's UUID (claim pipeline_id),
	// likewise.
	PipelineID string `json:"pipeline_id,omitempty"`
}

// Specificity implements Specific: one for each optional rule set (branch,
// tag, step_key, organization_id, pipeline_id).
func (p *Buildkite) Specificity() int {
	return count(p.Branch != "", p.Tag != "", p.StepKey != "", p.OrganizationID != "", p.PipelineID != "")
}

// Provider implements Policy.
func (*Buildkite) Provider() claims.Kind { return claims.KindBuildkite }

// Issuer implements Policy.
func (p *Buildkite) Issuer() string {
	if p.IssuerURL == "" {
		return providers.BuildkiteIssuer
	}
	return p.IssuerURL
}

// LookupKey implements Policy: the lower-cased
// "organization_slug/pipeline_slug". The index is case-insensitive; Check
// then compares exactly.
func (p *Buildkite) LookupKey() string {
	return strings.ToLower(p.OrganizationSlug + "/" + p.PipelineSlug)
}

// Validate implements Policy.
func (p *Buildkite) Validate() error {
	const slug = "ASCII letters, digits, '-', '_' and '.' (no ':', '/' or spaces)"
	switch {
	case p.IssuerURL != "" && !ident.IssuerURL(p.IssuerURL):
		return policyError(claims.KindBuildkite, "issuer", "%q is not an https URL without a trailing slash, query or fragment", p.IssuerURL)
	case !ident.BuildkiteSlug(p.OrganizationSlug):
		return policyError(claims.KindBuildkite, "organization_slug", "%q is not an organization's slug: %s", p.OrganizationSlug, slug)
	case !ident.BuildkiteSlug(p.PipelineSlug):
		return policyError(claims.KindBuildkite, "pipeline_slug", "%q is not a pipeline's slug: %s", p.PipelineSlug, slug)
	case p.Branch != "" && !buildkiteRefName(p.Branch, "refs/heads/"):
		return policyError(claims.KindBuildkite, "branch", "%q is not a branch's short name (e.g. main, not refs/heads/main): "+
			"no spaces or control characters, at most 1024 bytes", p.Branch)
	case p.Tag != "" && !buildkiteRefName(p.Tag, "refs/tags/"):
		return policyError(claims.KindBuildkite, "tag", "%q is not a tag's name (e.g. v1.0.0, not refs/tags/v1.0.0): "+
			"no spaces or control characters, at most 1024 bytes", p.Tag)
	case p.StepKey != "" && (len(p.StepKey) > 1024 || ident.HasControl(p.StepKey)):
		return policyError(claims.KindBuildkite, "step_key", "%q is not a step's key: no control characters, at most 1024 bytes", p.StepKey)
	case p.OrganizationID != "" && !lowerUUID(p.OrganizationID):
		return policyError(claims.KindBuildkite, "organization_id", "%q is not the organization's UUID in lower case, as Buildkite writes it", p.OrganizationID)
	case p.PipelineID != "" && !lowerUUID(p.PipelineID):
		return policyError(claims.KindBuildkite, "pipeline_id", "%q is not the pipeline's UUID in lower case, as Buildkite writes it", p.PipelineID)
	}
	return nil
}

// buildkiteRefName accepts a branch's or tag's short name: what
// build_branch and build_tag hold, so neither the full ref (prefix) nor
// what git refuses in a ref name (spaces, control characters).
func buildkiteRefName(s, prefix string) bool {
	return len(s) <= 1024 && !strings.HasPrefix(s, prefix) && !strings.ContainsAny(s, " \t") && !ident.HasControl(s)
}

// lowerUUID accepts a UUID written in lower case: ids are compared exactly.
func lowerUUID(s string) bool {
	return ident.UUID(s) && strings.ToLower(s) == s
}

// Check implements Policy.
func (p *Buildkite) Check(set claims.Set) []Mismatch {
	c, ok := set.(*claims.Buildkite)
	if !ok || c == nil {
		return []Mismatch{wrongProvider(claims.KindBuildkite, set)}
	}
	var miss []Mismatch
	add := func(rule, claim, want, got string) {
		miss = append(miss, Mismatch{Rule: rule, Claim: claim, Want: want, Got: got})
	}
	// The slugs cannot hold ':' (Validate, and the claims' own validation),
	// so the prefix names exactly this organization and pipeline.
	sub := "organization:" + p.OrganizationSlug + ":pipeline:" + p.PipelineSlug + ":"
	if !strings.HasPrefix(c.Subject, sub) {
		add("subject", "sub", "a subject starting with "+sub, c.Subject)
	}
	if c.OrganizationSlug != p.OrganizationSlug {
		add("organization_slug", "organization_slug", p.OrganizationSlug, c.OrganizationSlug)
	}
	if c.PipelineSlug != p.PipelineSlug {
		add("pipeline_slug", "pipeline_slug", p.PipelineSlug, c.PipelineSlug)
	}
	if p.Branch != "" && c.BuildBranch != p.Branch {
		add("branch", "build_branch", p.Branch, c.BuildBranch)
	}
	if p.Tag != "" && c.BuildTag != p.Tag {
		add("tag", "build_tag", p.Tag, c.BuildTag)
	}
	if p.StepKey != "" && c.StepKey != p.StepKey {
		add("step_key", "step_key", p.StepKey, c.StepKey)
	}
	pinned := func(claim, want, got string) {
		switch {
		case want == "" || got == want:
		case got == "":
			add(claim, claim, want+" (the job must request the claim: buildkite-agent oidc request-token --claim organization_id,pipeline_id)", "")
		default:
			add(claim, claim, want, got)
		}
	}
	pinned("organization_id", p.OrganizationID, c.OrganizationID)
	pinned("pipeline_id", p.PipelineID, c.PipelineID)
	return miss
}

// Rules documents every claim of a Buildkite token: how this policy
// compares it, whether it must be present or only when a field is set, and
// which rule reports it.
func (*Buildkite) Rules() []ClaimRule { return slices.Clone(buildkiteRules) }

var buildkiteRules = []ClaimRule{
	{"iss", CompareExact, UseRequired, "issuer", "`https://agent.buildkite.com`, one issuer for every organization: the slugs, and the pinned ids, tell organizations apart"},
	{"aud", CompareExact, UseRequired, "", "the registry's `Config.Audience`, checked by package oidc; Buildkite's default, `https://buildkite.com/<organization>`, is no registry's: the job passes `--audience`"},
	{"jti", CompareNotCompared, UseNone, "", "with `iss`, the replay identity: a token is accepted once"},
	{"sub", CompareExact, UseRequired, "subject", "must start with `organization:<organization_slug>:pipeline:<pipeline_slug>:`, as PyPI checks; the rest (`ref`, `commit`, `step`) is not compared. A subject replaced with `--subject-claim` is refused"},
	{"organization_slug", CompareExact, UseRequired, "organization_slug", "with `pipeline_slug`, the lookup key (lower-cased); a slug can be renamed and reused: pin `organization_id`"},
	{"pipeline_slug", CompareExact, UseRequired, "pipeline_slug", "likewise: pin `pipeline_id`"},
	{"organization_id", ComparePinnedID, UseOptional, "organization_id", "the organization's UUID, only in tokens requested with `--claim organization_id`; when pinned, a token without it fails"},
	{"pipeline_id", ComparePinnedID, UseOptional, "pipeline_id", "the pipeline's UUID, only with `--claim pipeline_id`; likewise"},
	{"build_branch", CompareExact, UseOptional, "branch", "the branch's short name, e.g. `main`"},
	{"build_tag", CompareExact, UseOptional, "tag", "the tag's name, e.g. `v1.0.0`; absent or null for a build without a tag"},
	{"step_key", CompareExact, UseOptional, "step_key", "the step's `key`; null for a step without one"},
	{"build_number", CompareNotCompared, UseRequired, "", "a JSON number from 1; required, as PyPI requires it (checked when decoding)"},
	{"job_id", CompareNotCompared, UseRequired, "", "a UUID; required, as PyPI requires it (checked when decoding)"},
	{"agent_id", CompareNotCompared, UseRequired, "", "a UUID; required, as PyPI requires it (checked when decoding)"},
	{"build_commit", CompareIgnored, UseNone, "", ""},
	{"build_source", CompareIgnored, UseNone, "", "`ui`, `api`, `webhook`, `trigger_job` or `schedule`"},
	{"runner_environment", CompareIgnored, UseNone, "", "`buildkite-hosted` or `self-hosted`"},
	{"build_id", CompareIgnored, UseNone, "", "also `cluster_id`, `cluster_name`, `queue_id`, `queue_key`: claims a job may request with `--claim`; ids must be UUIDs (checked when decoding)"},
	{"agent_tag:*", CompareIgnored, UseNone, "", "the agent's tags, requested with `--claim agent_tag:<name>`"},
}
