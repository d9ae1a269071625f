package publisher

import "slices"

// Comparison is how a policy treats a claim.
type Comparison string

// The comparisons a ClaimRule names.
const (
	CompareExact           Comparison = "exact"
	CompareCaseInsensitive Comparison = "case-insensitive"
	ComparePinnedID        Comparison = "pinned id"
	ComparePattern         Comparison = "pattern"
	CompareRefused         Comparison = "refused values"
	CompareNotCompared     Comparison = "not compared"
	CompareIgnored         Comparison = "ignored"
)

// Use is when a claim rule applies.
type Use string

// The uses a ClaimRule names.
const (
	// UseRequired: applies to every token; a token without the claim fails.
	UseRequired Use = "required"
	// UseOptional: applies only when the policy sets the rule's field.
	UseOptional Use = "optional"
	// UseNone: the claim decides nothing.
	UseNone Use = "-"
)

// ClaimRule documents how a policy kind treats one claim. Each policy
// kind's list is the source of its README table, and tests check it against
// what Check does.
type ClaimRule struct {
	Claim string     // the claim, e.g. "workflow_ref"
	How   Comparison // how it is compared
	Use   Use        // when
	// Rule is the rule that reads the claim, "" when none does: the
	// Mismatch.Rule a failure reports. It is the JSON name of the policy
	// field that sets the rule ("workflow"), or, for a rule no field
	// configures, one of the fixed names "event" (GitHub's refused
	// triggers), "email_verified" (Google), "subject" (ActiveState's and
	// Semaphore's sub, built from the policy's fields; Buildkite's, whose
	// prefix is built from organization_slug and pipeline_slug), "ref_type"
	// and "job_type" (Semaphore's refused pull-request and debug jobs). The
	// "issuer" rule of iss is applied by the lookup, which offers a token
	// only the policies of its own issuer, so no Mismatch reports it; nor
	// does any list hold "provider", the Mismatch.Rule of a token of
	// another provider kind.
	Rule string
	Note string // one line for maintainers, Markdown, no "|"
}

// Rules documents every claim of a GitHub Actions token: how this policy
// compares it, whether it must be present or only when a field is set, and
// which rule reports it.
func (*GitHub) Rules() []ClaimRule {
	return slices.Clone(githubRules)
}

var githubRules = []ClaimRule{
	{"iss", CompareExact, UseRequired, "issuer", "the policy's `issuer`, empty for github.com; a token of any other issuer never matches (enterprise, GHE.com and Enterprise Server issuers are each their own)"},
	{"aud", CompareExact, UseRequired, "", "the registry's `Config.Audience`, checked by package oidc"},
	{"jti", CompareNotCompared, UseNone, "", "with `iss`, the replay identity: a token is accepted once"},
	{"sub", CompareIgnored, UseNone, "", "its format varies and owners can rewrite it; the claims below are used instead"},
	{"repository", CompareCaseInsensitive, UseRequired, "repository", "equals `owner/repository` (ASCII case folding); also the lookup key"},
	{"repository_id", ComparePinnedID, UseOptional, "repository_id", "defeats a repository deleted and created again under the same name"},
	{"repository_owner", CompareNotCompared, UseRequired, "", "must be the owner part of `repository` (checked when decoding)"},
	{"repository_owner_id", ComparePinnedID, UseRequired, "owner_id", "defeats a deleted account's login registered again by someone else"},
	{"repository_visibility", CompareIgnored, UseNone, "", ""},
	{"ref", ComparePattern, UseOptional, "refs", "the full ref must match one of `refs` (`*` stays within a segment, `**` crosses `/`); it is also what the `@` part of `workflow_ref` is compared with"},
	{"ref_type", CompareIgnored, UseNone, "", "`refs` patterns say branch or tag through the full ref"},
	{"ref_protected", CompareExact, UseOptional, "require_protected_ref", "must be `true`"},
	{"sha", CompareExact, UseRequired, "workflow", "40 hex digits, in every token (checked when decoding); the `@` part of `workflow_ref` must be `ref` or `sha`"},
	{"workflow", CompareIgnored, UseNone, "", "the workflow's display name: anyone who edits the file can change it"},
	{"workflow_ref", CompareExact, UseRequired, "workflow", "exactly `<owner>/<repository>/.github/workflows/<workflow>@<ref or sha>`, owner/repository case-insensitive; the calling workflow"},
	{"workflow_sha", CompareIgnored, UseNone, "", ""},
	{"job_workflow_ref", CompareExact, UseOptional, "reusable_workflow", "`<owner>/<repo>/.github/workflows/<file>`, owner/repo case-insensitive, then `@` and the pin exactly, or when unpinned any full ref or commit sha; must be present in every token"},
	{"job_workflow_sha", CompareIgnored, UseNone, "", "pin `reusable_workflow` to a commit sha instead"},
	{"environment", CompareCaseInsensitive, UseOptional, "environment", "must be present and equal (ASCII case folding) when the policy names one"},
	{"environment_node_id", CompareIgnored, UseNone, "", ""},
	{"event_name", CompareRefused, UseRequired, "event", "`pull_request_target` and `workflow_run` are refused"},
	{"head_ref", CompareIgnored, UseNone, "", ""},
	{"base_ref", CompareIgnored, UseNone, "", ""},
	{"run_id", CompareIgnored, UseNone, "", ""},
	{"run_number", CompareIgnored, UseNone, "", ""},
	{"run_attempt", CompareIgnored, UseNone, "", ""},
	{"runner_environment", CompareExact, UseOptional, "require_hosted_runner", "must be `github-hosted`"},
	{"actor", CompareIgnored, UseNone, "", "a policy trusts a workflow, not a person"},
	{"actor_id", CompareIgnored, UseNone, "", ""},
	{"enterprise", CompareIgnored, UseNone, "", "the issuer is the enterprise's trust domain"},
	{"enterprise_id", CompareIgnored, UseNone, "", ""},
	{"check_run_id", CompareIgnored, UseNone, "", ""},
	{"repo_property_*", CompareIgnored, UseNone, "", "custom repository properties"},
}
