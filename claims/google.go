package claims

import (
	"encoding/json"
	"errors"

	"github.com/trustpub/trustpub/internal/jsonobj"
	"github.com/trustpub/trustpub/oidc"
)

// Google is the claims set of a Google Cloud service-account identity
// token. Google sends no jti and no nbf; those belong to package oidc anyway.
type Google struct {
	Subject         string `json:"sub"`           // the account's stable numeric id
	AuthorizedParty string `json:"azp,omitempty"` // numeric id of the requesting party
	Email           string `json:"email"`         // the service account, lower case
	// EmailVerified is the JSON boolean email_verified; a string "true" is
	// a type error.
	EmailVerified bool `json:"email_verified"`
	// Google is the "google" claim: set only for Compute Engine tokens
	// requested with format=full.
	Google *GoogleInfo `json:"google,omitempty"`

	// Extra holds claims this schema does not name.
	Extra map[string]json.RawMessage `json:"-"`

	emailVerifiedSent bool // email_verified was in the token
}

// GoogleInfo is the "google" claim.
type GoogleInfo struct {
	ComputeEngine *ComputeEngine `json:"compute_engine,omitempty"` // google.compute_engine; nil when absent
	// Extra holds members this schema does not name.
	Extra map[string]json.RawMessage `json:"-"`
}

// ComputeEngine describes the VM a token was requested from.
type ComputeEngine struct {
	InstanceID                string `json:"instance_id"`                 // the VM's numeric id, as a string
	InstanceName              string `json:"instance_name"`               // the VM's name
	ProjectID                 string `json:"project_id"`                  // the Google Cloud project's id, e.g. my-project (not its number)
	ProjectNumber             int64  `json:"project_number"`              // a JSON number
	Zone                      string `json:"zone"`                        // e.g. us-central1-a
	InstanceCreationTimestamp int64  `json:"instance_creation_timestamp"` // Unix seconds, a JSON number
	// Extra holds members this schema does not name (license, …).
	Extra map[string]json.RawMessage `json:"-"`
}

// Provider implements Set.
func (*Google) Provider() Kind { return KindGoogle }

// LookupKey implements Set: the email, as sent (Google's are lower case).
func (c *Google) LookupKey() string { return c.Email }

var googleSchema = schema[Google]{
	strings: map[string]func(*Google) *string{
		"sub":   func(c *Google) *string { return &c.Subject },
		"azp":   func(c *Google) *string { return &c.AuthorizedParty },
		"email": func(c *Google) *string { return &c.Email },
	},
	other: map[string]func(*Google, jsonobj.Value) error{
		"email_verified": func(c *Google, v jsonobj.Value) (err error) {
			if v.Kind != jsonobj.Null {
				c.EmailVerified, err = v.Bool()
				c.emailVerifiedSent = err == nil
			}
			return err
		},
		"google": func(c *Google, v jsonobj.Value) error {
			return nested(v, "google", &googleInfoSchema, &c.Google)
		},
	},
	extra: func(c *Google) *map[string]json.RawMessage { return &c.Extra },
}

var googleInfoSchema = schema[GoogleInfo]{
	other: map[string]func(*GoogleInfo, jsonobj.Value) error{
		"compute_engine": func(g *GoogleInfo, v jsonobj.Value) error {
			return nested(v, "compute_engine", &computeEngineSchema, &g.ComputeEngine)
		},
	},
	extra: func(g *GoogleInfo) *map[string]json.RawMessage { return &g.Extra },
}

var computeEngineSchema = schema[ComputeEngine]{
	strings: map[string]func(*ComputeEngine) *string{
		"instance_id":   func(c *ComputeEngine) *string { return &c.InstanceID },
		"instance_name": func(c *ComputeEngine) *string { return &c.InstanceName },
		"project_id":    func(c *ComputeEngine) *string { return &c.ProjectID },
		"zone":          func(c *ComputeEngine) *string { return &c.Zone },
	},
	ints: map[string]func(*ComputeEngine) *int64{
		"project_number":              func(c *ComputeEngine) *int64 { return &c.ProjectNumber },
		"instance_creation_timestamp": func(c *ComputeEngine) *int64 { return &c.InstanceCreationTimestamp },
	},
	extra: func(c *ComputeEngine) *map[string]json.RawMessage { return &c.Extra },
}

// nested decodes an object claim with its own schema into *dst, naming a
// member at fault by its dotted path (google.compute_engine.zone): each
// level prefixes its own name.
func nested[T any](v jsonobj.Value, path string, s *schema[T], dst **T) error {
	if v.Kind == jsonobj.Null {
		return nil
	}
	if v.Kind != jsonobj.Object {
		return &jsonobj.TypeError{Want: jsonobj.Object, Got: v.Kind}
	}
	t := new(T)
	if err := s.decode(source{payload: v.Raw}, t); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return err
		}
		claim := path + "." + e.Claim
		if e.Claim == "(claims set)" {
			claim = path
		}
		return &Error{Err: e.Err, Claim: claim, Reason: e.Reason}
	}
	*dst = t
	return nil
}

// DecodeGoogle decodes a verified Google identity token payload and
// validates it.
func DecodeGoogle(payload string) (*Google, error) {
	return decodeSet(&googleSchema, source{payload: payload})
}

// DecodeGoogleToken decodes the claims set of a verified Google identity
// token and validates it, from the members Verify read: the payload is not
// parsed again.
func DecodeGoogleToken(t *oidc.Token) (*Google, error) {
	return decodeSet(&googleSchema, source{token: t})
}

// Validate implements Set: sub and email are required, and email_verified
// must have been sent (its value is the policy's to judge).
func (c *Google) Validate() error {
	if err := require("sub", c.Subject, "email", c.Email); err != nil {
		return err
	}
	if !c.EmailVerified && !c.emailVerifiedSent {
		return &Error{Err: ErrMissing, Claim: "email_verified"}
	}
	return nil
}

// MarshalJSON writes the claims, Extra included, as Google would.
func (c *Google) MarshalJSON() ([]byte, error) {
	type plain Google
	return marshal((*plain)(c), c.Extra, googleSchema.known)
}

// MarshalJSON writes the claim, Extra included.
func (g *GoogleInfo) MarshalJSON() ([]byte, error) {
	type plain GoogleInfo
	return marshal((*plain)(g), g.Extra, googleInfoSchema.known)
}

// MarshalJSON writes the claim, Extra included.
func (c *ComputeEngine) MarshalJSON() ([]byte, error) {
	type plain ComputeEngine
	return marshal((*plain)(c), c.Extra, computeEngineSchema.known)
}
