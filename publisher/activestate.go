package publisher

import (
	"slices"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
)

// ActiveState is a trusted publisher on the ActiveState Platform: a
// project of an organization, built by one builder, for one user pinned by
// their stable id. Every field is compared exactly, as PyPI does.
type ActiveState struct {
	// IssuerURL is the issuer the policy trusts. Empty means ActiveState
	// (providers.ActiveStateIssuer); set it only for a test issuer.
	IssuerURL string `json:"issuer,omitempty"`
	// Organization is the organization's name (claim organization).
	Organization string `json:"organization"`
	// Project is the project's name (claim project).
	Project string `json:"project"`
	// ActorID is the stable id (a UUID) of the platform user allowed to
	// publish (claim actor_id). Required.
	ActorID string `json:"actor_id"`
	// Builder is the platform builder the registry expects (claim
	// builder). Required, with no default: PyPI's is "pypi-publisher",
	// another registry has its own.
	Builder string `json:"builder"`
}

// Specificity implements Specific: 0, since every rule of an ActiveState
// policy is required.
func (*ActiveState) Specificity() int { return 0 }

// Provider implements Policy.
func (*ActiveState) Provider() claims.Kind { return claims.KindActiveState }

// Issuer implements Policy.
func (p *ActiveState) Issuer() string {
	if p.IssuerURL == "" {
		return providers.ActiveStateIssuer
	}
	return p.IssuerURL
}

// LookupKey implements Policy: the lower-cased "organization/project". The
// index is case-insensitive; Check then compares exactly.
func (p *ActiveState) LookupKey() string {
	return strings.ToLower(p.Organization + "/" + p.Project)
}

// Validate implements Policy.
func (p *ActiveState) Validate() error {
	switch {
	case p.IssuerURL != "" && !ident.IssuerURL(p.IssuerURL):
		return policyError(claims.KindActiveState, "issuer", "%q is not an https URL without a trailing slash, query or fragment", p.IssuerURL)
	case !activestateName(p.Organization):
		return policyError(claims.KindActiveState, "organization", "%q is not an organization name (no ':', '/', spaces or control characters)", p.Organization)
	case !activestateName(p.Project):
		return policyError(claims.KindActiveState, "project", "%q is not a project name (no ':', '/', spaces or control characters)", p.Project)
	case !ident.UUID(p.ActorID):
		return policyError(claims.KindActiveState, "actor_id", "%q is not the user's id (a UUID)", p.ActorID)
	case !activestateName(p.Builder):
		return policyError(claims.KindActiveState, "builder", "%q is not a builder name (e.g. pypi-publisher)", p.Builder)
	}
	return nil
}

// Check implements Policy.
func (p *ActiveState) Check(set claims.Set) []Mismatch {
	c, ok := set.(*claims.ActiveState)
	if !ok || c == nil {
		return []Mismatch{wrongProvider(claims.KindActiveState, set)}
	}
	var miss []Mismatch
	add := func(rule, claim, want, got string) {
		miss = append(miss, Mismatch{Rule: rule, Claim: claim, Want: want, Got: got})
	}
	sub := "org:" + p.Organization + ":project:" + p.Project
	if rest, ok := strings.CutPrefix(c.Subject, sub); !ok || rest != "" && rest[0] != ':' {
		add("subject", "sub", sub, c.Subject)
	}
	if c.Organization != p.Organization {
		add("organization", "organization", p.Organization, c.Organization)
	}
	if c.Project != p.Project {
		add("project", "project", p.Project, c.Project)
	}
	if c.ActorID != p.ActorID {
		add("actor_id", "actor_id", p.ActorID, c.ActorID)
	}
	if c.Builder != p.Builder {
		add("builder", "builder", p.Builder, c.Builder)
	}
	return miss
}

// activestateName accepts a name that cannot shift the parts of sub
// ("org:<org>:project:<project>") or of the lookup key: no ':' or '/', no
// space or control character.
func activestateName(s string) bool {
	return s != "" && len(s) <= 255 && !strings.ContainsAny(s, ":/ \t") && !ident.HasControl(s)
}

// Rules documents every claim of an ActiveState token: how this policy
// compares it, whether it must be present, and which rule reports it.
func (*ActiveState) Rules() []ClaimRule { return slices.Clone(activestateRules) }

var activestateRules = []ClaimRule{
	{"iss", CompareExact, UseRequired, "issuer", "`https://platform.activestate.com/api/v1/oauth/oidc`"},
	{"aud", CompareExact, UseRequired, "", "the registry's `Config.Audience`, checked by package oidc"},
	{"jti", CompareNotCompared, UseNone, "", "with `iss`, the replay identity: a token is accepted once"},
	{"sub", CompareExact, UseRequired, "subject", "`org:<organization>:project:<project>`, alone or followed by `:` (so project `b` never matches `bc`)"},
	{"organization", CompareExact, UseRequired, "organization", "with `project`, the lookup key (lower-cased)"},
	{"project", CompareExact, UseRequired, "project", ""},
	{"actor_id", ComparePinnedID, UseRequired, "actor_id", "the stable id (a UUID) of the user allowed to publish"},
	{"builder", CompareExact, UseRequired, "builder", "the registry's builder, e.g. PyPI's `pypi-publisher`"},
	{"actor", CompareIgnored, UseNone, "", "a login can change hands; `actor_id` is pinned instead"},
	{"organization_id", CompareIgnored, UseNone, "", ""},
	{"project_id", CompareIgnored, UseNone, "", ""},
	{"project_path", CompareIgnored, UseNone, "", ""},
	{"project_visibility", CompareIgnored, UseNone, "", ""},
	{"artifact_id", CompareIgnored, UseNone, "", ""},
	{"ingredient", CompareIgnored, UseNone, "", ""},
}
