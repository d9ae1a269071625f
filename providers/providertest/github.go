package providertest

import (
	"crypto/sha1"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
)

// GitHubClaims returns the claims of a real github.com run: a push to main
// of haitch/jwtInspector whose job names the environment "Production". Edit
// the copy freely; Subject is left empty so MintGitHub derives it.
func GitHubClaims() *claims.GitHub {
	c, err := claims.DecodeGitHub(fixture("github-push-environment.json"))
	if err != nil {
		panic("providertest: bad GitHub fixture: " + err.Error())
	}
	c.Subject = ""
	return c
}

// GitHubWorkflow returns GitHubClaims rewritten, consistently, for a run of
// workflow file in repository ("owner/name", owned by ownerID) on ref.
func GitHubWorkflow(repository, ownerID, file, ref string) *claims.GitHub {
	c := GitHubClaims()
	owner, _, _ := strings.Cut(repository, "/")
	c.Repository, c.RepositoryOwner, c.RepositoryOwnerID = repository, owner, ownerID
	c.Ref = ref
	c.RefType = "branch"
	if strings.HasPrefix(ref, "refs/tags/") {
		c.RefType = "tag"
	}
	c.WorkflowRef = repository + "/.github/workflows/" + file + "@" + ref
	c.JobWorkflowRef = c.WorkflowRef
	return c
}

// GitHubReusable returns a copy of caller whose job runs in a reusable
// workflow: file in repository ("owner/name"; empty means the caller's
// repository) at ref. An empty ref means the caller's ref, which is what
// GitHub records for a local call ("uses: ./.github/workflows/file"); a
// call pinned to a tag or branch records the full ref (refs/tags/v1), one
// pinned to a commit records the sha. Only job_workflow_ref and
// job_workflow_sha change: workflow_ref stays the caller's.
func GitHubReusable(caller *claims.GitHub, repository, file, ref string) *claims.GitHub {
	c := *caller
	c.Extra = maps.Clone(caller.Extra)
	local := repository == "" && ref == ""
	if repository == "" {
		repository = caller.Repository
	}
	if ref == "" {
		ref = caller.Ref
	}
	c.JobWorkflowRef = repository + "/.github/workflows/" + file + "@" + ref
	switch {
	case local:
		c.JobWorkflowSHA = caller.WorkflowSHA
	case len(ref) == 40 && !strings.HasPrefix(ref, "refs/"):
		c.JobWorkflowSHA = ref
	default: // another commit: a stable stand-in derived from the ref
		c.JobWorkflowSHA = fmt.Sprintf("%x", sha1.Sum([]byte(c.JobWorkflowRef)))
	}
	return &c
}

// GitHubSubject is the default sub GitHub derives from the claims.
func GitHubSubject(c *claims.GitHub) string {
	switch {
	case c.Environment != "":
		return fmt.Sprintf("repo:%s:environment:%s", c.Repository, c.Environment)
	case strings.HasPrefix(c.EventName, "pull_request"):
		return fmt.Sprintf("repo:%s:pull_request", c.Repository)
	}
	return fmt.Sprintf("repo:%s:ref:%s", c.Repository, c.Ref)
}

// MintGitHub mints a GitHub Actions token with GitHub's habits: exp 5 min
// after iat, nbf 10 min before, a fresh jti, sub derived when empty.
func (i *Issuer) MintGitHub(c *claims.GitHub, opts ...oidctest.MintOption) (string, error) {
	if c == nil {
		c = GitHubClaims()
	}
	if c.Subject == "" {
		cc := *c
		cc.Subject = GitHubSubject(c)
		c = &cc
	}
	return i.Mint(c, append([]oidctest.MintOption{oidctest.Lifetime(5 * time.Minute), oidctest.NotBefore(10 * time.Minute)}, opts...)...)
}

// GitHub is a GitHub Actions provider for this issuer.
func (i *Issuer) GitHub() providers.Provider { return providers.NewGitHub(i.OIDC()) }
