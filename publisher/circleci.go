package publisher

import (
	"slices"
	"strconv"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
)

// CircleCI's claims a CircleCI policy reads.
const (
	cciOrgID       = "oidc.circleci.com/org-id"
	cciProjectID   = "oidc.circleci.com/project-id"
	cciPipelineDef = "oidc.circleci.com/pipeline-definition-id"
	cciVCSOrigin   = "oidc.circleci.com/vcs-origin"
	cciVCSRef      = "oidc.circleci.com/vcs-ref"
	cciContextIDs  = "oidc.circleci.com/context-ids"
	cciSSHRerun    = "oidc.circleci.com/ssh-rerun"
)

// maxContextIDs bounds a policy's context_ids.
const maxContextIDs = 64

// CircleCI is a trusted publisher on CircleCI: a pipeline definition of
// one project of one organization, building one repository, as npm
// registers it; optionally pinned to contexts and refs. Ids are UUIDs in
// lower case, as CircleCI writes them, compared exactly. A job re-run with
// SSH, where a person had a shell, is refused unless AllowSSHRerun is set.
type CircleCI struct {
	// IssuerURL is the issuer the policy trusts. Empty means the
	// organization's own, providers.CircleCIIssuer(OrganizationID), what
	// npm trusts; providers.CircleCIRootIssuer trusts CircleCI's root
	// issuer, shared by every organization (what PyPI registers); any
	// other is a test issuer.
	IssuerURL string `json:"issuer,omitempty"`
	// OrganizationID is the organization's id (claim
	// oidc.circleci.com/org-id), shown under Organization Settings >
	// Overview.
	OrganizationID string `json:"organization_id"`
	// ProjectID is the project's id (claim oidc.circleci.com/project-id),
	// shown under Project Settings > Overview.
	ProjectID string `json:"project_id"`
	// PipelineDefinitionID is the pipeline definition's id (claim
	// oidc.circleci.com/pipeline-definition-id), shown under Project
	// Settings > Project Setup.
	PipelineDefinitionID string `json:"pipeline_definition_id"`
	// VCSOrigin is the repository the pipeline must be triggered from,
	// compared exactly with oidc.circleci.com/vcs-origin, as npm does: host
	// and path without a scheme, e.g. "github.com/octo-org/hello-world".
	// It tells a fork's build apart, when a project passes secrets to forks.
	VCSOrigin string `json:"vcs_origin"`
	// ContextIDs, when set, are contexts of which the job must use at least
	// one (claim oidc.circleci.com/context-ids). An empty non-nil list is
	// invalid: it would allow nothing.
	ContextIDs []string `json:"context_ids,omitempty"`
	// Refs, when set, are glob patterns of which the full ref
	// (oidc.circleci.com/vcs-ref, e.g. "refs/tags/v1.2.0") must match one.
	// An empty non-nil list is invalid: it would allow nothing.
	Refs []RefPattern `json:"refs,omitempty"`
	// AllowSSHRerun accepts a job re-run with SSH (ssh-rerun true), which
	// is otherwise refused: a person had a shell in the job that publishes.
	AllowSSHRerun bool `json:"allow_ssh_rerun,omitempty"`
}

// Specificity implements Specific: one for each optional rule set
// (context_ids, refs). AllowSSHRerun lifts a refusal rather than adding a
// rule, so it does not count.
func (p *CircleCI) Specificity() int { return count(p.ContextIDs != nil, p.Refs != nil) }

// Provider implements Policy.
func (*CircleCI) Provider() claims.Kind { return claims.KindCircleCI }

// Issuer implements Policy.
func (p *CircleCI) Issuer() string {
	if p.IssuerURL == "" {
		return providers.CircleCIIssuer(p.OrganizationID)
	}
	return p.IssuerURL
}

// LookupKey implements Policy: the lower-cased
// "<organization_id>/<project_id>".
func (p *CircleCI) LookupKey() string {
	return strings.ToLower(p.OrganizationID + "/" + p.ProjectID)
}

// Validate implements Policy.
func (p *CircleCI) Validate() error {
	const uuid = "%q is not %s: a UUID in lower case, as CircleCI writes it"
	switch {
	case p.IssuerURL != "" && !ident.IssuerURL(p.IssuerURL):
		return policyError(claims.KindCircleCI, "issuer", "%q is not an https URL without a trailing slash, query or fragment", p.IssuerURL)
	case !ident.LowerUUID(p.OrganizationID):
		return policyError(claims.KindCircleCI, "organization_id", uuid, p.OrganizationID, "the organization's id")
	case strings.HasPrefix(p.IssuerURL, providers.CircleCIIssuerPrefix) && p.IssuerURL != providers.CircleCIIssuer(p.OrganizationID):
		return policyError(claims.KindCircleCI, "issuer", "%q is another organization's issuer than %s's; leave it out for CircleCI's",
			p.IssuerURL, p.OrganizationID)
	case !ident.LowerUUID(p.ProjectID):
		return policyError(claims.KindCircleCI, "project_id", uuid, p.ProjectID, "the project's id")
	case !ident.LowerUUID(p.PipelineDefinitionID):
		return policyError(claims.KindCircleCI, "pipeline_definition_id", uuid, p.PipelineDefinitionID, "the pipeline definition's id")
	case !circleciVCSOrigin(p.VCSOrigin):
		return policyError(claims.KindCircleCI, "vcs_origin", "%q is not a VCS origin as CircleCI writes it: a lower-case host, then "+
			"owner/repository (ASCII letters, digits, '-', '_', '.'), no scheme, e.g. github.com/octo-org/hello-world", p.VCSOrigin)
	}
	if err := p.validContexts(); err != nil {
		return err
	}
	return validRefs(claims.KindCircleCI, p.Refs)
}

// validContexts checks ContextIDs: absent, or 1 to maxContextIDs distinct
// lower-case UUIDs.
func (p *CircleCI) validContexts() error {
	switch {
	case p.ContextIDs == nil:
		return nil
	case len(p.ContextIDs) == 0:
		return policyError(claims.KindCircleCI, "context_ids", "an empty list would allow no job; omit it to allow any context")
	case len(p.ContextIDs) > maxContextIDs:
		return policyError(claims.KindCircleCI, "context_ids", "%d contexts, more than %d", len(p.ContextIDs), maxContextIDs)
	}
	for i, id := range p.ContextIDs {
		if !ident.LowerUUID(id) {
			return policyError(claims.KindCircleCI, "context_ids", "%q is not a context's id: a UUID in lower case, as CircleCI writes it", id)
		}
		if slices.Contains(p.ContextIDs[:i], id) {
			return policyError(claims.KindCircleCI, "context_ids", "%q is listed twice", id)
		}
	}
	return nil
}

// Check implements Policy.
func (p *CircleCI) Check(set claims.Set) []Mismatch {
	c, ok := set.(*claims.CircleCI)
	if !ok || c == nil {
		return []Mismatch{wrongProvider(claims.KindCircleCI, set)}
	}
	var miss []Mismatch
	add := func(rule, claim, want, got string) {
		miss = append(miss, Mismatch{Rule: rule, Claim: claim, Want: want, Got: got})
	}
	if c.OrganizationID != p.OrganizationID {
		add("organization_id", cciOrgID, p.OrganizationID, c.OrganizationID)
	}
	if c.ProjectID != p.ProjectID {
		add("project_id", cciProjectID, p.ProjectID, c.ProjectID)
	}
	if c.PipelineDefinitionID != p.PipelineDefinitionID {
		add("pipeline_definition_id", cciPipelineDef, p.PipelineDefinitionID, c.PipelineDefinitionID)
	}
	if c.VCSOrigin != p.VCSOrigin {
		add("vcs_origin", cciVCSOrigin, p.VCSOrigin, c.VCSOrigin)
	}
	if p.ContextIDs != nil && !slices.ContainsFunc(c.ContextIDs, func(id string) bool { return slices.Contains(p.ContextIDs, id) }) {
		add("context_ids", cciContextIDs, contextList(p.ContextIDs), strings.Join(c.ContextIDs, ", "))
	}
	if p.Refs != nil && !anyMatch(p.Refs, c.VCSRef) {
		add("refs", cciVCSRef, patternList(p.Refs), c.VCSRef)
	}
	if !p.AllowSSHRerun && (c.SSHRerun == nil || *c.SSHRerun) {
		got := ""
		if c.SSHRerun != nil {
			got = strconv.FormatBool(*c.SSHRerun)
		}
		add("allow_ssh_rerun", cciSSHRerun, "a job not re-run with SSH (false; allow_ssh_rerun accepts one)", got)
	}
	return miss
}

// contextList names the contexts for an explanation.
func contextList(ids []string) string {
	if len(ids) == 1 {
		return "context " + ids[0]
	}
	return "one of the contexts " + strings.Join(ids, ", ")
}

// circleciVCSOrigin accepts <host>/<owner>/<repository>[/…] as CircleCI
// writes vcs-origin: a lower-case host name, then at least two path
// segments of ASCII letters, digits, '-', '_' and '.', no scheme, no
// query, no "." or "..".
func circleciVCSOrigin(s string) bool {
	host, path, ok := strings.Cut(s, "/")
	if !ok || len(s) > 1024 || !ident.HostPort(host) {
		return false
	}
	n := 0
	for seg := range strings.SplitSeq(path, "/") {
		if !ident.Name(seg, 255) {
			return false
		}
		n++
	}
	return n >= 2
}

// Rules documents every claim of a CircleCI token: how this policy compares
// it, whether it must be present or only when a field is set, and which
// rule reports it.
func (*CircleCI) Rules() []ClaimRule { return slices.Clone(circleciRules) }

var circleciRules = []ClaimRule{
	{"iss", CompareExact, UseRequired, "issuer", "`https://oidc.circleci.com/org/<organization_id>`, each organization's own trust domain; or the policy's `issuer`, e.g. the root issuer `https://oidc.circleci.com` (`--root-issuer`) shared by every organization; either way `oidc.circleci.com/org-id` must be `organization_id`"},
	{"aud", CompareExact, UseRequired, "", "the registry's `Config.Audience`, checked by package oidc; CircleCI's default is the organization's id, a job asks for the registry's with `circleci run oidc get --claims '{\"aud\": \"…\"}'`"},
	{"jti", CompareNotCompared, UseNone, "", "CircleCI does not document one; with `iss`, the replay identity when present, else the token's hash"},
	{"sub", CompareIgnored, UseNone, "", "`org/<org id>/project/<project id>/user/<user id>`, the V2 token appends `/vcs-origin/<origin>/vcs-ref/<ref>`; the claims below are used instead (the user id is only logged)"},
	{cciOrgID, ComparePinnedID, UseRequired, "organization_id", "a UUID in lower case, the issuer's own organization; with `oidc.circleci.com/project-id` the lookup key"},
	{cciProjectID, ComparePinnedID, UseRequired, "project_id", "a UUID in lower case"},
	{cciPipelineDef, ComparePinnedID, UseRequired, "pipeline_definition_id", "a UUID in lower case: the pipeline definition (configuration source and trigger) allowed to publish"},
	{cciVCSOrigin, CompareExact, UseRequired, "vcs_origin", "e.g. `github.com/octo-org/hello-world`, as npm compares it; tells a fork's build apart; absent for a custom webhook's pipeline, which is refused"},
	{cciVCSRef, ComparePattern, UseOptional, "refs", "the full ref must match one of `refs` (`*` stays within a segment, `**` crosses `/`); absent for a custom webhook's pipeline"},
	{cciContextIDs, CompareExact, UseOptional, "context_ids", "an array of UUIDs: the job must use at least one of the policy's contexts"},
	{cciSSHRerun, CompareRefused, UseRequired, "allow_ssh_rerun", "a JSON boolean, required; `true` (a job re-run with SSH: a person had a shell in it) is refused unless the policy sets `allow_ssh_rerun`"},
	{"oidc.circleci.com/pipeline-id", CompareIgnored, UseNone, "", "also `oidc.circleci.com/workflow-id` and `oidc.circleci.com/job-id`: this run's ids"},
	{"oidc.circleci.com/vcs-sha", CompareIgnored, UseNone, "", "the commit built"},
}
