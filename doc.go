// Package trustpub is a toolkit for package registries and internal gateways
// that accept publishes from CI workflows authenticated by short-lived OIDC
// tokens ("Trusted Publishing", as PyPI, npm, crates.io and RubyGems.org do
// it) instead of long-lived API tokens.
//
// A CI run (GitHub Actions, GitLab CI/CD, Google Cloud, ActiveState,
// CircleCI, Semaphore, Buildkite) obtains a JWT signed by its provider and sends it with the publish. The data flows
// one way through the packages:
//
//		token ──▶ oidc ──▶ providers / claims ──▶ publisher ──▶ decision
//
//	  - [github.com/trustpub/trustpub/oidc] verifies the token: signature against
//	    the issuer's published keys (fetched, cached, rotated by its KeyCache),
//	    issuer, audience, times, algorithm, size; and makes tokens one-time.
//	  - [github.com/trustpub/trustpub/providers] names each provider's issuers
//	    and key locations and decodes a verified payload into typed claims.
//	  - [github.com/trustpub/trustpub/claims] holds those claim schemas.
//	  - [github.com/trustpub/trustpub/publisher] holds the trusted-publisher
//	    policies a registry records per package and decides whether a token
//	    satisfies one, explaining every failed rule when it does not.
//
// Start from publisher.New and Verifier.Verify: one call from the raw token
// to the publishers it proves, or a typed error. The documentation of
// packages oidc and publisher gives the threat model, every check in the
// order it is made, and the key cache's behaviour. For tests of publishing
// policy, [github.com/trustpub/trustpub/oidc/oidctest] runs a local issuer
// over real HTTPS, and [github.com/trustpub/trustpub/providers/providertest]
// mints realistic provider tokens on it.
//
// This package itself holds only this overview.
package trustpub
