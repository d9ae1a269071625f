package claims

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"
	"github.com/trustpub/trustpub/internal/jsonobj"
	"github.com/trustpub/trustpub/oidc"
)

// CircleCI's own claims, namespaced under oidc.circleci.com/.
const (
	circleciOrgID       = "oidc.circleci.com/org-id"
	circleciProjectID   = "oidc.circleci.com/project-id"
	circleciPipelineDef = "oidc.circleci.com/pipeline-definition-id"
	circleciPipelineID  = "oidc.circleci.com/pipeline-id"
	circleciWorkflowID  = "oidc.circleci.com/workflow-id"
	circleciJobID       = "oidc.circleci.com/job-id"
	circleciVCSOrigin   = "oidc.circleci.com/vcs-origin"
	circleciVCSRef      = "oidc.circleci.com/vcs-ref"
	circleciVCSSHA      = "oidc.circleci.com/vcs-sha"
	circleciContextIDs  = "oidc.circleci.com/context-ids"
	circleciSSHRerun    = "oidc.circleci.com/ssh-rerun"
)

// CircleCI is the claims set of a CircleCI token ($CIRCLE_OIDC_TOKEN,
// $CIRCLE_OIDC_TOKEN_V2, or one a job requests with its own audience by
// `circleci run oidc get`). Ids are UUIDs, in lower case; context-ids is an
// array of them and ssh-rerun a JSON boolean.
type CircleCI struct {
	// Subject is org/<org id>/project/<project id>/user/<user id>; the V2
	// token appends /vcs-origin/<origin>/vcs-ref/<ref>. Never authorise on it.
	Subject              string `json:"sub,omitempty"`
	OrganizationID       string `json:"oidc.circleci.com/org-id"`                 // the organization's id, also in the issuer URL
	ProjectID            string `json:"oidc.circleci.com/project-id"`             // the project's id
	PipelineDefinitionID string `json:"oidc.circleci.com/pipeline-definition-id"` // the pipeline definition (config source and trigger) the run follows
	PipelineID           string `json:"oidc.circleci.com/pipeline-id,omitempty"`  // this pipeline run
	WorkflowID           string `json:"oidc.circleci.com/workflow-id,omitempty"`  // this workflow run
	JobID                string `json:"oidc.circleci.com/job-id,omitempty"`       // this job
	// VCSOrigin is the repository that triggered the pipeline, e.g.
	// github.com/octo-org/hello-world; absent for a custom webhook.
	VCSOrigin string `json:"oidc.circleci.com/vcs-origin,omitempty"`
	// VCSRef is the full ref that triggered it, e.g. refs/heads/main; absent
	// for a custom webhook.
	VCSRef string `json:"oidc.circleci.com/vcs-ref,omitempty"`
	VCSSHA string `json:"oidc.circleci.com/vcs-sha,omitempty"` // the commit, when CircleCI knows it
	// ContextIDs are the contexts the job uses, each a UUID.
	ContextIDs []string `json:"oidc.circleci.com/context-ids,omitempty"`
	// SSHRerun is the JSON boolean ssh-rerun: true when the job was re-run
	// with SSH, so a person had a shell in it. Nil when the token lacks it,
	// which Validate refuses.
	SSHRerun *bool `json:"oidc.circleci.com/ssh-rerun,omitempty"`

	// Extra holds claims this schema does not name.
	Extra map[string]json.RawMessage `json:"-"`
}

// Provider implements Set.
func (*CircleCI) Provider() Kind { return KindCircleCI }

// LookupKey implements Set: the lower-cased "<org id>/<project id>".
func (c *CircleCI) LookupKey() string {
	return strings.ToLower(c.OrganizationID + "/" + c.ProjectID)
}

var circleciSchema = schema[CircleCI]{
	strings: map[string]func(*CircleCI) *string{
		"sub":               func(c *CircleCI) *string { return &c.Subject },
		circleciOrgID:       func(c *CircleCI) *string { return &c.OrganizationID },
		circleciProjectID:   func(c *CircleCI) *string { return &c.ProjectID },
		circleciPipelineDef: func(c *CircleCI) *string { return &c.PipelineDefinitionID },
		circleciPipelineID:  func(c *CircleCI) *string { return &c.PipelineID },
		circleciWorkflowID:  func(c *CircleCI) *string { return &c.WorkflowID },
		circleciJobID:       func(c *CircleCI) *string { return &c.JobID },
		circleciVCSOrigin:   func(c *CircleCI) *string { return &c.VCSOrigin },
		circleciVCSRef:      func(c *CircleCI) *string { return &c.VCSRef },
		circleciVCSSHA:      func(c *CircleCI) *string { return &c.VCSSHA },
	},
	other: map[string]func(*CircleCI, jsonobj.Value) error{
		circleciContextIDs: func(c *CircleCI, v jsonobj.Value) (err error) {
			c.ContextIDs, err = stringArray(v)
			return err
		},
		circleciSSHRerun: func(c *CircleCI, v jsonobj.Value) error {
			c.SSHRerun = nil
			if v.Kind == jsonobj.Null {
				return nil
			}
			b, err := v.Bool()
			if err == nil {
				c.SSHRerun = &b
			}
			return err
		},
	},
	extra: func(c *CircleCI) *map[string]json.RawMessage { return &c.Extra },
}

// DecodeCircleCI decodes a verified CircleCI payload and validates it.
func DecodeCircleCI(payload string) (*CircleCI, error) {
	return decodeSet(&circleciSchema, source{payload: payload})
}

// DecodeCircleCIToken decodes the claims set of a verified CircleCI token
// and validates it, from the members Verify read: the payload is not
// parsed again.
func DecodeCircleCIToken(t *oidc.Token) (*CircleCI, error) {
	return decodeSet(&circleciSchema, source{token: t})
}

// Validate implements Set. Required: the organization, project and
// pipeline definition ids (what npm and PyPI match), each a lower-case
// UUID, so that neither the lookup key nor the issuer can have two
// spellings; and ssh-rerun, which PyPI requires too: a token that does not
// say whether a person had a shell in the job is refused. Each context id
// must be a lower-case UUID. vcs-origin and vcs-ref are not required: a
// custom webhook's pipeline has neither, and a policy refuses it with its
// own explanation.
func (c *CircleCI) Validate() error {
	if err := require(
		circleciOrgID, c.OrganizationID,
		circleciProjectID, c.ProjectID,
		circleciPipelineDef, c.PipelineDefinitionID,
	); err != nil {
		return err
	}
	if c.SSHRerun == nil {
		return &Error{Err: ErrMissing, Claim: circleciSSHRerun}
	}
	for _, id := range [][2]string{{circleciOrgID, c.OrganizationID}, {circleciProjectID, c.ProjectID},
		{circleciPipelineDef, c.PipelineDefinitionID}} {
		if !ident.LowerUUID(id[1]) {
			return invalid(id[0], id[1], "not a UUID in lower case")
		}
	}
	for i, id := range c.ContextIDs {
		if !ident.LowerUUID(id) {
			return invalid(circleciContextIDs, id, "element "+strconv.Itoa(i)+" is not a UUID in lower case")
		}
	}
	return nil
}

// MarshalJSON writes the claims, Extra included, as CircleCI would.
func (c *CircleCI) MarshalJSON() ([]byte, error) {
	type plain CircleCI
	return marshal((*plain)(c), c.Extra, circleciSchema.known)
}

// userID is the user id in sub, when sub starts with the token's own
// organization and project as CircleCI writes it; empty otherwise.
func (c *CircleCI) userID() string {
	rest, ok := strings.CutPrefix(c.Subject, "org/"+c.OrganizationID+"/project/"+c.ProjectID+"/user/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	if !ident.LowerUUID(id) {
		return ""
	}
	return id
}
