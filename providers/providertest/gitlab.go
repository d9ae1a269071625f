package providertest

import (
	"fmt"
	"strings"
	"time"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
)

// GitLabClaims returns the claims of a real gitlab.com push pipeline: a
// push to main of octocat/hello-world, CI file .gitlab-ci.yml, on a
// GitLab-hosted runner. Edit the copy freely; Subject is left empty so
// MintGitLab derives it.
func GitLabClaims() *claims.GitLab {
	c, err := claims.DecodeGitLab(fixture("gitlab-com-push.json"))
	if err != nil {
		panic("providertest: bad GitLab fixture: " + err.Error())
	}
	c.Subject = ""
	return c
}

// GitLabProject returns GitLabClaims rewritten, consistently, for a
// pipeline of project ("namespace/name", subgroups allowed) on the GitLab
// instance host (see BareURL; "gitlab.com" for gitlab.com), defined by the
// CI file at path in the project's repository, on the full ref refPath
// ("refs/heads/main", "refs/tags/v1.0.0"). Ids are the fixture's.
func GitLabProject(host, project, path, refPath string) *claims.GitLab {
	c := GitLabClaims()
	ns := project[:max(strings.LastIndexByte(project, '/'), 0)]
	c.ProjectPath, c.NamespacePath = project, ns
	c.JobProjectPath, c.JobNamespacePath = project, ns
	c.RefPath, c.Ref, c.RefType = refPath, refPath, "branch"
	if short, ok := strings.CutPrefix(refPath, "refs/heads/"); ok {
		c.Ref = short
	} else if short, ok := strings.CutPrefix(refPath, "refs/tags/"); ok {
		c.Ref, c.RefType = short, "tag"
	}
	c.CIConfigRefURI = host + "/" + project + "//" + path + "@" + refPath
	c.CIConfigRefURINull = false
	return c
}

// GitLabSubject is the default sub GitLab derives from the claims.
func GitLabSubject(c *claims.GitLab) string {
	return fmt.Sprintf("project_path:%s:ref_type:%s:ref:%s", c.ProjectPath, c.RefType, c.Ref)
}

// MintGitLab mints a GitLab CI/CD id_token with GitLab's habits: nbf 5 s
// before iat, exp an hour after (the job's timeout), a fresh jti, sub
// derived when empty. A nil c mints GitLabClaims.
func (i *Issuer) MintGitLab(c *claims.GitLab, opts ...oidctest.MintOption) (string, error) {
	if c == nil {
		c = GitLabClaims()
	}
	if c.Subject == "" {
		cc := *c
		cc.Subject = GitLabSubject(c)
		c = &cc
	}
	return i.Mint(c, append([]oidctest.MintOption{oidctest.Lifetime(time.Hour), oidctest.NotBefore(5 * time.Second)}, opts...)...)
}

// GitLab is a GitLab CI/CD provider for this issuer, as for a self-managed
// instance.
func (i *Issuer) GitLab() providers.Provider { return providers.NewGitLab(i.OIDC()) }
