package provenance

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/internal/nilness"
	"github.com/trustpub/trustpub/internal/quote"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/publisher"
)

// MatchOptions tune Result.Match and Verifier.VerifyFor.
type MatchOptions struct {
	// AcceptUnchecked names the optional rules (Mismatch.Rule names, e.g.
	// "environment", "require_protected_ref") the caller accepts without
	// checking when the signing certificate cannot show their claim. Fulcio
	// certificates never carry a deployment environment nor whether the ref
	// is protected. A rule every token must pass (repository, owner_id,
	// workflow, event; project, ci_config_path) cannot be accepted
	// unchecked: a certificate that does not show it matches no publisher.
	//
	// The token that authorised the upload was held to every rule; an
	// attestation is signed by a job of its own, so accepting a rule here
	// trusts any job of the matched workflow with it.
	AcceptUnchecked []string
}

// Match is an attestation whose signer is the registered publisher.
type Match struct {
	// Result is the verified attestation.
	Result *Result
	// Publisher is the registered publisher the signer matched.
	Publisher publisher.Registered
	// Claims are the certificate's identity in the terms of the publisher's
	// provider, what its policy was checked against: a *claims.GitHub or a
	// *claims.GitLab with the claims Fulcio certifies (see Result.Match).
	Claims claims.Set
	// Unchecked lists the rules of the policy the certificate cannot show,
	// which MatchOptions.AcceptUnchecked accepted; Got is always empty.
	Unchecked []publisher.Mismatch
}

// ErrIdentity: the attestation verifies, but was not signed by the
// publisher. The error is a *MatchError that says why.
var ErrIdentity = errors.New("attestation not signed by the trusted publisher")

// MatchError is why a verified attestation's signer is not the publisher.
type MatchError struct {
	// Publisher is the registered publisher's id (Registered.ID).
	Publisher string
	// Issuer is the certificate's OIDC issuer.
	Issuer string
	// Mismatches lists every rule the certificate's identity fails, with
	// the claim read and what the certificate carries, as the policy's
	// Check reports it; Rule is "issuer" when the certificate is of another
	// issuer than the policy, "provider" for a policy of a kind Fulcio's
	// identity cannot be matched against.
	Mismatches []publisher.Mismatch
	// Unchecked lists the rules the certificate cannot show (Got is empty)
	// and MatchOptions.AcceptUnchecked did not accept.
	Unchecked []publisher.Mismatch
}

// Error implements error, explaining each failed and each unchecked rule.
// Values from the certificate are quoted and clipped, as in
// publisher.Mismatch.
func (e *MatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "provenance: %s: publisher %s, certificate of issuer %s", ErrIdentity, quote.Value(e.Publisher), quote.Value(e.Issuer))
	for _, m := range e.Mismatches {
		got := "no " + m.Claim
		if m.Got != "" {
			got = quote.Value(m.Got)
		}
		fmt.Fprintf(&b, "; %s: the publisher expects %s, the certificate was issued to %s (claim %s%s)",
			m.Rule, quote.Text(m.Want), got, m.Claim, fromExtension(m.Claim))
	}
	for _, m := range e.Unchecked {
		fmt.Fprintf(&b, "; %s: not checkable, the certificate does not show claim %s (the publisher expects %s); "+
			"MatchOptions.AcceptUnchecked can accept it on the upload token's word", m.Rule, m.Claim, quote.Text(m.Want))
	}
	return b.String()
}

// Unwrap returns ErrIdentity.
func (e *MatchError) Unwrap() error { return ErrIdentity }

// VerifyFor verifies an attestation of an artifact (Verify), then that its
// signer is the registered publisher (Result.Match): the one call a
// registry makes for an upload, with the publisher that authorised it.
//
// The error is an *Error as Verify returns it, a *MatchError wrapping
// ErrIdentity, or an error wrapping publisher.ErrPolicy for an invalid
// publisher.
func (v *Verifier) VerifyFor(att *Attestation, a Artifact, reg publisher.Registered, opts MatchOptions) (*Match, error) {
	if err := validPublisher(reg); err != nil {
		return nil, err
	}
	res, err := v.Verify(att, a)
	if err != nil {
		return nil, err
	}
	return res.Match(reg, opts)
}

func validPublisher(reg publisher.Registered) error {
	if nilness.Is(reg.Policy) {
		return fmt.Errorf("provenance: %w: publisher %q has no policy", publisher.ErrPolicy, reg.ID)
	}
	if err := reg.Policy.Validate(); err != nil {
		if errors.Is(err, publisher.ErrPolicy) {
			return fmt.Errorf("provenance: publisher %q: %w", reg.ID, err)
		}
		return fmt.Errorf("provenance: %w: publisher %q: %w", publisher.ErrPolicy, reg.ID, err)
	}
	return nil
}

// Match checks the verified signer against a registered publisher with
// the policy's own rules (its Check), as a token would be:
//
//  1. The certificate's issuer must be the policy's Issuer, exactly.
//  2. The certificate's identity is read into the claims of the policy's
//     provider (a *publisher.GitHub or *publisher.GitLab policy; any other
//     is refused), each claim from the Fulcio extension that certifies it,
//     repository and workflow paths relative to the issuer's web address
//     (https://github.com for github.com's issuer; a GitLab instance's own
//     URL).
//  3. The policy's Check runs on them. A failed rule whose claim the
//     certificate lacks, and a rule that would pass only because its claim
//     is absent (GitHub's refused triggers), is not checkable rather than
//     failed or passed: the match fails unless opts.AcceptUnchecked names
//     it.
//
// The error is a *MatchError wrapping ErrIdentity, or an error wrapping
// publisher.ErrPolicy for an invalid publisher.
func (r *Result) Match(reg publisher.Registered, opts MatchOptions) (*Match, error) {
	if r == nil {
		return nil, fail(ErrMalformed, nil, "no verified attestation to match")
	}
	if err := validPublisher(reg); err != nil {
		return nil, err
	}
	id := r.Identity
	refuse := &MatchError{Publisher: reg.ID, Issuer: id.Issuer}
	p := reg.Policy
	if id.Issuer != p.Issuer() {
		refuse.Mismatches = []publisher.Mismatch{{Rule: "issuer", Claim: "iss", Want: p.Issuer(), Got: id.Issuer}}
		return nil, refuse
	}
	set, srcs, rulesOf, ok := claimsFor(id, p)
	if !ok {
		refuse.Mismatches = []publisher.Mismatch{{Rule: "provider", Claim: "iss",
			Want: "a github or gitlab publisher (*publisher.GitHub, *publisher.GitLab)", Got: string(p.Provider())}}
		return nil, refuse
	}
	has := make(map[string]bool, len(srcs))
	absent := false
	for _, s := range srcs {
		has[s.claim] = s.value != ""
		absent = absent || s.value == ""
	}
	var unchecked []publisher.Mismatch
	for _, m := range p.Check(set) {
		if has[m.Claim] {
			refuse.Mismatches = append(refuse.Mismatches, m)
		} else {
			m.Got = ""
			unchecked = append(unchecked, m)
		}
	}
	if !absent && len(unchecked) == 0 { // the common case: nothing to classify
		if len(refuse.Mismatches) > 0 {
			return nil, refuse
		}
		return &Match{Result: r, Publisher: reg, Claims: set}, nil
	}
	rules := rulesOf()
	// A rule that refuses listed values passes an absent claim.
	for _, cr := range rules {
		if cr.How == publisher.CompareRefused && cr.Use == publisher.UseRequired && !has[cr.Claim] &&
			!slices.ContainsFunc(unchecked, func(m publisher.Mismatch) bool { return m.Rule == cr.Rule }) {
			unchecked = append(unchecked, publisher.Mismatch{Rule: cr.Rule, Claim: cr.Claim,
				Want: "a value the publisher does not refuse"})
		}
	}
	var accepted []publisher.Mismatch
	for _, m := range unchecked {
		if slices.Contains(opts.AcceptUnchecked, m.Rule) && !requiredRule(rules, m.Rule) {
			accepted = append(accepted, m)
		} else {
			refuse.Unchecked = append(refuse.Unchecked, m)
		}
	}
	if len(refuse.Mismatches) > 0 || len(refuse.Unchecked) > 0 {
		return nil, refuse
	}
	return &Match{Result: r, Publisher: reg, Claims: set, Unchecked: accepted}, nil
}

// requiredRule reports whether a rule applies to every token of the
// policy's provider.
func requiredRule(rules []publisher.ClaimRule, rule string) bool {
	return slices.ContainsFunc(rules, func(cr publisher.ClaimRule) bool {
		return cr.Rule == rule && cr.Use == publisher.UseRequired
	})
}

// source is one claim read from the certificate.
type source struct {
	claim string // the token claim, e.g. "workflow_ref"
	value string // its value, "" when the certificate lacks it
}

// claimsFor reads the identity into the claims of p's provider, listing
// each claim it could set, with p's rules (Rules: built only when needed).
func claimsFor(id Identity, p publisher.Policy) (claims.Set, []source, func() []publisher.ClaimRule, bool) {
	switch p := p.(type) {
	case *publisher.GitHub:
		c, srcs := gitHubClaims(id, webOf(claims.KindGitHub, p.Issuer()))
		return c, srcs, p.Rules, true
	case *publisher.GitLab:
		c, srcs := gitLabClaims(id, webOf(claims.KindGitLab, p.Issuer()))
		return c, srcs, p.Rules, true
	}
	return nil, nil, nil, false
}

// webOf is the web address of an issuer's repositories, as package
// providers derives it for a workload's RepositoryURL: https://github.com
// for github.com's issuer, https://<sub>.ghe.com for GHE.com's, a GitLab
// instance's own URL. Empty when the issuer has none.
func webOf(kind claims.Kind, issuer string) string {
	const probe = "o/r"
	var w claims.Workload
	switch kind {
	case claims.KindGitHub:
		w = providers.NewGitHub(oidc.Issuer{URL: issuer}).Workload(&claims.GitHub{Repository: probe})
	case claims.KindGitLab:
		w = providers.NewGitLab(oidc.Issuer{URL: issuer}).Workload(&claims.GitLab{ProjectPath: probe})
	}
	web, ok := strings.CutSuffix(w.RepositoryURL, "/"+probe)
	if !ok {
		return ""
	}
	return web
}

// under returns uri without web + "/" before it, or uri whole (which then
// names no path the policy expects) when it is not under web.
func under(uri, web string) string {
	if web == "" {
		return uri
	}
	if rest, ok := strings.CutPrefix(uri, web+"/"); ok {
		return rest
	}
	return uri
}

// gitHubClaims reads a GitHub Actions identity; web is the issuer's web
// address. Fulcio writes https://github.com/ before repository, owner,
// workflow_ref and job_workflow_ref, and copies the other claims as they
// are.
func gitHubClaims(id Identity, web string) (*claims.GitHub, []source) {
	c := &claims.GitHub{
		Repository:           under(id.SourceRepositoryURI, web),
		RepositoryID:         id.SourceRepositoryIdentifier,
		RepositoryOwner:      under(id.SourceRepositoryOwnerURI, web),
		RepositoryOwnerID:    id.SourceRepositoryOwnerIdentifier,
		RepositoryVisibility: id.SourceRepositoryVisibility,
		Ref:                  id.SourceRepositoryRef,
		SHA:                  id.SourceRepositoryDigest,
		WorkflowRef:          under(id.BuildConfigURI, web),
		WorkflowSHA:          id.BuildConfigDigest,
		JobWorkflowRef:       under(id.BuildSignerURI, web),
		JobWorkflowSHA:       id.BuildSignerDigest,
		EventName:            id.BuildTrigger,
		RunnerEnvironment:    id.RunnerEnvironment,
	}
	return c, []source{
		{"repository", c.Repository}, {"repository_id", c.RepositoryID},
		{"repository_owner", c.RepositoryOwner}, {"repository_owner_id", c.RepositoryOwnerID},
		{"repository_visibility", c.RepositoryVisibility}, {"ref", c.Ref}, {"sha", c.SHA},
		{"workflow_ref", c.WorkflowRef}, {"workflow_sha", c.WorkflowSHA},
		{"job_workflow_ref", c.JobWorkflowRef}, {"job_workflow_sha", c.JobWorkflowSHA},
		{"event_name", c.EventName}, {"runner_environment", c.RunnerEnvironment},
	}
}

// gitLabClaims reads a GitLab CI/CD identity; web is the instance's URL.
// Fulcio writes the instance's URL before project_path and namespace_path,
// and https:// before ci_config_ref_uri.
func gitLabClaims(id Identity, web string) (*claims.GitLab, []source) {
	uri := id.BuildConfigURI
	if rest, ok := strings.CutPrefix(uri, "https://"); ok {
		uri = rest
	}
	c := &claims.GitLab{
		ProjectPath:       under(id.SourceRepositoryURI, web),
		ProjectID:         id.SourceRepositoryIdentifier,
		NamespacePath:     under(id.SourceRepositoryOwnerURI, web),
		NamespaceID:       id.SourceRepositoryOwnerIdentifier,
		RefPath:           id.SourceRepositoryRef,
		SHA:               id.SourceRepositoryDigest,
		CIConfigRefURI:    uri,
		CIConfigSHA:       id.BuildConfigDigest,
		PipelineSource:    id.BuildTrigger,
		RunnerEnvironment: id.RunnerEnvironment,
		ProjectVisibility: id.SourceRepositoryVisibility,
	}
	return c, []source{
		{"project_path", c.ProjectPath}, {"project_id", c.ProjectID},
		{"namespace_path", c.NamespacePath}, {"namespace_id", c.NamespaceID},
		{"ref_path", c.RefPath}, {"sha", c.SHA}, {"ci_config_ref_uri", c.CIConfigRefURI},
		{"ci_config_sha", c.CIConfigSHA}, {"pipeline_source", c.PipelineSource},
		{"runner_environment", c.RunnerEnvironment}, {"project_visibility", c.ProjectVisibility},
	}
}

// extensions names the Fulcio extension each claim is read from.
var extensions = map[string]string{
	"repository": "Source Repository URI", "project_path": "Source Repository URI",
	"repository_id": "Source Repository Identifier", "project_id": "Source Repository Identifier",
	"repository_owner": "Source Repository Owner URI", "namespace_path": "Source Repository Owner URI",
	"repository_owner_id": "Source Repository Owner Identifier", "namespace_id": "Source Repository Owner Identifier",
	"repository_visibility": "Source Repository Visibility At Signing", "project_visibility": "Source Repository Visibility At Signing",
	"ref": "Source Repository Ref", "ref_path": "Source Repository Ref",
	"sha":          "Source Repository Digest",
	"workflow_ref": "Build Config URI", "ci_config_ref_uri": "Build Config URI",
	"workflow_sha": "Build Config Digest", "ci_config_sha": "Build Config Digest",
	"job_workflow_ref": "Build Signer URI", "job_workflow_sha": "Build Signer Digest",
	"event_name": "Build Trigger", "pipeline_source": "Build Trigger",
	"runner_environment": "Runner Environment",
	"iss":                "Issuer",
}

// fromExtension is ", from its <extension>" for a claim read from one.
func fromExtension(claim string) string {
	if ext, ok := extensions[claim]; ok {
		return ", from its " + ext
	}
	return ""
}
