package publisher

import (
	"strings"

	"github.com/trustpub/trustpub/internal/ident"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
)

// GitHub is a trusted publisher on GitHub Actions: a workflow file of one
// repository, pinned to its owner's stable id, on one issuer, optionally
// narrowed by an environment, a reusable workflow, refs, a protected ref, a
// GitHub-hosted runner and the repository's id.
//
// The required fields (Owner, OwnerID, Repository, Workflow) are always
// checked. Every other field is optional: its zero value means "not
// required", never "anything goes" for a required rule; in JSON such a
// field is left out, not given as "". Rules documents each
// claim; the JSON names are the rule names a Mismatch reports.
type GitHub struct {
	// IssuerURL is the one issuer the policy trusts, exactly as the tokens'
	// iss. Empty means github.com (providers.GitHubIssuer); an enterprise,
	// GHE.com or GitHub Enterprise Server issuer must be named (see
	// providers.GitHubEnterpriseIssuer and its siblings). A token of any
	// other issuer never matches.
	IssuerURL string `json:"issuer,omitempty"`
	// Owner is the repository owner's login, compared case-insensitively.
	Owner string `json:"owner"`
	// OwnerID is the owner's stable numeric id (repository_owner_id),
	// recorded at registration: it defeats a deleted account's name being
	// registered again by someone else. Required.
	OwnerID string `json:"owner_id"`
	// Repository is the repository's name without the owner.
	Repository string `json:"repository"`
	// Workflow is the calling workflow's file name in .github/workflows,
	// e.g. "release.yml", compared exactly against workflow_ref. Required,
	// also when ReusableWorkflow is set: the caller decides when the job
	// runs and with what inputs, so both must be the ones registered.
	Workflow string `json:"workflow"`
	// Environment, when set, must be the job's environment (compared
	// case-insensitively, as GitHub does, in ASCII only).
	Environment string `json:"environment,omitempty"`

	// ReusableWorkflow, when set, is the reusable workflow that must run
	// the job: "<owner>/<repo>/.github/workflows/<file>", in the same or
	// another repository, optionally pinned with "@refs/…" or "@<commit
	// sha>". It is checked against job_workflow_ref: owner/repo
	// case-insensitively, the path exactly, the pin exactly; unpinned, any
	// full ref or commit sha is accepted after the "@".
	ReusableWorkflow string `json:"reusable_workflow,omitempty"`
	// Refs, when set, lists the git refs the run may be on (claim ref), as
	// glob patterns on the full ref, e.g. "refs/tags/v*". Any one must
	// match. An empty non-nil list is invalid: it would allow nothing.
	Refs []RefPattern `json:"refs,omitempty"`
	// RepositoryID, when set, pins the repository's numeric id
	// (repository_id): a repository deleted and created again under the
	// same name gets another id.
	RepositoryID string `json:"repository_id,omitempty"`
	// RequireProtectedRef requires the run's ref to be protected
	// (ref_protected "true"): a branch or tag protection rule or ruleset.
	RequireProtectedRef bool `json:"require_protected_ref,omitempty"`
	// RequireHostedRunner requires a GitHub-hosted runner
	// (runner_environment "github-hosted"). GitHub Enterprise Server has
	// none: do not set it for a server's publisher.
	RequireHostedRunner bool `json:"require_hosted_runner,omitempty"`
}

// Specificity implements Specific: SpecificEnvironment with an
// environment, plus one for each optional rule set (environment,
// reusable_workflow, refs, repository_id, require_protected_ref,
// require_hosted_runner).
func (p *GitHub) Specificity() int {
	n := count(p.Environment != "", p.ReusableWorkflow != "", p.Refs != nil, p.RepositoryID != "",
		p.RequireProtectedRef, p.RequireHostedRunner)
	if p.Environment != "" {
		n += SpecificEnvironment
	}
	return n
}

// refusedEvents are triggers that run code or context an outsider controls
// with the base repository's identity.
var refusedEvents = map[string]bool{"pull_request_target": true, "workflow_run": true}

// Provider implements Policy.
func (*GitHub) Provider() claims.Kind { return claims.KindGitHub }

// Issuer implements Policy.
func (p *GitHub) Issuer() string {
	if p.IssuerURL == "" {
		return providers.GitHubIssuer
	}
	return p.IssuerURL
}

// LookupKey implements Policy.
func (p *GitHub) LookupKey() string { return strings.ToLower(p.Owner + "/" + p.Repository) }

// Validate implements Policy. It allocates nothing when the policy is valid:
// the verifier calls it for every candidate.
func (p *GitHub) Validate() error {
	switch {
	case p.IssuerURL != "" && !ident.IssuerURL(p.IssuerURL):
		return policyError(claims.KindGitHub, "issuer", "%q is not an https issuer URL (lower-case host, no query, fragment or trailing slash)", p.IssuerURL)
	case !ident.Name(p.Owner, 100):
		return policyError(claims.KindGitHub, "owner", "%q is not a GitHub login", p.Owner)
	case !ident.ID(p.OwnerID):
		return policyError(claims.KindGitHub, "owner_id", "%q is not a numeric id (repository_owner_id)", p.OwnerID)
	case !ident.Name(p.Repository, 100):
		return policyError(claims.KindGitHub, "repository", "%q is not a repository name (without the owner)", p.Repository)
	case strings.Contains(p.Workflow, "@"):
		return policyError(claims.KindGitHub, "workflow", "%q contains '@', which ends the file name in workflow_ref: "+
			"a workflow file whose name contains '@' cannot be a trusted publisher", p.Workflow)
	case !isWorkflowFile(p.Workflow):
		return policyError(claims.KindGitHub, "workflow", "%q is not a file name in .github/workflows ending in .yml or .yaml", p.Workflow)
	case p.Environment != "" && !ident.GitHubEnvironment(p.Environment):
		return policyError(claims.KindGitHub, "environment", "%q is not a GitHub environment name: at most 255 characters, "+
			"no control characters, no white space at either end", p.Environment)
	case p.RepositoryID != "" && !ident.ID(p.RepositoryID):
		return policyError(claims.KindGitHub, "repository_id", "%q is not a numeric id (repository_id)", p.RepositoryID)
	}
	if err := validRefs(claims.KindGitHub, p.Refs); err != nil {
		return err
	}
	if p.ReusableWorkflow != "" {
		if strings.Count(p.ReusableWorkflow, "@") > 1 {
			return policyError(claims.KindGitHub, "reusable_workflow", "%q has more than one '@': the first ends the file name "+
				"in job_workflow_ref, so a workflow file whose name contains '@' cannot be a trusted publisher", p.ReusableWorkflow)
		}
		if _, _, _, ok := parseReusable(p.ReusableWorkflow); !ok {
			return policyError(claims.KindGitHub, "reusable_workflow",
				"%q is not <owner>/<repo>/.github/workflows/<file>, optionally followed by @refs/… or @<40-hex commit sha>", p.ReusableWorkflow)
		}
	}
	return nil
}

// Check implements Policy. Each failed rule is reported with what the
// policy expects and what the token carries.
func (p *GitHub) Check(set claims.Set) []Mismatch {
	c, ok := set.(*claims.GitHub)
	if !ok || c == nil {
		return []Mismatch{wrongProvider(claims.KindGitHub, set)}
	}
	var miss []Mismatch
	add := func(rule, claim, want, got string) {
		miss = append(miss, Mismatch{Rule: rule, Claim: claim, Want: want, Got: got})
	}
	if rest, ok := p.cutRepo(c.Repository); !ok || rest != "" {
		add("repository", "repository", p.Owner+"/"+p.Repository, c.Repository)
	}
	if c.RepositoryOwnerID != p.OwnerID {
		add("owner_id", "repository_owner_id", p.OwnerID, c.RepositoryOwnerID)
	}
	if p.RepositoryID != "" && c.RepositoryID != p.RepositoryID {
		add("repository_id", "repository_id", p.RepositoryID, c.RepositoryID)
	}
	if m, bad := p.checkWorkflow(c); bad {
		miss = append(miss, m)
	}
	if p.ReusableWorkflow != "" && !reusableIs(c.JobWorkflowRef, p.ReusableWorkflow) {
		want := p.ReusableWorkflow
		if !strings.Contains(want, "@") {
			want += "@<any ref or commit>"
		}
		add("reusable_workflow", "job_workflow_ref", want, c.JobWorkflowRef)
	}
	if p.Environment != "" && !ident.FoldEqual(c.Environment, p.Environment) {
		add("environment", "environment", p.Environment, c.Environment)
	}
	if refusedEvents[c.EventName] {
		add("event", "event_name", "a trigger other than pull_request_target and workflow_run", c.EventName)
	}
	if p.Refs != nil && !anyMatch(p.Refs, c.Ref) {
		add("refs", "ref", patternList(p.Refs), c.Ref)
	}
	if p.RequireProtectedRef && c.RefProtected != "true" {
		add("require_protected_ref", "ref_protected", "a protected ref (true)", c.RefProtected)
	}
	if p.RequireHostedRunner && c.RunnerEnvironment != "github-hosted" {
		add("require_hosted_runner", "runner_environment", "github-hosted", c.RunnerEnvironment)
	}
	return miss
}

// checkWorkflow requires workflow_ref to be exactly
// <repo>/.github/workflows/<file>@<the run's ref or sha>: the repository
// part compared case-insensitively, the rest exactly. Comparing the "@"
// part with ref or sha also defeats file names that contain "@".
func (p *GitHub) checkWorkflow(c *claims.GitHub) (Mismatch, bool) {
	m := Mismatch{Rule: "workflow", Claim: "workflow_ref", Want: p.Workflow}
	rest, ok := p.cutRepo(c.WorkflowRef)
	if !ok || !strings.HasPrefix(rest, "/") {
		m.Got = c.WorkflowRef // another repository: show all of it
		return m, true
	}
	path, at, _ := strings.Cut(rest[1:], "@")
	if path != ".github/workflows/"+p.Workflow {
		m.Got = path
		return m, true
	}
	if at == "" || at != c.Ref && at != c.SHA {
		m.Want = p.Workflow + "@" + orNone(c.Ref) + " (the run's ref) or @" + orNone(c.SHA) + " (its commit)"
		m.Got = path + "@" + at
		return m, true
	}
	return m, false
}

// cutRepo cuts "<owner>/<repository>" (ASCII case-insensitively) from the
// start of s, without building the string: Check allocates nothing on a
// match.
func (p *GitHub) cutRepo(s string) (rest string, ok bool) {
	n := len(p.Owner)
	if len(s) < n+1+len(p.Repository) || !ident.FoldEqual(s[:n], p.Owner) || s[n] != '/' {
		return "", false
	}
	s = s[n+1:]
	if !ident.FoldEqual(s[:len(p.Repository)], p.Repository) {
		return "", false
	}
	return s[len(p.Repository):], true
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// parseReusable splits "<owner>/<repo>/.github/workflows/<file>[@<pin>]"
// into the repository, the file and the pin ("" when unpinned).
func parseReusable(s string) (repo, file, pin string, ok bool) {
	path, pin, pinned := strings.Cut(s, "@")
	if pinned && !isPin(pin) {
		return "", "", "", false
	}
	owner, rest, _ := strings.Cut(path, "/")
	name, rest, _ := strings.Cut(rest, "/")
	file, found := strings.CutPrefix(rest, ".github/workflows/")
	if !found || !ident.Name(owner, 100) || !ident.Name(name, 100) || !isWorkflowFile(file) {
		return "", "", "", false
	}
	return path[:len(owner)+1+len(name)], file, pin, true
}

// reusableIs checks job_workflow_ref against the policy's reusable
// workflow. A file name may contain "@", a pin may not (refs/… or a sha),
// so the first "@" after the exact file name starts the ref.
func reusableIs(jobRef, want string) bool {
	repo, file, pin, ok := parseReusable(want)
	if !ok || len(jobRef) <= len(repo) || !ident.FoldEqual(jobRef[:len(repo)], repo) {
		return false
	}
	at, ok := strings.CutPrefix(jobRef[len(repo):], "/.github/workflows/"+file+"@")
	if !ok {
		return false
	}
	if pin != "" {
		return at == pin
	}
	return isPin(at)
}

// isPin accepts what GitHub writes after the "@" of a workflow ref: a full
// ref ("refs/heads/main", "refs/tags/v1") or a 40-hex commit sha. A file
// named "publish.yml@x" yields "…/publish.yml@x@refs/…", whose "@" part is
// neither, since a file name cannot contain "/".
func isPin(s string) bool {
	if r, ok := strings.CutPrefix(s, "refs/"); ok {
		return r != "" && !hasSpaceOrControl(s)
	}
	return ident.CommitSHA(s)
}

// isWorkflowFile accepts a file name directly in .github/workflows.
func isWorkflowFile(s string) bool {
	if len(s) > 255 || strings.ContainsAny(s, "/\\@") || hasSpaceOrControl(s) ||
		!(strings.HasSuffix(s, ".yml") || strings.HasSuffix(s, ".yaml")) {
		return false
	}
	base := strings.TrimSuffix(strings.TrimSuffix(s, ".yml"), ".yaml")
	return base != "" && base != "."
}

func hasSpaceOrControl(s string) bool { return strings.Contains(s, " ") || ident.HasControl(s) }
