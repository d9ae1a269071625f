package claims

import (
	"encoding/json"
	"strings"

	"github.com/trustpub/trustpub/oidc"
)

// ActiveState is the claims set of an ActiveState Platform token. Every
// claim is a JSON string.
type ActiveState struct {
	Subject           string `json:"sub"`                          // org:<organization>:project:<project>
	Organization      string `json:"organization"`                 // the organization's name
	OrganizationID    string `json:"organization_id,omitempty"`    // the organization's stable id
	Project           string `json:"project"`                      // the project's name
	ProjectID         string `json:"project_id,omitempty"`         // the project's stable id
	ProjectPath       string `json:"project_path,omitempty"`       // organization/project
	ProjectVisibility string `json:"project_visibility,omitempty"` // the project's visibility, e.g. public, private
	Actor             string `json:"actor,omitempty"`              // the user's login
	ActorID           string `json:"actor_id"`                     // the user's stable id (a UUID)
	Builder           string `json:"builder"`                      // the platform builder, e.g. pypi-publisher
	ArtifactID        string `json:"artifact_id,omitempty"`        // id of the artifact the builder produced
	Ingredient        string `json:"ingredient,omitempty"`         // the ingredient (package) being built

	// Extra holds claims this schema does not name.
	Extra map[string]json.RawMessage `json:"-"`
}

// Provider implements Set.
func (*ActiveState) Provider() Kind { return KindActiveState }

// LookupKey implements Set: the lower-cased "organization/project".
func (c *ActiveState) LookupKey() string {
	return strings.ToLower(c.Organization + "/" + c.Project)
}

var activestateSchema = schema[ActiveState]{
	strings: map[string]func(*ActiveState) *string{
		"sub":                func(c *ActiveState) *string { return &c.Subject },
		"organization":       func(c *ActiveState) *string { return &c.Organization },
		"organization_id":    func(c *ActiveState) *string { return &c.OrganizationID },
		"project":            func(c *ActiveState) *string { return &c.Project },
		"project_id":         func(c *ActiveState) *string { return &c.ProjectID },
		"project_path":       func(c *ActiveState) *string { return &c.ProjectPath },
		"project_visibility": func(c *ActiveState) *string { return &c.ProjectVisibility },
		"actor":              func(c *ActiveState) *string { return &c.Actor },
		"actor_id":           func(c *ActiveState) *string { return &c.ActorID },
		"builder":            func(c *ActiveState) *string { return &c.Builder },
		"artifact_id":        func(c *ActiveState) *string { return &c.ArtifactID },
		"ingredient":         func(c *ActiveState) *string { return &c.Ingredient },
	},
	extra: func(c *ActiveState) *map[string]json.RawMessage { return &c.Extra },
}

// DecodeActiveState decodes a verified ActiveState payload and validates it.
func DecodeActiveState(payload string) (*ActiveState, error) {
	return decodeSet(&activestateSchema, source{payload: payload})
}

// DecodeActiveStateToken decodes the claims set of a verified ActiveState
// token and validates it, from the members Verify read: the payload is not
// parsed again.
func DecodeActiveStateToken(t *oidc.Token) (*ActiveState, error) {
	return decodeSet(&activestateSchema, source{token: t})
}

// Validate implements Set: the claims a policy compares are required, as
// PyPI requires them; the others are informative.
func (c *ActiveState) Validate() error {
	return require(
		"sub", c.Subject,
		"organization", c.Organization,
		"project", c.Project,
		"actor_id", c.ActorID,
		"builder", c.Builder,
	)
}

// MarshalJSON writes the claims, Extra included, as ActiveState would.
func (c *ActiveState) MarshalJSON() ([]byte, error) {
	type plain ActiveState
	return marshal((*plain)(c), c.Extra, activestateSchema.known)
}
