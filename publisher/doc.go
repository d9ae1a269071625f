// Package publisher decides whether a verified CI token may publish: the
// trusted-publisher policies a registry records per package, the store that
// finds them, and [Verifier], the one call from raw token to decision.
//
// [New] builds a Verifier once, from the registry's audience, the providers
// it trusts and a [Store] of registered publishers ([MemoryStore], or the
// registry's database). [Verifier.Verify] returns every registered publisher
// the token satisfies, most specific first, or an error that says why none
// does. A policy is a [GitHub], [GitLab], [Google], [ActiveState],
// [CircleCI], [Semaphore] or [Buildkite] value,
// each a [Policy] of one provider kind and one issuer, registered under the
// registry's own id as a [Registered] with the packages it may publish; its
// JSON form is the configuration file's.
//
// # Packages and audiences
//
// PyPI's flow names no package: Verify returns every publisher the token
// satisfies, each with its packages (Result.Packages is their union), and a
// pending publisher (registered before its package exists) among them. npm's
// flow names the package: [Verifier.VerifyPackage] makes only that package's
// publishers candidates, so a refusal names no other package's publisher and
// leaves the token unused, ready for the right package. Package names are
// compared exactly: the registry normalises them first.
//
// Each registry has its audience ("pypi"; npm's "npm:<registry host
// name>", without a port). [Verifier.WithAudience] derives a verifier for
// another one that shares the key cache, replay store and publisher store.
//
// # Issuer families
//
// CircleCI and Semaphore give each organization its own issuer
// (https://oidc.circleci.com/org/<organization id>,
// https://<organization>.semaphoreci.com): a [providers.Family] trusts the
// whole family, and each member is its own trust domain. A policy of such a
// provider names its organization, its Issuer is that organization's, and
// the lookup offers a token only the publishers of its own member, so a
// token of organization A never matches a publisher of organization B.
// Some families sign every member's tokens with one key set (Semaphore's
// does): the signature then proves the provider, and what tells the
// organizations apart is the token's iss and its organization claim, which
// the provider requires to name the same organization, and the policy's
// organization rules.
//
// Anyone can make up an organization and send a token naming its issuer.
// The verifier fetches keys only for the members it admits, and asks after
// every cheap check of the token and before any key is looked for (check
// 15 of package oidc's list): a member named in Config.FamilyMembers, or one
// that some registered publisher names. The second comes from the store
// itself, as an [IssuerIndex] (a [MemoryStore] is one; a registry's
// database answers with an indexed EXISTS on its publishers' issuer column):
// the store is the one place that knows which organizations are trusted, a
// publisher registered a moment ago is admitted at once without
// reconfiguring the verifier, and a made-up organization costs one index
// lookup and no network. A member that is not admitted is [oidc.ErrIssuer];
// a store that cannot answer is an outage ([oidc.ErrKeysUnavailable]
// wrapping [ErrStore]). [New] refuses a configuration that trusts a family
// but could admit no member. The key cache's own bounds (MaxIssuers, the
// idle timeout, every rule of a fetch) apply to each member as to any
// issuer.
//
// # Check order
//
// [Verifier.Verify] first runs [oidc.Verifier.Verify], whose package
// documentation lists its checks in order (size, form, header, algorithm,
// claims set, issuer, audience, times, keys, signature), and returns its
// errors unchanged. Then, stopping at the first that fails:
//
//  1. Claims: the provider of the token's issuer decodes the claims set into
//     its own types; every claim it requires is present and well formed.
//     [ErrClaims], wrapping the cause: usually a [claims.Error] that names
//     the claim, of class claims.ErrMissing, claims.ErrType or
//     claims.ErrInvalid.
//  2. Store: [Store.Lookup] answers for the token's issuer and lookup key
//     (the workload, e.g. "owner/repository"). [ErrStore].
//  3. Publishers: at least one registered publisher of that issuer and
//     provider kind (and, for VerifyPackage, of that package) passes every
//     rule of its policy. [ErrNoPublisher], as a [*NoMatchError] listing
//     each candidate and every rule it failed. What a Store returns is
//     checked again (a [MemoryStore] checked its entries when they were
//     added): an entry of another issuer, kind or key is no candidate, and
//     a publisher that fails validation (its policy or its packages)
//     matches nothing. Several matches are ordered by [Specific].
//  4. Replay: the token was never used. It is recorded as used only now,
//     after every other check passed, until exp plus the leeway plus
//     Config.ReplayMargin (default 1 min). [oidc.ErrReplayed], or [oidc.ErrReplayStore] when
//     the store cannot tell (a custom store's own error is wrapped in it).
//
// No error is ever an accept, and every error wraps one sentinel: test
// with [errors.Is], read a refusal's reasons with [errors.As] into a
// [*NoMatchError].
//
// # Threat model
//
// A wrong "yes" lets an attacker publish malware under a trusted name. Package
// oidc covers forged tokens, key confusion between issuers, hostile input and
// the token's replay identity; this package covers who the token is:
//
//   - Confused trust domains. A policy belongs to exactly one issuer
//     (Policy.Issuer) and one provider kind. A GitHub Enterprise Server or
//     GHE.com token never matches a github.com publisher, even with the same
//     claims and the same keys; nor does one CircleCI or Semaphore
//     organization's token match another's publisher (see Issuer families).
//   - Made-up organizations. Tokens naming family members no publisher
//     names make the verifier fetch nothing.
//   - Resurrected names. Accounts, repositories and groups can be deleted and
//     their names registered again by someone else, so policies pin stable
//     ids: GitHub's repository_owner_id (required) and repository_id,
//     GitLab's namespace_id and project_id, Google's sub, ActiveState's
//     actor_id (required), CircleCI's organization, project and pipeline
//     definition ids (required), Semaphore's organization and project ids
//     (required), Buildkite's organization_id and pipeline_id.
//   - Look-alike identities. Claims are compared the way the provider defines
//     them: ASCII case folding only where the provider ignores case, exact
//     workflow paths (release.yml never matches release.yml.bak or
//     sub/release.yml), never through the free-form sub.
//   - Outsider-controlled runs. GitHub's pull_request_target and workflow_run
//     triggers run code or context an outsider controls with the base
//     repository's identity; their tokens are refused.
//   - Another package's publisher. Limited to one package (VerifyPackage),
//     a token is checked against that package's publishers only: another
//     package published from the same repository is neither matched nor
//     named in the refusal, and the refusal does not use the token up.
//   - Replays. A token is accepted once. The default [oidc.MemoryReplayStore]
//     protects one process; replicas share a Redis store (package redisstore).
//   - Silent misconfiguration. Policies are validated when registered: an
//     unknown, misspelt or repeated JSON field, or an explicitly empty one, is
//     an error ([ErrPolicy]), and a field left out never widens a rule. A
//     publisher of an issuer no configured provider serves could never match:
//     [New] and [CheckIssuers] report it ([ErrUnserved]).
//
// What trusted publishing does not protect against: a compromised workflow
// or build. A publish from the right workflow is authentic even if that
// workflow was made to build something malicious.
//
// # Rules
//
// Each policy's Rules method documents every claim of its provider's tokens:
// how the policy compares it ([Comparison]), when ([Use]) and which rule
// reports it ([ClaimRule]). Tests hold these lists to what Check does, and
// the README's claim tables are generated from them. Claims a list does not
// name (new ones providers add) never fail a token.
//
// A refusal names each failed rule in [Mismatch].Rule: the JSON name of the
// policy field that sets the rule ("workflow", "owner_id", "refs", …), or
// one of the fixed rules no field configures:
//
//   - "provider": the token is of another provider kind than the policy;
//   - "event": a GitHub trigger that is always refused (claim event_name);
//   - "email_verified": a Google account whose email is not verified;
//   - "subject": ActiveState's sub, which must name the policy's
//     organization and project; Buildkite's, which must start with the
//     policy's organization and pipeline slugs; Semaphore's, which must
//     start with its organization, project id and repository name;
//   - "ref_type", "job_type": Semaphore's pull-request and debug jobs,
//     which never publish.
package publisher
