// Package oidc verifies the OpenID Connect ID tokens that CI providers issue
// to workflows: signature against the issuer's published keys, issuer,
// audience, times, algorithm and size. It knows no CI provider: package
// providers names their issuers and decodes their claims, and package
// publisher decides which trusted publisher a token proves.
//
// A [Verifier] trusts a fixed list of [Issuer] values. A [KeyCache] fetches
// their keys (OpenID discovery or a pinned JWKS URL), caches them, follows
// rotation and survives outages. A [ReplayStore] ([MemoryReplayStore] in one
// process, package redisstore across replicas) makes a token one-time.
//
// The hot path parses the compact JWS itself and verifies with crypto/rsa
// and crypto/ecdsa on keys converted once per fetch; the JOSE library is used
// only to read key sets.
//
// # Errors
//
// Every rejection of [Verifier.Verify] is an [*Error] that names the claim or
// header field at fault, the value seen (clipped: tokens are hostile and
// errors end up in logs) and the reason, and wraps exactly one sentinel.
// Test the class with [errors.Is], the details with [errors.As]:
//
//	tok, err := v.Verify(ctx, raw)
//	var e *oidc.Error
//	switch {
//	case errors.Is(err, oidc.ErrExpired):
//		// ask for a fresh token
//	case errors.As(err, &e):
//		log.Printf("refused: %s %q: %s", e.Field, e.Value, e.Reason)
//	}
//
// No error is ever an accept: a [KeySource]'s own error becomes an [*Error]
// of class [ErrKeysUnavailable].
//
// # Check order
//
// [Verifier.Verify] applies its checks in this order and stops at the first
// that fails. The cheap ones come first: nothing is fetched for a token that
// fails checks 1 to 15.
//
//  1. Size: the token is at most Config.MaxTokenSize bytes (default 16 KiB),
//     checked before any decoding. [ErrTooLarge].
//  2. Form: a compact JWS of three base64url parts, without padding or line
//     breaks; the JSON serialization and JWE are refused. [ErrMalformed].
//  3. Header: one JSON object with the string members alg and kid.
//     [ErrMalformed]. Members that bring their own key or need an extension
//     (jku, x5u, jwk, x5c, crit, b64, enc, zip) are [ErrUnsafeHeader].
//  4. Algorithm: alg is not "none" in any spelling and is a supported
//     asymmetric algorithm (RS, PS and ES with SHA-256, -384 or -512; never
//     HMAC). [ErrAlgorithm].
//  5. Claims set: one JSON object, no duplicate keys, valid UTF-8, no
//     trailing data or deep nesting, at most [MaxClaimValues] values; iss, sub, jti (strings), aud (a string or an array of
//     strings), exp, iat and nbf (numbers up to year 9999) of the right
//     type. [ErrMalformed].
//  6. Issuer: iss is exactly the URL or a declared alias of a configured
//     [Issuer], or the URL of a member of a configured [Family] (its prefix,
//     a name of [MemberName]'s form that the family's Name accepts, its
//     suffix): no case folding, no trailing slash. [ErrIssuer].
//  7. Algorithm for the issuer: alg is in Issuer.Algorithms (default RS256
//     only). [ErrAlgorithm].
//  8. Audience: aud is exactly Config.Audience, as a string or an array
//     holding only it; Config.AllowMultipleAudiences accepts others beside
//     it. [ErrAudience].
//  9. Times present: exp and iat. [ErrMissingClaim].
//  10. Not expired: now is before exp plus Config.Leeway (default 30 s).
//     [ErrExpired].
//  11. Valid yet: nbf, when present, is no later than now plus the leeway.
//     [ErrNotYetValid].
//  12. Not from the future: iat is no later than now plus the leeway.
//     [ErrIssuedInFuture].
//  13. Lifetime: exp - iat is between 0 and the issuer's MaxLifetime, if it
//     sets one, else Config.MaxLifetime (default 6 h).
//     [ErrLifetime].
//  14. Signature form: the signature part decodes. [ErrMalformed].
//  15. Admission, for a member of a family: the family's Admit admits it
//     (some registered publisher names it). [ErrIssuer]; an Admit that
//     fails is [ErrKeysUnavailable], wrapping its error.
//  16. Keys: Config.Keys (usually a [KeyCache]) has the issuer's key set,
//     fetched or cached and not too stale. [ErrKeysUnavailable].
//  17. Key: the set holds a key with the token's kid, of a type that fits alg
//     and, if the key names an alg, that alg. [ErrUnknownKey].
//  18. Signature: it verifies with one of those keys. [ErrSignature].
//
// Package publisher continues where this list ends: the provider's claims,
// the registered publishers, and last the replay store, so that a refused
// token is never recorded as used ([ErrReplayed], [ErrReplayStore]).
//
// # Threat model
//
// A wrong "yes" lets an attacker publish under a trusted name, so every check
// fails closed. This package defends against:
//
//   - Forged tokens. Signatures are checked against keys fetched from the
//     issuer itself, over https, by discovery or a pinned URL, with no
//     redirect to another host. Keys a token points at or carries are never
//     used; "none", HMAC and every algorithm outside the issuer's allow-list
//     are refused.
//   - Confused trust domains. Each [Issuer] is its own trust domain: a kid is
//     looked up only in the key set of the token's own issuer, so a key of
//     one trusted issuer never verifies a token claiming another. So is
//     each member of a [Family]: one CircleCI organization's keys never
//     verify a token naming another organization's issuer.
//   - Made-up tenants. A family trusts an open-ended set of issuers, and
//     anyone can name a member that does not exist. Keys are fetched only
//     for members the family's Admit admits, asked after every cheap check:
//     a stream of tokens naming made-up organizations fetches nothing.
//   - Replays. A token's identity, [Token.ReplayID], is its issuer and jti,
//     or the SHA-256 of its signed part when the issuer sends no jti (the
//     signature is left out: ECDSA signatures are malleable). A
//     [ReplayStore] claims it atomically until after the last instant the
//     token could be accepted.
//   - Hostile input. The size is capped before decoding; JSON with duplicate
//     keys, invalid UTF-8 or trailing data is refused, as are dates that
//     would overflow; hostile key sets are filtered (see Key cache); an
//     unreachable issuer's last good keys are used only up to a maximum
//     staleness.
//
// Claims beyond the registered ones are left to the provider's decoder and
// the publisher's policies, which compare them the way the provider defines
// them and never authorise on sub. A valid token proves which workflow run
// asked for it, not that the workflow or its build was not compromised.
//
// # Key cache
//
// A [KeyCache] serves every issuer and is safe for concurrent use. Key sets
// are parsed and converted once per fetch; verification never reads JSON of
// a key set. [CacheConfig] sets the limits below; zero fields take the
// defaults shown.
//
//   - Location. OpenID discovery at <issuer>/.well-known/openid-configuration,
//     whose issuer must equal the issuer exactly and whose jwks_uri must be
//     https; or Issuer.JWKSURL, pinned. Redirects are followed only to the
//     same host over https. Discovery runs again when its own max-age runs
//     out (clamped like the key set's), on every unknown-kid refetch and after
//     a failed fetch; keys from a location the current document no longer
//     names are never used again, neither the cache's own nor a replica's.
//     If the document cannot be fetched, the location it last named is used.
//   - Refresh. In the background, when the key set's Cache-Control max-age
//     runs out, clamped to MinRefresh and MaxRefresh (5 min and 24 h); no
//     max-age, no-store and no-cache mean MinRefresh. [KeyCache.Prefetch]
//     loads an issuer at start-up so the first token does not wait.
//   - Rotation. An unknown kid triggers a refetch at most once per issuer per
//     RefetchInterval (60 s), and concurrent misses share one fetch. While
//     rate-limited an unknown kid fails at once with [ErrUnknownKey].
//     Scheduled refreshes, Prefetch and an issuer's first successful fetch
//     do not count against the limit, so a key rotated in just after a
//     refresh or a cold start is fetched on its first use. A stream of
//     made-up kids still makes at most one fetch per interval.
//     The publisher package's Verifier.Warm prefetches every configured issuer.
//   - Outages. A failed fetch (timeout, status other than 200, malformed JSON,
//     no usable key) keeps the last good set for up to MaxStale (24 h) after
//     it was fetched, then fails closed with [ErrKeysUnavailable]; while the
//     latest fetch has failed, an unknown kid is [ErrKeysUnavailable] too,
//     since it may be a key rotated in meanwhile. A set with no usable key is
//     never cached. A failed fetch is retried after RefetchInterval. Each
//     request times out after RequestTimeout (5 s); each body is capped at
//     MaxBodySize (1 MiB).
//   - Filtering. Only public signature keys are kept: RSA keys of 2048 bits
//     (up to 4096 with MaxRSABits, at a measured cost of about 6x per token
//     for 3072 and 12x for 4096) with exponent 65537, and EC keys on P-256 or
//     P-384. Private, symmetric, non-"sig" and kid-less keys, other sizes,
//     exponents and curves, and points off their curve are dropped and
//     logged; so is every key under a kid where two different keys could
//     check the same algorithm. One bad key never spoils the set; a set of
//     more than 100 keys is refused whole. A token thus costs at most one
//     signature check with an ordinary key.
//   - Issuers. At most MaxIssuers (1,000) at once: a new issuer beyond the
//     cap is refused with [ErrKeysUnavailable] rather than evicting another,
//     so that a stream of made-up issuers cannot turn into a stream of
//     fetches. An issuer unused for IdleTimeout (24 h) is dropped and no
//     longer refreshed. Members of issuer families (a [Family]'s, one per
//     organization) have their own budget, MaxMembers (10,000): only
//     admitted members reach the cache, so when it is full the member used
//     least recently is dropped for the new one, and however many
//     organizations a registry serves they never take a fixed issuer's
//     room. A member's discovery must name keys on the member's own host.
//   - Replicas. With Shared set, each fetched set is saved with the time it
//     was fetched ([KeyStore]); a replica whose own fetch fails takes a
//     fresher saved set, still subject to MaxStale from the original fetch,
//     and never one dated more than a minute ahead. Whoever can write that store can
//     make the registry trust keys of their choice: it must be as trusted as
//     the issuers' key endpoints.
//   - Observability. Refreshes, failures, dropped keys and rate-limited misses
//     go to Logger.
//   - Lifetime. [KeyCache.Close] stops the background refresh and waits for
//     every fetch in flight; after it, [KeyCache.Keys] fails with
//     [ErrKeysUnavailable].
package oidc
