package publisher

import (
	"strings"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
)

// GitHub is a trusted publisher on GitHub Actions: a workflow file of one
// repository, pinned to its owner's stable id, optionally to an environment.
type GitHub struct {
	// IssuerURL is the issuer the policy trusts. Empty means github.com
	// (providers.GitHubIssuer); an enterprise issuer must be named.
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
	// e.g. "release.yml", compared exactly.
	Workflow string `json:"workflow"`
	// Environment, when set, must be the job's environment (compared
	// case-insensitively, as GitHub does).
	Environment string `json:"environment,omitempty"`
}

// refusedEvents are triggers that run code or context an outsider controls
// with the base repository's identity.
var refusedEvents = map[string]bool{"pull_request_target": true, "workflow_run": true}

// Provider implements Policy.
func (*GitHub) Provider() string { return "github" }

// Issuer implements Policy.
func (p *GitHub) Issuer() string {
	if p.IssuerURL == "" {
		return providers.GitHubIssuer
	}
	return p.IssuerURL
}

// LookupKey implements Policy.
func (p *GitHub) LookupKey() string { return strings.ToLower(p.Owner + "/" + p.Repository) }

// Validate implements Policy.
func (p *GitHub) Validate() error {
	switch {
	case !isName(p.Owner):
		return policyError("github", "owner", "%q is not a GitHub login", p.Owner)
	case !isDigits(p.OwnerID):
		return policyError("github", "owner_id", "%q is not a numeric id (repository_owner_id)", p.OwnerID)
	case !isName(p.Repository):
		return policyError("github", "repository", "%q is not a repository name (without the owner)", p.Repository)
	case !isWorkflowFile(p.Workflow):
		return policyError("github", "workflow", "%q is not a file name in .github/workflows ending in .yml or .yaml", p.Workflow)
	case len(p.Environment) > 255 || strings.TrimSpace(p.Environment) != p.Environment:
		return policyError("github", "environment", "%q is not an environment name", p.Environment)
	}
	return nil
}

// Check implements Policy.
func (p *GitHub) Check(set claims.Set) []Mismatch {
	c, ok := set.(*claims.GitHub)
	if !ok {
		return []Mismatch{{Rule: "provider", Claim: "iss", Want: "a GitHub Actions token", Got: set.Provider()}}
	}
	var miss []Mismatch
	add := func(rule, claim, want, got string) {
		miss = append(miss, Mismatch{Rule: rule, Claim: claim, Want: want, Got: got})
	}
	repo := p.Owner + "/" + p.Repository
	if !strings.EqualFold(c.Repository, repo) {
		add("repository", "repository", repo, c.Repository)
	}
	if c.RepositoryOwnerID != p.OwnerID {
		add("owner_id", "repository_owner_id", p.OwnerID, c.RepositoryOwnerID)
	}
	if !workflowRefIs(c.WorkflowRef, repo, p.Workflow, c) {
		add("workflow", "workflow_ref", p.Workflow, workflowPath(c.WorkflowRef))
	}
	if p.Environment != "" && !strings.EqualFold(c.Environment, p.Environment) {
		add("environment", "environment", p.Environment, c.Environment)
	}
	if refusedEvents[c.EventName] {
		add("event", "event_name", "a trigger other than pull_request_target and workflow_run", c.EventName)
	}
	return miss
}

// workflowRefIs reports whether ref is exactly
// <repo>/.github/workflows/<file>@<the run's ref or sha>, the repository
// part compared case-insensitively and the rest exactly.
func workflowRefIs(ref, repo, file string, c *claims.GitHub) bool {
	if len(ref) <= len(repo) || !strings.EqualFold(ref[:len(repo)], repo) {
		return false
	}
	at, ok := strings.CutPrefix(ref[len(repo):], "/.github/workflows/"+file+"@")
	return ok && at != "" && (at == c.Ref || at == c.SHA)
}

// workflowPath is the file part of a workflow ref, for explanations.
func workflowPath(ref string) string {
	path, _, _ := strings.Cut(ref, "@")
	parts := strings.SplitN(path, "/", 3)
	if len(parts) < 3 {
		return ref
	}
	return parts[2]
}

func isDigits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isName accepts GitHub's owner and repository names: letters, digits and
// "-_.", never "." or ".." alone.
func isName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func isWorkflowFile(s string) bool {
	if strings.ContainsAny(s, "/\\@ ") || !(strings.HasSuffix(s, ".yml") || strings.HasSuffix(s, ".yaml")) {
		return false
	}
	base := strings.TrimSuffix(strings.TrimSuffix(s, ".yml"), ".yaml")
	return base != "" && base != "."
}
