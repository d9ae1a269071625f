package claims

import (
	"encoding/json"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"
	"github.com/trustpub/trustpub/internal/jsonobj"
	"github.com/trustpub/trustpub/internal/quote"
	"github.com/trustpub/trustpub/oidc"
)

// GitLab is the claims set of a GitLab CI/CD id_token (gitlab.com or a
// self-managed instance). GitLab sends ids and flags as JSON strings, except
// runner_id, a number. ci_config_ref_uri may be null: CIConfigRefURINull
// tells a null one from an absent one.
type GitLab struct {
	Subject          string `json:"sub"`                          // project_path:…:ref_type:…:ref:… by default; configurable, never authorise on it
	NamespaceID      string `json:"namespace_id"`                 // stable id of the group or user
	NamespacePath    string `json:"namespace_path"`               // group/subgroup; for a fork's MR, the fork's
	ProjectID        string `json:"project_id"`                   // stable across renames
	ProjectPath      string `json:"project_path"`                 // namespace/project; case-insensitive
	JobNamespaceID   string `json:"job_namespace_id,omitempty"`   // namespace of the project running the job (newer)
	JobNamespacePath string `json:"job_namespace_path,omitempty"` // (newer)
	JobProjectID     string `json:"job_project_id,omitempty"`     // the project running the job (newer)
	JobProjectPath   string `json:"job_project_path,omitempty"`   // (newer)

	UserID          string           `json:"user_id,omitempty"`           // stable id of the user running the job
	UserLogin       string           `json:"user_login,omitempty"`        // that user's username
	UserEmail       string           `json:"user_email,omitempty"`        // that user's email
	UserAccessLevel string           `json:"user_access_level,omitempty"` // the user's role in the project, e.g. developer, maintainer
	UserIdentities  []GitLabIdentity `json:"user_identities,omitempty"`   // the user's external identities; optional
	GroupsDirect    []string         `json:"groups_direct,omitempty"`     // paths of groups the user is a direct member of; optional

	PipelineID     string `json:"pipeline_id,omitempty"`     // the pipeline's id
	PipelineSource string `json:"pipeline_source,omitempty"` // push, web, schedule, merge_request_event…
	JobID          string `json:"job_id,omitempty"`          // the job's id

	Ref          string `json:"ref"`           // short: main, v1.0.0
	RefType      string `json:"ref_type"`      // branch, tag
	RefPath      string `json:"ref_path"`      // full: refs/heads/main
	RefProtected string `json:"ref_protected"` // "true" or "false"

	Environment          string `json:"environment,omitempty"`           // only when the job names one
	EnvironmentProtected string `json:"environment_protected,omitempty"` // "true" or "false"
	DeploymentTier       string `json:"deployment_tier,omitempty"`       // the environment's tier, e.g. production, staging
	EnvironmentAction    string `json:"environment_action,omitempty"`    // the job's environment:action, e.g. start, stop

	RunnerID          int64  `json:"runner_id,omitempty"`          // a JSON number
	RunnerEnvironment string `json:"runner_environment,omitempty"` // gitlab-hosted, self-hosted

	SHA         string `json:"sha"`                     // the commit the job runs
	CIConfigSHA string `json:"ci_config_sha,omitempty"` // commit of the CI file named by ci_config_ref_uri
	// CIConfigRefURI is <host>/<namespace>/<project>//<file>@<ref_path>: the
	// CI file the pipeline was defined by. Empty when absent or null.
	CIConfigRefURI string `json:"ci_config_ref_uri,omitempty"`
	// CIConfigRefURINull is set when GitLab sent ci_config_ref_uri as null:
	// the pipeline definition lives outside the project's repository.
	CIConfigRefURINull bool   `json:"-"`
	ProjectVisibility  string `json:"project_visibility,omitempty"` // public, internal, private

	// Extra holds claims this schema does not name.
	Extra map[string]json.RawMessage `json:"-"`
}

// GitLabIdentity is one external identity of the user (user_identities).
// Members other than these two are ignored.
type GitLabIdentity struct {
	Provider  string `json:"provider"`   // the external identity provider's name
	ExternUID string `json:"extern_uid"` // the user's id at that provider
}

// Provider implements Set.
func (*GitLab) Provider() Kind { return KindGitLab }

// LookupKey implements Set: the lower-cased project_path.
func (c *GitLab) LookupKey() string { return strings.ToLower(c.ProjectPath) }

var gitlabSchema = schema[GitLab]{
	strings: map[string]func(*GitLab) *string{
		"sub":                   func(c *GitLab) *string { return &c.Subject },
		"namespace_id":          func(c *GitLab) *string { return &c.NamespaceID },
		"namespace_path":        func(c *GitLab) *string { return &c.NamespacePath },
		"project_id":            func(c *GitLab) *string { return &c.ProjectID },
		"project_path":          func(c *GitLab) *string { return &c.ProjectPath },
		"job_namespace_id":      func(c *GitLab) *string { return &c.JobNamespaceID },
		"job_namespace_path":    func(c *GitLab) *string { return &c.JobNamespacePath },
		"job_project_id":        func(c *GitLab) *string { return &c.JobProjectID },
		"job_project_path":      func(c *GitLab) *string { return &c.JobProjectPath },
		"user_id":               func(c *GitLab) *string { return &c.UserID },
		"user_login":            func(c *GitLab) *string { return &c.UserLogin },
		"user_email":            func(c *GitLab) *string { return &c.UserEmail },
		"user_access_level":     func(c *GitLab) *string { return &c.UserAccessLevel },
		"pipeline_id":           func(c *GitLab) *string { return &c.PipelineID },
		"pipeline_source":       func(c *GitLab) *string { return &c.PipelineSource },
		"job_id":                func(c *GitLab) *string { return &c.JobID },
		"ref":                   func(c *GitLab) *string { return &c.Ref },
		"ref_type":              func(c *GitLab) *string { return &c.RefType },
		"ref_path":              func(c *GitLab) *string { return &c.RefPath },
		"ref_protected":         func(c *GitLab) *string { return &c.RefProtected },
		"environment":           func(c *GitLab) *string { return &c.Environment },
		"environment_protected": func(c *GitLab) *string { return &c.EnvironmentProtected },
		"deployment_tier":       func(c *GitLab) *string { return &c.DeploymentTier },
		"environment_action":    func(c *GitLab) *string { return &c.EnvironmentAction },
		"runner_environment":    func(c *GitLab) *string { return &c.RunnerEnvironment },
		"sha":                   func(c *GitLab) *string { return &c.SHA },
		"ci_config_sha":         func(c *GitLab) *string { return &c.CIConfigSHA },
		"project_visibility":    func(c *GitLab) *string { return &c.ProjectVisibility },
	},
	ints: map[string]func(*GitLab) *int64{
		"runner_id": func(c *GitLab) *int64 { return &c.RunnerID },
	},
	other: map[string]func(*GitLab, jsonobj.Value) error{
		"ci_config_ref_uri": func(c *GitLab, v jsonobj.Value) (err error) {
			c.CIConfigRefURINull = v.Kind == jsonobj.Null
			if !c.CIConfigRefURINull {
				c.CIConfigRefURI, err = v.Str()
			}
			return err
		},
		"groups_direct": func(c *GitLab, v jsonobj.Value) (err error) {
			c.GroupsDirect, err = stringArray(v)
			return err
		},
		"user_identities": func(c *GitLab, v jsonobj.Value) (err error) {
			c.UserIdentities, err = gitlabIdentities(v)
			return err
		},
	},
	extra: func(c *GitLab) *map[string]json.RawMessage { return &c.Extra },
}

// stringArray decodes an array of strings; null is absent.
func stringArray(v jsonobj.Value) ([]string, error) {
	if v.Kind == jsonobj.Null {
		return nil, nil
	}
	if v.Kind != jsonobj.Array {
		return nil, &jsonobj.TypeError{Want: jsonobj.Array, Got: v.Kind}
	}
	out := []string{}
	err := jsonobj.EachElem(v.Raw, func(e jsonobj.Value) error {
		s, err := e.Str()
		out = append(out, s)
		return err
	})
	return out, err
}

// gitlabIdentities decodes user_identities: an array of objects whose
// provider and extern_uid, when present, are strings.
func gitlabIdentities(v jsonobj.Value) ([]GitLabIdentity, error) {
	if v.Kind == jsonobj.Null {
		return nil, nil
	}
	if v.Kind != jsonobj.Array {
		return nil, &jsonobj.TypeError{Want: jsonobj.Array, Got: v.Kind}
	}
	out := []GitLabIdentity{}
	err := jsonobj.EachElem(v.Raw, func(e jsonobj.Value) error {
		if e.Kind != jsonobj.Object {
			return &jsonobj.TypeError{Want: jsonobj.Object, Got: e.Kind}
		}
		var id GitLabIdentity
		err := jsonobj.Each(e.Raw, func(key string, m jsonobj.Value) (err error) {
			if m.Kind == jsonobj.Null {
				return nil
			}
			switch key {
			case "provider":
				id.Provider, err = m.Str()
			case "extern_uid":
				id.ExternUID, err = m.Str()
			}
			return err
		})
		out = append(out, id)
		return err
	})
	return out, err
}

// DecodeGitLab decodes a verified GitLab CI/CD payload and validates it.
func DecodeGitLab(payload string) (*GitLab, error) {
	return decodeSet(&gitlabSchema, source{payload: payload})
}

// DecodeGitLabToken decodes the claims set of a verified GitLab CI/CD
// token and validates it, from the members Verify read: the payload is not
// parsed again.
func DecodeGitLabToken(t *oidc.Token) (*GitLab, error) {
	return decodeSet(&gitlabSchema, source{token: t})
}

// Validate implements Set. Required: the project's and namespace's paths
// and ids (what a policy matches and pins), the ref in its three forms and
// the sha (what ci_config_ref_uri is checked against). ci_config_ref_uri is
// not required here: a null one is a policy refusal with its own
// explanation, not a malformed token.
func (c *GitLab) Validate() error {
	if err := require(
		"project_path", c.ProjectPath,
		"project_id", c.ProjectID,
		"namespace_path", c.NamespacePath,
		"namespace_id", c.NamespaceID,
		"ref", c.Ref,
		"ref_type", c.RefType,
		"ref_path", c.RefPath,
		"sha", c.SHA,
	); err != nil {
		return err
	}
	if !ident.Path(c.NamespacePath, 1024) {
		return invalid("namespace_path", c.NamespacePath, "not a GitLab group or user path")
	}
	name, ok := strings.CutPrefix(c.ProjectPath, c.NamespacePath+"/")
	if !ok || !ident.Path(name, 1024) || strings.Contains(name, "/") {
		return invalid("project_path", c.ProjectPath, "not a project of namespace "+quote.Value(c.NamespacePath))
	}
	for _, id := range [][2]string{{"namespace_id", c.NamespaceID}, {"project_id", c.ProjectID},
		{"job_namespace_id", c.JobNamespaceID}, {"job_project_id", c.JobProjectID}} {
		if id[1] != "" && !ident.ID(id[1]) {
			return invalid(id[0], id[1], "not a numeric id")
		}
	}
	return nil
}

// MarshalJSON writes the claims, Extra included, as GitLab would: a null
// ci_config_ref_uri stays null.
func (c *GitLab) MarshalJSON() ([]byte, error) {
	type plain GitLab
	v := struct {
		*plain
		URI json.RawMessage `json:"ci_config_ref_uri,omitempty"`
	}{plain: (*plain)(c)}
	switch {
	case c.CIConfigRefURI != "":
		b, err := json.Marshal(c.CIConfigRefURI)
		if err != nil {
			return nil, err
		}
		v.URI = b
	case c.CIConfigRefURINull:
		v.URI = json.RawMessage("null")
	}
	return marshal(v, c.Extra, gitlabSchema.known)
}
