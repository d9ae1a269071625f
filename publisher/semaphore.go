package publisher

import (
	"slices"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
)

// Semaphore is a trusted publisher on Semaphore: a project of an
// organization, both pinned by their stable ids, building one repository,
// optionally from some refs only. Every field is compared exactly, as PyPI
// does.
//
// Two rules no field turns off: the job must be a pipeline's
// (job_type pipeline_job; a debug job is a shell a person opened with sem
// debug) and must build a branch or a tag (ref_type branch or tag). A
// pull request's job never publishes: one from a fork runs with the base
// project's identity, and the token does not say it came from a fork.
type Semaphore struct {
	// IssuerURL is the issuer the policy trusts. Empty means
	// providers.SemaphoreIssuer(Organization); set it only for a test
	// issuer.
	IssuerURL string `json:"issuer,omitempty"`
	// Organization is the organization's name (claim org): one lower-case
	// DNS label, the host of its issuer https://<organization>.semaphoreci.com.
	Organization string `json:"organization"`
	// OrganizationID is the organization's stable id, a UUID (claim org_id).
	OrganizationID string `json:"organization_id"`
	// Project is the project's name (claim prj).
	Project string `json:"project"`
	// ProjectID is the project's stable id, a UUID (claim prj_id), by which
	// the policy is looked up.
	ProjectID string `json:"project_id"`
	// RepoSlug is the project's repository, owner/name (claim repo_slug).
	RepoSlug string `json:"repo_slug"`
	// Refs, when set, are glob patterns of which the full ref (claim ref,
	// e.g. "refs/tags/v1.2.0") must match one. An empty non-nil list is
	// invalid: it would allow nothing.
	Refs []RefPattern `json:"refs,omitempty"`
}

// Specificity implements Specific: one with refs, else 0.
func (p *Semaphore) Specificity() int { return count(p.Refs != nil) }

// Provider implements Policy.
func (*Semaphore) Provider() claims.Kind { return claims.KindSemaphore }

// Issuer implements Policy: the organization's own issuer, unless
// IssuerURL names another.
func (p *Semaphore) Issuer() string {
	if p.IssuerURL == "" {
		return providers.SemaphoreIssuer(p.Organization)
	}
	return p.IssuerURL
}

// LookupKey implements Policy: the lower-cased project id.
func (p *Semaphore) LookupKey() string { return strings.ToLower(p.ProjectID) }

// Validate implements Policy.
func (p *Semaphore) Validate() error {
	const kind = claims.KindSemaphore
	switch {
	case p.IssuerURL != "" && !ident.IssuerURL(p.IssuerURL):
		return policyError(kind, "issuer", "%q is not an https URL without a trailing slash, query or fragment", p.IssuerURL)
	case !ident.Label(p.Organization):
		return policyError(kind, "organization", "%q is not a Semaphore organization name: one DNS label of lower-case "+
			"letters, digits and '-', as in https://<organization>.semaphoreci.com", p.Organization)
	case p.IssuerURL != "" && p.IssuerURL != providers.SemaphoreIssuer(p.Organization) &&
		strings.HasSuffix(strings.ToLower(p.IssuerURL), providers.SemaphoreIssuerSuffix):
		// Another organization's real issuer: the policy could never match.
		return policyError(kind, "issuer", "%q is not organization %q's issuer, %s; leave issuer out", p.IssuerURL,
			p.Organization, providers.SemaphoreIssuer(p.Organization))
	case !ident.LowerUUID(p.OrganizationID):
		return policyError(kind, "organization_id", "%q is not the organization's id (a lower-case UUID)", p.OrganizationID)
	case !semaphoreProject(p.Project):
		return policyError(kind, "project", "%q is not a Semaphore project name: ASCII letters, digits, '.', '_' and '-', "+
			"starting and ending with a letter or digit", p.Project)
	case !ident.LowerUUID(p.ProjectID):
		return policyError(kind, "project_id", "%q is not the project's id (a lower-case UUID)", p.ProjectID)
	case !strings.Contains(p.RepoSlug, "/") || !ident.Path(p.RepoSlug, 512):
		return policyError(kind, "repo_slug", "%q is not a repository slug: owner/name, of ASCII letters, digits, '.', '_' and '-'", p.RepoSlug)
	}
	return validRefs(kind, p.Refs)
}

// Check implements Policy.
func (p *Semaphore) Check(set claims.Set) []Mismatch {
	c, ok := set.(*claims.Semaphore)
	if !ok || c == nil {
		return []Mismatch{wrongProvider(claims.KindSemaphore, set)}
	}
	var miss []Mismatch
	add := func(rule, claim, want, got string) {
		miss = append(miss, Mismatch{Rule: rule, Claim: claim, Want: want, Got: got})
	}
	if prefix, repo := p.subjectPrefix(); !semaphoreSubjectIs(c.Subject, prefix, repo) {
		add("subject", "sub", prefix+repo+":ref_type:…", c.Subject)
	}
	if c.Organization != p.Organization {
		add("organization", "org", p.Organization, c.Organization)
	}
	if c.OrganizationID != p.OrganizationID {
		add("organization_id", "org_id", p.OrganizationID, c.OrganizationID)
	}
	if c.Project != p.Project {
		add("project", "prj", p.Project, c.Project)
	}
	if c.ProjectID != p.ProjectID {
		add("project_id", "prj_id", p.ProjectID, c.ProjectID)
	}
	if c.RepoSlug != p.RepoSlug {
		add("repo_slug", "repo_slug", p.RepoSlug, c.RepoSlug)
	}
	if p.Refs != nil && !anyMatch(p.Refs, c.Ref) {
		add("refs", "ref", patternList(p.Refs), c.Ref)
	}
	if c.RefType != "branch" && c.RefType != "tag" {
		add("ref_type", "ref_type", "a branch or a tag (a pull request's job never publishes)", c.RefType)
	}
	if c.JobType != "pipeline_job" {
		add("job_type", "job_type", "pipeline_job (a debug job is a person's shell)", c.JobType)
	}
	return miss
}

// subjectPrefix is what sub starts with for this policy,
// org:<organization>:project:<project id>:repo:, and the repository's
// name that follows it: repo_slug's last part.
func (p *Semaphore) subjectPrefix() (prefix, repo string) {
	return "org:" + p.Organization + ":project:" + p.ProjectID + ":repo:", p.RepoSlug[strings.LastIndexByte(p.RepoSlug, '/')+1:]
}

// semaphoreSubjectIs reports whether sub is prefix, then repo compared
// ASCII case-insensitively (as PyPI compares it), then ":".
func semaphoreSubjectIs(sub, prefix, repo string) bool {
	rest, ok := strings.CutPrefix(sub, prefix)
	if !ok || len(rest) <= len(repo) || rest[len(repo)] != ':' {
		return false
	}
	return ident.FoldEqual(rest[:len(repo)], repo)
}

// semaphoreProject accepts a project name as PyPI does: ASCII letters,
// digits, '.', '_' and '-', starting and ending with a letter or digit.
func semaphoreProject(s string) bool {
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
	return ident.Name(s, 255) && alnum(s[0]) && alnum(s[len(s)-1])
}

// Rules documents every claim of a Semaphore token: how this policy
// compares it, whether it must be present or only when a field is set, and
// which rule reports it.
func (*Semaphore) Rules() []ClaimRule { return slices.Clone(semaphoreRules) }

var semaphoreRules = []ClaimRule{
	{"iss", CompareExact, UseRequired, "issuer", "the organization's own issuer, `https://<organization>.semaphoreci.com` (or the policy's `issuer`): each organization is its own trust domain"},
	{"aud", CompareExact, UseRequired, "", "the registry's `Config.Audience`, checked by package oidc; Semaphore's default audience is the issuer's URL"},
	{"jti", CompareNotCompared, UseNone, "", "with `iss`, the replay identity: a token is accepted once"},
	{"sub", CompareExact, UseRequired, "subject", "must start with `org:<organization>:project:<project_id>:repo:<name>:`, `<name>` the last part of `repo_slug` compared case-insensitively, as PyPI does"},
	{"org", CompareExact, UseRequired, "organization", "one lower-case DNS label (checked when decoding), the host of the issuer"},
	{"org_id", ComparePinnedID, UseRequired, "organization_id", "a UUID: an organization deleted and its name taken again has another"},
	{"prj", CompareExact, UseRequired, "project", ""},
	{"prj_id", ComparePinnedID, UseRequired, "project_id", "a UUID and, lower-cased, the lookup key: a project deleted and its name taken again has another"},
	{"repo_slug", CompareExact, UseRequired, "repo_slug", "`owner/name`, case included, as PyPI compares it; for a pull request it names the base repository, not the fork"},
	{"ref", ComparePattern, UseOptional, "refs", "the full ref (`refs/tags/v1.0.0`) must match one of `refs` (`*` stays within a segment, `**` crosses `/`)"},
	{"ref_type", CompareRefused, UseRequired, "ref_type", "must be `branch` or `tag`: `pull-request` jobs (`pr` in the documented `sub` template) never publish, since a fork's pull request runs with the base project's identity and the token does not name the fork"},
	{"job_type", CompareRefused, UseRequired, "job_type", "must be `pipeline_job`: `debug_job` and `project_debug_job` are shells a person opened with `sem debug`"},
	{"repo", CompareIgnored, UseNone, "", "the repository's name; `repo_slug` is compared instead"},
	{"branch", CompareIgnored, UseNone, "", "also `tag`, `pr`, `pr_branch`: `ref` and `ref_type` say the same"},
	{"wf_id", CompareIgnored, UseNone, "", "also `ppl_id`, `job_id`"},
	{"trg", CompareIgnored, UseNone, "", "how the workflow and pipeline were started, and whether they were rerun"},
	{"actor", CompareIgnored, UseNone, "", "who promoted the pipeline: a policy trusts a project, not a person"},
	{"sub127", CompareIgnored, UseNone, "", "`sub` shortened for Google Cloud"},
	{"https://aws.amazon.com/tags", CompareIgnored, UseNone, "", "an object, only when the organization turns on AWS session tags"},
}
