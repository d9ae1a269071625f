package publisher

import (
	"slices"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
)

// Google is a trusted publisher on Google Cloud: a service account, by its
// email, optionally pinned to its stable numeric id.
type Google struct {
	// IssuerURL is the issuer the policy trusts. Empty means Google
	// (providers.GoogleIssuer, which also accepts the legacy
	// "accounts.google.com"); set it only for a test issuer.
	IssuerURL string `json:"issuer,omitempty"`
	// Email is the service account's email, compared exactly, as PyPI does.
	// Google writes these emails in lower case, so a policy with an upper
	// case letter is refused by Validate rather than never matching.
	Email string `json:"email"`
	// Subject, when set, pins sub, the account's stable numeric id. Set it:
	// a deleted service account's email can be created again by whoever
	// controls the project, and the new account has another id.
	Subject string `json:"subject,omitempty"`
}

// Specificity implements Specific: one when the policy pins the account's
// id (subject), else 0.
func (p *Google) Specificity() int { return count(p.Subject != "") }

// Provider implements Policy.
func (*Google) Provider() claims.Kind { return claims.KindGoogle }

// Issuer implements Policy.
func (p *Google) Issuer() string {
	if p.IssuerURL == "" {
		return providers.GoogleIssuer
	}
	return p.IssuerURL
}

// LookupKey implements Policy: the email.
func (p *Google) LookupKey() string { return p.Email }

// Validate implements Policy.
func (p *Google) Validate() error {
	switch {
	case p.IssuerURL != "" && !ident.IssuerURL(p.IssuerURL):
		return policyError(claims.KindGoogle, "issuer", "%q is not an https URL without a trailing slash, query or fragment", p.IssuerURL)
	case !googleEmail(p.Email):
		return policyError(claims.KindGoogle, "email", "%q is not a service account email (name@domain, lower case)", p.Email)
	case p.Subject != "" && !googleSubject(p.Subject):
		return policyError(claims.KindGoogle, "subject", "%q is not a numeric account id (sub)", p.Subject)
	}
	return nil
}

// Check implements Policy.
func (p *Google) Check(set claims.Set) []Mismatch {
	c, ok := set.(*claims.Google)
	if !ok || c == nil {
		return []Mismatch{wrongProvider(claims.KindGoogle, set)}
	}
	var miss []Mismatch
	if c.Email != p.Email {
		miss = append(miss, Mismatch{Rule: "email", Claim: "email", Want: p.Email, Got: c.Email})
	}
	if !c.EmailVerified {
		miss = append(miss, Mismatch{Rule: "email_verified", Claim: "email_verified", Want: "true", Got: "false"})
	}
	if p.Subject != "" && c.Subject != p.Subject {
		miss = append(miss, Mismatch{Rule: "subject", Claim: "sub", Want: p.Subject, Got: c.Subject})
	}
	return miss
}

// googleEmail accepts local@domain in lower case, without spaces or
// control characters.
func googleEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && len(s) <= 254 && !strings.ContainsAny(s, " \t") &&
		!strings.Contains(domain, "@") && strings.Contains(domain, ".") && strings.ToLower(s) == s && !ident.HasControl(s)
}

// googleSubject accepts Google's numeric account ids (21 digits today).
func googleSubject(s string) bool {
	if s == "" || len(s) > 255 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Rules documents every claim of a Google identity token: how this policy
// compares it, whether it must be present or only when a field is set, and
// which rule reports it.
func (*Google) Rules() []ClaimRule { return slices.Clone(googleRules) }

var googleRules = []ClaimRule{
	{"iss", CompareExact, UseRequired, "issuer", "`https://accounts.google.com`, or the legacy `accounts.google.com`: one issuer"},
	{"aud", CompareExact, UseRequired, "", "the registry's `Config.Audience`, checked by package oidc"},
	{"jti", CompareNotCompared, UseNone, "", "Google sends none: the replay identity is the SHA-256 of the signed header and payload, so a token is still accepted once"},
	{"email", CompareExact, UseRequired, "email", "the service account; Google writes it in lower case and policies must too; also the lookup key"},
	{"email_verified", CompareExact, UseRequired, "email_verified", "must be the JSON boolean `true`; a string is a malformed token"},
	{"sub", ComparePinnedID, UseOptional, "subject", "the account's numeric id: set it, a deleted account's email can be created again; must be present in every token"},
	{"azp", CompareIgnored, UseNone, "", ""},
	{"google.compute_engine", CompareIgnored, UseNone, "", "the VM (`format=full` only): `instance_id`, `instance_name`, `project_id`, `project_number`, `zone`, `instance_creation_timestamp`"},
}
