package claims

import (
	"log/slog"
	"net/url"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"
	"github.com/trustpub/trustpub/internal/quote"
)

// Workload describes the CI workload a token was issued to, the same way
// for every provider: who published, for audit logs and for naming the
// token a registry mints. A field the provider does not give is empty.
//
// The values are the token's, raw: typed data, not text for a log line.
// String and LogValue quote or escape and clip them.
type Workload struct {
	Provider Kind   `json:"provider"`         // the provider's kind
	Issuer   string `json:"issuer,omitempty"` // the provider's issuer URL

	// Repository is what was built: GitHub's owner/repo, GitLab's project
	// path, ActiveState's organization/project, Google's service account
	// e-mail.
	Repository string `json:"repository,omitempty"`
	// RepositoryID is its stable id: GitHub's repository_id, GitLab's
	// project_id, ActiveState's project_id, Google's sub (the account's id).
	RepositoryID string `json:"repository_id,omitempty"`
	// RepositoryURL is its web page (none for Google).
	RepositoryURL string `json:"repository_url,omitempty"`
	// Workflow is the file in the repository that defined the run: GitHub's
	// calling workflow (from workflow_ref, e.g. .github/workflows/release.yml),
	// GitLab's CI file (from ci_config_ref_uri, e.g. .gitlab-ci.yml).
	Workflow string `json:"workflow,omitempty"`
	// Ref is the full ref built, e.g. refs/tags/v1.0.0.
	Ref string `json:"ref,omitempty"`
	// Commit is the commit built.
	Commit string `json:"commit,omitempty"`
	// Environment is the deployment environment the job ran in.
	Environment string `json:"environment,omitempty"`
	// RunURL is the web page of the run or job: GitHub's
	// <server>/<repo>/actions/runs/<run_id>/attempts/<run_attempt>,
	// GitLab's <instance>/<project>/-/jobs/<job_id>.
	RunURL string `json:"run_url,omitempty"`
	// Trigger is what started the run: GitHub's event_name, GitLab's
	// pipeline_source (push, release, workflow_dispatch, web…).
	Trigger string `json:"trigger,omitempty"`
	// Actor is who started it: GitHub's actor, GitLab's user_login,
	// ActiveState's actor; ActorID is their stable id.
	Actor   string `json:"actor,omitempty"`
	ActorID string `json:"actor_id,omitempty"`
	// Runner is where the job ran: github-hosted, gitlab-hosted,
	// self-hosted.
	Runner string `json:"runner,omitempty"`
}

// fields lists the workload's fields by name, in order.
func (w Workload) fields() [][2]string {
	return [][2]string{
		{"provider", string(w.Provider)}, {"issuer", w.Issuer},
		{"repository", w.Repository}, {"repository_id", w.RepositoryID}, {"repository_url", w.RepositoryURL},
		{"workflow", w.Workflow}, {"ref", w.Ref}, {"commit", w.Commit}, {"environment", w.Environment},
		{"run_url", w.RunURL}, {"trigger", w.Trigger}, {"actor", w.Actor}, {"actor_id", w.ActorID},
		{"runner", w.Runner},
	}
}

// String is one line for a log: name=value for each field that is set,
// every value quoted and clipped, e.g.
//
//	provider="github" repository="octo-org/hello" ref="refs/tags/v1.0.0" …
func (w Workload) String() string {
	var b strings.Builder
	for _, f := range w.fields() {
		if f[1] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f[0] + "=" + quote.Value(f[1]))
	}
	return b.String()
}

// LogValue implements slog.LogValuer: a group of the fields that are set,
// each clipped, control characters escaped (the handler quotes strings).
func (w Workload) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 14)
	for _, f := range w.fields() {
		if f[1] != "" {
			attrs = append(attrs, slog.String(f[0], quote.Text(f[1])))
		}
	}
	return slog.GroupValue(attrs...)
}

// Workload describes the run. web is GitHub's web address for the token's
// issuer (https://github.com, https://<subdomain>.ghe.com, a GitHub
// Enterprise Server's https://<host>): tokens do not carry it. An empty web
// leaves the URLs empty. Issuer is the provider's to fill
// (providers.Provider.Workload does).
func (c *GitHub) Workload(web string) Workload {
	w := Workload{Provider: KindGitHub, Repository: c.Repository, RepositoryID: c.RepositoryID,
		Workflow: c.workflowPath(), Ref: c.Ref, Commit: c.SHA, Environment: c.Environment,
		Trigger: c.EventName, Actor: c.Actor, ActorID: c.ActorID, Runner: c.RunnerEnvironment}
	if web == "" || c.Repository == "" {
		return w
	}
	w.RepositoryURL = joinURL(web, c.Repository)
	if c.RunID != "" {
		w.RunURL = joinURL(w.RepositoryURL, "actions/runs", c.RunID)
		if c.RunAttempt != "" {
			w.RunURL = joinURL(w.RunURL, "attempts", c.RunAttempt)
		}
	}
	return w
}

// workflowPath is the calling workflow's path in the repository: the
// workflow_ref without "<owner>/<repo>/" before it and "@<ref or sha>"
// after it. A workflow_ref of another repository (which GitHub does not
// issue) keeps its repository, so it is never mistaken for a local file.
func (c *GitHub) workflowPath() string {
	p := c.WorkflowRef
	if n := len(c.Repository); n > 0 && len(p) > n && p[n] == '/' && ident.FoldEqual(p[:n], c.Repository) {
		p = p[n+1:]
	}
	return cutAt(p, c.Ref, c.SHA)
}

// Workload describes the pipeline. web is the instance's URL, GitLab's
// issuer (https://gitlab.com); an empty web leaves the URLs empty. Issuer
// is the provider's to fill (providers.Provider.Workload does).
func (c *GitLab) Workload(web string) Workload {
	w := Workload{Provider: KindGitLab, Repository: c.ProjectPath, RepositoryID: c.ProjectID,
		Workflow: c.ciConfigPath(), Ref: c.RefPath, Commit: c.SHA, Environment: c.Environment,
		Trigger: c.PipelineSource, Actor: c.UserLogin, ActorID: c.UserID, Runner: c.RunnerEnvironment}
	if web == "" || c.ProjectPath == "" {
		return w
	}
	w.RepositoryURL = joinURL(web, c.ProjectPath)
	if c.JobID != "" {
		w.RunURL = joinURL(w.RepositoryURL, "-/jobs", c.JobID)
	}
	return w
}

// ciConfigPath is the CI file's path in the project's repository, from
// ci_config_ref_uri (<host>/<project>//<path>@<ref or sha>); empty when
// the claim is null or absent.
func (c *GitLab) ciConfigPath() string {
	_, p, ok := strings.Cut(c.CIConfigRefURI, "//")
	if !ok {
		return ""
	}
	return cutAt(p, c.RefPath, c.SHA)
}

// Workload describes the service account: Google gives no repository, run
// or web page. web is unused.
func (c *Google) Workload(web string) Workload {
	return Workload{Provider: KindGoogle, Repository: c.Email, RepositoryID: c.Subject}
}

// Workload describes the build. web is the platform's address
// (https://platform.activestate.com), where a project's page is
// <web>/<organization>/<project>; an empty web leaves it empty. Issuer is
// the provider's to fill (providers.Provider.Workload does).
func (c *ActiveState) Workload(web string) Workload {
	w := Workload{Provider: KindActiveState, RepositoryID: c.ProjectID, Actor: c.Actor, ActorID: c.ActorID}
	if c.Organization != "" && c.Project != "" {
		w.Repository = c.Organization + "/" + c.Project
		if web != "" {
			w.RepositoryURL = joinURL(web, c.Organization, c.Project)
		}
	}
	return w
}

// Workload describes the job. Repository is vcs-origin (host/owner/repo,
// so its page is https://<vcs-origin>), RepositoryID the project's id, Ref
// vcs-ref, Commit vcs-sha, ActorID the user id in sub. web is CircleCI's
// web app (https://app.circleci.com), where a workflow's page is
// <web>/workflow/<workflow id>; an empty web, or a workflow id that is not
// a UUID, leaves RunURL empty. Issuer is
// the provider's to fill (providers.Provider.Workload does).
func (c *CircleCI) Workload(web string) Workload {
	w := Workload{Provider: KindCircleCI, Repository: c.VCSOrigin, RepositoryID: c.ProjectID,
		Ref: c.VCSRef, Commit: c.VCSSHA, ActorID: c.userID()}
	if host, path, ok := strings.Cut(c.VCSOrigin, "/"); ok && ident.HostPort(host) && path != "" {
		w.RepositoryURL = joinURL("https://"+host, path)
	}
	if web != "" && ident.UUID(c.WorkflowID) {
		w.RunURL = joinURL(web, "workflow", c.WorkflowID)
	}
	return w
}

// cutAt removes "@<ref>" or "@<sha>" from the end of p, or else everything
// from its first "@".
func cutAt(p, ref, sha string) string {
	for _, at := range []string{ref, sha} {
		if at != "" {
			if s, ok := strings.CutSuffix(p, "@"+at); ok {
				return s
			}
		}
	}
	s, _, _ := strings.Cut(p, "@")
	return s
}

// joinURL appends paths to base, escaping each segment of each path: a
// claim value cannot add a query, a fragment or a "..".
func joinURL(base string, paths ...string) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(base, "/"))
	for _, p := range paths {
		for _, seg := range strings.Split(p, "/") {
			b.WriteByte('/')
			seg = url.PathEscape(seg)
			if seg == "." || seg == ".." {
				seg = strings.ReplaceAll(seg, ".", "%2E")
			}
			b.WriteString(seg)
		}
	}
	return b.String()
}
