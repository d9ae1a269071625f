package publisher

import (
	"slices"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
)

// GitLab is a trusted publisher on GitLab CI/CD: a CI configuration file of
// one project on one GitLab instance, optionally pinned to the namespace's
// and project's stable ids, an environment, refs, a protected ref or a
// GitLab-hosted runner.
type GitLab struct {
	// IssuerURL is the GitLab instance the policy trusts. Empty means
	// gitlab.com (providers.GitLabIssuer); a self-managed instance is named
	// by its external URL, e.g. "https://gitlab.example.com".
	IssuerURL string `json:"issuer,omitempty"`
	// Namespace is the group (with subgroups, "group/sub") or user that owns
	// the project; with Project compared case-insensitively to project_path.
	Namespace string `json:"namespace"`
	// Project is the project's path within the namespace.
	Project string `json:"project"`
	// CIConfigPath is the CI configuration file's path in the project's
	// repository, e.g. ".gitlab-ci.yml" or "ci/release.yml", compared
	// exactly.
	CIConfigPath string `json:"ci_config_path"`
	// Environment, when set, must be the job's environment, compared
	// exactly.
	Environment string `json:"environment,omitempty"`
	// NamespaceID, when set, pins namespace_id: a deleted group's path
	// registered again by someone else has another id.
	NamespaceID string `json:"namespace_id,omitempty"`
	// ProjectID, when set, pins project_id: it defeats a project deleted and
	// re-created under the same path.
	ProjectID string `json:"project_id,omitempty"`
	// Refs, when set, are glob patterns of which the full ref (ref_path,
	// e.g. "refs/tags/v1.2.0") must match one. An empty non-nil list is
	// invalid: it would allow nothing.
	Refs []RefPattern `json:"refs,omitempty"`
	// RequireProtectedRef requires the pipeline's ref to be protected
	// (ref_protected "true").
	RequireProtectedRef bool `json:"require_protected_ref,omitempty"`
	// RequireHostedRunner requires a GitLab-hosted runner
	// (runner_environment "gitlab-hosted"); only gitlab.com has them.
	RequireHostedRunner bool `json:"require_hosted_runner,omitempty"`
}

// Specificity implements Specific: SpecificEnvironment with an
// environment, plus one for each optional rule set (environment,
// namespace_id, project_id, refs, require_protected_ref,
// require_hosted_runner).
func (p *GitLab) Specificity() int {
	n := count(p.Environment != "", p.NamespaceID != "", p.ProjectID != "", p.Refs != nil,
		p.RequireProtectedRef, p.RequireHostedRunner)
	if p.Environment != "" {
		n += SpecificEnvironment
	}
	return n
}

// Provider implements Policy.
func (*GitLab) Provider() claims.Kind { return claims.KindGitLab }

// Issuer implements Policy.
func (p *GitLab) Issuer() string {
	if p.IssuerURL == "" {
		return providers.GitLabIssuer
	}
	return p.IssuerURL
}

// LookupKey implements Policy: the lower-cased "namespace/project".
func (p *GitLab) LookupKey() string { return strings.ToLower(p.Namespace + "/" + p.Project) }

// Validate implements Policy.
func (p *GitLab) Validate() error {
	switch {
	case p.IssuerURL != "" && !ident.IssuerURL(p.IssuerURL):
		return policyError(claims.KindGitLab, "issuer", "%q is not an https URL without a trailing slash, query or fragment", p.IssuerURL)
	case !ident.GitLabNamespace(p.Namespace):
		return policyError(claims.KindGitLab, "namespace", "%q is not a GitLab group or user path: up to 21 segments (group/subgroup/…) "+
			"of ASCII letters, digits, '_', '.' and '-', none starting with '-' or ending in '.', '.git' or '.atom'", p.Namespace)
	case !ident.GitLabProject(p.Project):
		return policyError(claims.KindGitLab, "project", "%q is not a GitLab project path without the namespace: ASCII letters, digits, "+
			"'_', '.' and '-', not starting with '-' nor ending in '.git' or '.atom'", p.Project)
	case strings.Contains(p.CIConfigPath, "@"):
		return policyError(claims.KindGitLab, "ci_config_path", "%q contains '@', which ends the file's path in ci_config_ref_uri: "+
			"a CI file whose path contains '@' cannot be a trusted publisher", p.CIConfigPath)
	case !gitlabCIConfigPath(p.CIConfigPath):
		return policyError(claims.KindGitLab, "ci_config_path", "%q is not a relative path to a .yml or .yaml file in the repository", p.CIConfigPath)
	case p.Environment != "" && !ident.GitLabEnvironment(p.Environment):
		return policyError(claims.KindGitLab, "environment", "%q is not a GitLab environment name: up to 255 ASCII letters, digits, "+
			"spaces and '-_/${}.', not starting or ending with '/' or a space", p.Environment)
	case p.NamespaceID != "" && !ident.ID(p.NamespaceID):
		return policyError(claims.KindGitLab, "namespace_id", "%q is not a numeric id (namespace_id)", p.NamespaceID)
	case p.ProjectID != "" && !ident.ID(p.ProjectID):
		return policyError(claims.KindGitLab, "project_id", "%q is not a numeric id (project_id)", p.ProjectID)
	}
	return validRefs(claims.KindGitLab, p.Refs)
}

// Check implements Policy.
func (p *GitLab) Check(set claims.Set) []Mismatch {
	c, ok := set.(*claims.GitLab)
	if !ok || c == nil {
		return []Mismatch{wrongProvider(claims.KindGitLab, set)}
	}
	var miss []Mismatch
	add := func(rule, claim, want, got string) {
		miss = append(miss, Mismatch{Rule: rule, Claim: claim, Want: want, Got: got})
	}
	project := p.Namespace + "/" + p.Project
	if !ident.FoldEqual(c.ProjectPath, project) {
		add("project", "project_path", project, c.ProjectPath)
	}
	host := gitlabHost(p.Issuer())
	// The expected URI is built only to explain a failure.
	want := func() string { return host + "/" + project + "//" + p.CIConfigPath + "@" + c.RefPath }
	switch {
	case c.CIConfigRefURINull:
		add("ci_config_path", "ci_config_ref_uri", want(),
			"null (the pipeline is defined outside the project's repository, which trusted publishing refuses)")
	case !gitlabCIConfigIs(c.CIConfigRefURI, host, project, p.CIConfigPath, c):
		add("ci_config_path", "ci_config_ref_uri", want(), c.CIConfigRefURI)
	}
	if p.Environment != "" && c.Environment != p.Environment {
		add("environment", "environment", p.Environment, c.Environment)
	}
	if p.NamespaceID != "" && c.NamespaceID != p.NamespaceID {
		add("namespace_id", "namespace_id", p.NamespaceID, c.NamespaceID)
	}
	if p.ProjectID != "" && c.ProjectID != p.ProjectID {
		add("project_id", "project_id", p.ProjectID, c.ProjectID)
	}
	if p.Refs != nil && !anyMatch(p.Refs, c.RefPath) {
		add("refs", "ref_path", patternList(p.Refs), c.RefPath)
	}
	if p.RequireProtectedRef && c.RefProtected != "true" {
		add("require_protected_ref", "ref_protected", "a protected ref (true)", c.RefProtected)
	}
	if p.RequireHostedRunner && c.RunnerEnvironment != "gitlab-hosted" {
		add("require_hosted_runner", "runner_environment", "gitlab-hosted", c.RunnerEnvironment)
	}
	return miss
}

// gitlabCIConfigIs reports whether uri is exactly
// <host>/<project>//<file>@<the run's ref_path or sha>: the project part
// compared case-insensitively, the rest exactly.
func gitlabCIConfigIs(uri, host, project, file string, c *claims.GitLab) bool {
	rest, ok := strings.CutPrefix(uri, host+"/")
	if !ok || len(rest) < len(project) || !ident.FoldEqual(rest[:len(project)], project) {
		return false
	}
	at, ok := strings.CutPrefix(rest[len(project):], "//"+file+"@")
	return ok && at != "" && (at == c.RefPath || at == c.SHA)
}

// gitlabHost is an issuer URL without its scheme: how GitLab names its
// instance in ci_config_ref_uri (host, port and relative root).
func gitlabHost(issuer string) string { return strings.TrimPrefix(issuer, "https://") }

// gitlabCIConfigPath accepts a relative path of ordinary segments to a YAML
// file: no "@" (it would end the path in ci_config_ref_uri), no "//", no
// "." or ".." segments, no backslash, space or control character.
func gitlabCIConfigPath(s string) bool {
	if len(s) > 1024 || strings.ContainsAny(s, "@\\: \t") || ident.HasControl(s) ||
		!(strings.HasSuffix(s, ".yml") || strings.HasSuffix(s, ".yaml")) {
		return false
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	base := s[strings.LastIndexByte(s, '/')+1:]
	return base != ".yml" && base != ".yaml"
}

// Rules documents every claim of a GitLab CI/CD token: how this policy
// compares it, whether it must be present or only when a field is set, and
// which rule reports it.
func (*GitLab) Rules() []ClaimRule { return slices.Clone(gitlabRules) }

var gitlabRules = []ClaimRule{
	{"iss", CompareExact, UseRequired, "issuer", "the policy's `issuer`, empty for gitlab.com; each self-managed instance is its own trust domain. Legacy `CI_JOB_JWT` tokens (`iss` without `https://`, no `aud`) are refused"},
	{"aud", CompareExact, UseRequired, "", "the registry's `Config.Audience`, checked by package oidc"},
	{"jti", CompareNotCompared, UseNone, "", "with `iss`, the replay identity: a token is accepted once"},
	{"sub", CompareIgnored, UseNone, "", "projects can rewrite it; the claims below are used instead"},
	{"project_path", CompareCaseInsensitive, UseRequired, "project", "equals `namespace/project` (ASCII case folding); also the lookup key"},
	{"project_id", ComparePinnedID, UseOptional, "project_id", "defeats a project deleted and created again under the same path; must be present in every token"},
	{"namespace_path", CompareNotCompared, UseRequired, "", "must be the namespace part of `project_path` (checked when decoding)"},
	{"namespace_id", ComparePinnedID, UseOptional, "namespace_id", "defeats a deleted group's path registered again by someone else; must be present in every token"},
	{"ci_config_ref_uri", CompareExact, UseRequired, "ci_config_path", "exactly `<issuer host>/<namespace>/<project>//<ci_config_path>@<ref_path or sha>`, the host from the policy's issuer, namespace/project case-insensitive; null (a pipeline defined outside the project's repository) is refused"},
	{"ref_path", ComparePattern, UseOptional, "refs", "the full ref must match one of `refs` (`*` stays within a segment, `**` crosses `/`); must be present in every token, as the `@` part of `ci_config_ref_uri` is compared with it"},
	{"sha", CompareExact, UseRequired, "ci_config_path", "the `@` part of `ci_config_ref_uri` may be the commit instead of `ref_path`"},
	{"ref", CompareNotCompared, UseRequired, "", "the short name; `refs` patterns use `ref_path`"},
	{"ref_type", CompareNotCompared, UseRequired, "", "`refs` patterns say branch or tag through `ref_path`"},
	{"ref_protected", CompareExact, UseOptional, "require_protected_ref", "must be `true`"},
	{"runner_environment", CompareExact, UseOptional, "require_hosted_runner", "must be `gitlab-hosted` (gitlab.com's runners)"},
	{"environment", CompareExact, UseOptional, "environment", "must be present and equal, case included, when the policy names one"},
	{"environment_protected", CompareIgnored, UseNone, "", ""},
	{"deployment_tier", CompareIgnored, UseNone, "", ""},
	{"environment_action", CompareIgnored, UseNone, "", ""},
	{"job_project_id", CompareIgnored, UseNone, "", "also `job_project_path`, `job_namespace_id`, `job_namespace_path`; `ci_config_ref_uri` binds the pipeline's definition"},
	{"user_id", CompareIgnored, UseNone, "", "also `user_login`, `user_email`, `user_access_level`, `user_identities`, `groups_direct`: a policy trusts a pipeline, not a person"},
	{"pipeline_id", CompareIgnored, UseNone, "", "also `pipeline_source`, `job_id`"},
	{"runner_id", CompareIgnored, UseNone, "", "a JSON number"},
	{"ci_config_sha", CompareIgnored, UseNone, "", ""},
	{"project_visibility", CompareIgnored, UseNone, "", ""},
}
