package oidc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trustpub/trustpub/internal/nilness"
)

// Issuer is one trust domain: the exact iss value and where its keys live.
type Issuer struct {
	// URL is the exact iss claim, e.g. "https://token.actions.githubusercontent.com".
	URL string
	// Aliases are other iss values that mean this same issuer (Google's
	// legacy "accounts.google.com"). Keys are still found through URL.
	Aliases []string
	// JWKSURL pins the key set's location; empty means OpenID discovery at
	// URL + "/.well-known/openid-configuration".
	JWKSURL string
	// Algorithms is the allow-list of JWS algorithms. Default: RS256 only.
	Algorithms []string
	// MaxLifetime, when set, caps exp - iat for this issuer's tokens in
	// place of Config.MaxLifetime: an issuer whose tokens live long
	// (Semaphore's, 24 h) needs no looser cap for every other issuer. At
	// most MaxLifetimeLimit.
	MaxLifetime time.Duration
	// FamilyMember marks a member of a Family, as the verifier describes
	// one to its key source: a KeyCache keeps members apart from fixed
	// issuers (CacheConfig.MaxMembers) and takes their keys only from
	// their own host.
	FamilyMember bool
}

// Config configures a Verifier.
type Config struct {
	// Issuers are the trusted issuers. Issuers or Families is required.
	Issuers []Issuer
	// Families are trusted issuer families: open-ended sets of issuers,
	// one per tenant, each member its own trust domain (see Family).
	Families []Family
	// Audience is the registry's audience: aud must be exactly this, as a
	// string or an array holding only it. Required.
	Audience string
	// AllowMultipleAudiences accepts an aud array with other values beside
	// Audience. Off by default: a token meant for several parties is refused.
	AllowMultipleAudiences bool
	// Keys provides issuers' keys. Required; usually a *KeyCache.
	Keys KeySource
	// Leeway is the clock skew allowed on exp, nbf and iat. Zero means
	// DefaultLeeway (30 s); NoLeeway means none. Any other negative value,
	// or one above LeewayLimit (5 min), is a configuration error.
	Leeway time.Duration
	// MaxLifetime caps exp - iat, except for the tokens of an issuer or
	// family that sets its own (Issuer.MaxLifetime: Semaphore's 24 h
	// replaces this cap for Semaphore's tokens only, whether it is higher
	// or lower). Zero means DefaultMaxLifetime (6 h):
	// GitLab tokens live as long as the job's timeout. Raise it if your
	// users run longer jobs, up to MaxLifetimeLimit (24 h); a negative
	// value or one above the limit is a configuration error.
	MaxLifetime time.Duration
	// MaxTokenSize caps the token's length, checked before decoding. Zero
	// means DefaultMaxTokenSize (16 KiB); a negative value or one above
	// MaxTokenSizeLimit (64 KiB) is a configuration error.
	MaxTokenSize int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Defaults and limits of Config's token checks. The limits keep what a
// token may claim, and what a replay store must record, bounded: a token
// accepted at all expires less than MaxLifetimeLimit + LeewayLimit ahead.
const (
	// DefaultLeeway is the clock skew allowed when Config.Leeway is zero.
	DefaultLeeway = 30 * time.Second
	// NoLeeway, as Config.Leeway, allows no clock skew at all.
	NoLeeway time.Duration = -1
	// LeewayLimit is the largest Config.Leeway: clocks further apart are
	// a fault to fix, not to tolerate.
	LeewayLimit = 5 * time.Minute

	// DefaultMaxLifetime is exp - iat's cap when Config.MaxLifetime is zero.
	DefaultMaxLifetime = 6 * time.Hour
	// MaxLifetimeLimit is the largest Config.MaxLifetime: a token that
	// lives longer than a day is a credential, not a CI job's identity.
	MaxLifetimeLimit = 24 * time.Hour

	// DefaultMaxTokenSize is the length cap when Config.MaxTokenSize is zero.
	DefaultMaxTokenSize = 16 << 10
	// MaxTokenSizeLimit is the largest Config.MaxTokenSize: real tokens
	// take 1 to 4 KiB, and every byte is parsed before the signature is
	// checked.
	MaxTokenSizeLimit = 64 << 10
)

// Verifier checks tokens. It is safe for concurrent use.
type Verifier struct {
	cfg      Config
	issuers  map[string]*Issuer // by every accepted iss value
	families families
}

// NewVerifier validates the configuration.
func NewVerifier(cfg Config) (*Verifier, error) {
	if cfg.Audience == "" {
		return nil, errors.New("oidc: Config.Audience is required")
	}
	if nilness.Is(cfg.Keys) {
		return nil, errors.New("oidc: Config.Keys is required")
	}
	if len(cfg.Issuers) == 0 && len(cfg.Families) == 0 {
		return nil, errors.New("oidc: Config.Issuers and Config.Families are empty")
	}
	if err := cfg.bounds(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	v := &Verifier{cfg: cfg, issuers: make(map[string]*Issuer)}
	for i := range cfg.Issuers {
		iss := cfg.Issuers[i]
		if err := checkHTTPS(iss.URL); err != nil {
			return nil, fmt.Errorf("oidc: issuer: %w", err)
		}
		if iss.JWKSURL != "" {
			if err := checkHTTPS(iss.JWKSURL); err != nil {
				return nil, fmt.Errorf("oidc: issuer %s: JWKSURL: %w", iss.URL, err)
			}
		}
		if iss.MaxLifetime < 0 || iss.MaxLifetime > MaxLifetimeLimit {
			return nil, fmt.Errorf("oidc: issuer %s: MaxLifetime %s is not between 0 and %s", iss.URL, iss.MaxLifetime, MaxLifetimeLimit)
		}
		iss.Aliases = slices.Clone(iss.Aliases)
		iss.Algorithms = slices.Clone(iss.Algorithms)
		if len(iss.Algorithms) == 0 {
			iss.Algorithms = []string{"RS256"}
		}
		if slices.Contains(iss.Aliases, "") {
			return nil, fmt.Errorf("oidc: issuer %s: empty alias", iss.URL)
		}
		for _, a := range iss.Algorithms {
			if _, ok := algorithms[a]; !ok {
				return nil, fmt.Errorf("oidc: issuer %s: unsupported algorithm %q", iss.URL, a)
			}
		}
		for _, name := range append([]string{iss.URL}, iss.Aliases...) {
			if _, dup := v.issuers[name]; dup {
				return nil, fmt.Errorf("oidc: issuer %q configured twice", name)
			}
			v.issuers[name] = &iss
		}
	}
	fs, err := newFamilies(cfg.Families, v.issuers)
	if err != nil {
		return nil, err
	}
	v.families = fs
	return v, nil
}

// Leeway is the clock skew the verifier allows.
func (v *Verifier) Leeway() time.Duration { return v.cfg.Leeway }

// Audience is the audience every token must name.
func (v *Verifier) Audience() string { return v.cfg.Audience }

// WithAudience returns a verifier for another audience that is v in every
// other respect: the same issuers, limits, clock and key source (shared,
// not copied). It is cheap: nothing is fetched or started. An empty
// audience is an error.
func (v *Verifier) WithAudience(aud string) (*Verifier, error) {
	if aud == "" {
		return nil, errors.New("oidc: WithAudience: the audience is empty")
	}
	w := *v
	w.cfg.Audience = aud
	return &w, nil
}

// Issuer returns the configured issuer that the iss value names: a fixed
// issuer, or a member of a configured family (whether or not its Admit
// would admit it).
func (v *Verifier) Issuer(iss string) (Issuer, bool) {
	i, ok := v.issuers[iss]
	var m Issuer
	if ok {
		m = *i
	} else if m, _, ok = v.families.member(iss); !ok {
		return Issuer{}, false
	}
	// A copy: the verifier's own lists must not change under it.
	m.Aliases, m.Algorithms = slices.Clone(m.Aliases), slices.Clone(m.Algorithms)
	return m, true
}

// Verify checks a compact JWS and returns the verified token. Cheap checks
// (size, structure, algorithm, issuer, audience, times) come before anything
// that may fetch keys; "Check order" in the package documentation lists them.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Token, error) {
	if len(raw) > v.cfg.MaxTokenSize {
		return nil, reject(ErrTooLarge, "", "", fmt.Sprintf("%d bytes, the limit is %d", len(raw), v.cfg.MaxTokenSize))
	}
	h64, p64, s64, err := split(raw)
	if err != nil {
		return nil, err
	}
	var stack [scratchSize]byte
	hjs, payload, err := decodeText(stack[:], h64, p64)
	if err != nil {
		return nil, err
	}
	hdr, err := parseHeader(hjs)
	if err != nil {
		return nil, err
	}
	alg, ok := algorithms[hdr.alg]
	if !ok {
		return nil, reject(ErrAlgorithm, "alg", hdr.alg, "not a supported asymmetric algorithm")
	}
	if s64 == "" {
		return nil, reject(ErrMalformed, "", "", "empty signature")
	}
	vt := new(verified)
	t := &vt.tok
	*t = Token{KeyID: hdr.kid, Algorithm: hdr.alg, Payload: payload, raw: raw, payload: payload, members: vt.room[:0]}
	hasExp, hasIat, hasNbf, err := parseClaims(payload, t, &vt.aud)
	if err != nil {
		return nil, err
	}
	var iss Issuer
	var fam *family // the family of a member, which must admit it
	if fixed, ok := v.issuers[t.Issuer]; ok {
		iss = *fixed
	} else if iss, fam, ok = v.families.member(t.Issuer); !ok {
		return nil, reject(ErrIssuer, "iss", t.Issuer, "not a configured issuer")
	}
	if !slices.Contains(iss.Algorithms, hdr.alg) {
		return nil, reject(ErrAlgorithm, "alg", hdr.alg, "issuer allows only "+strings.Join(iss.Algorithms, ", "))
	}
	if err := v.checkAudience(t.Audience); err != nil {
		return nil, err
	}
	if err := v.checkTimes(t, iss.MaxLifetime, hasExp, hasIat, hasNbf); err != nil {
		return nil, err
	}
	// The scratch space is free again: it takes a copy of the signed part,
	// which the hash functions read as bytes, and then the signature.
	input := raw[:len(h64)+1+len(p64)]
	buf := stack[:]
	if n := max(len(input), b64.DecodedLen(len(s64))); n > len(buf) {
		buf = make([]byte, n)
	}
	digest := alg.digest(vt.digest[:0], buf[:copy(buf, input)])
	n, err := decodePart(buf, s64, "signature")
	if err != nil {
		return nil, err
	}
	sig := buf[:n:n]
	if fam != nil {
		if err := fam.admit(ctx, t.Issuer); err != nil {
			return nil, err
		}
	}
	keys, err := v.cfg.Keys.Keys(ctx, iss, hdr.kid)
	if err != nil {
		if _, ok := err.(*Error); !ok {
			err = &Error{Err: ErrKeysUnavailable, Field: "kid", Value: hdr.kid, Reason: err.Error()}
		}
		return nil, err
	}
	fitting := 0
	for _, k := range keys {
		if (k.Algorithm != "" && k.Algorithm != hdr.alg) || !alg.fits(k.Public) {
			continue
		}
		fitting++
		if alg.verify(k.Public, digest, sig) {
			return t, nil
		}
	}
	if fitting == 0 {
		return nil, reject(ErrUnknownKey, "kid", hdr.kid, "the issuer's key with this kid is not a key for "+hdr.alg)
	}
	return nil, reject(ErrSignature, "kid", hdr.kid, "signature does not verify with the issuer's key")
}

func (v *Verifier) checkAudience(aud []string) error {
	switch {
	case len(aud) == 0:
		return reject(ErrAudience, "aud", "", "the token names no audience; want "+v.cfg.Audience)
	case len(aud) == 1 && aud[0] == v.cfg.Audience:
		return nil
	case len(aud) > 1 && v.cfg.AllowMultipleAudiences && slices.Contains(aud, v.cfg.Audience):
		return nil
	case len(aud) > 1 && slices.Contains(aud, v.cfg.Audience):
		return reject(ErrAudience, "aud", strings.Join(aud, ","), "the token names several audiences; want only "+v.cfg.Audience)
	}
	return reject(ErrAudience, "aud", strings.Join(aud, ","), "want "+v.cfg.Audience)
}

// checkTimes checks the token's times; maxLife, when set, is the issuer's
// own cap on its lifetime.
func (v *Verifier) checkTimes(t *Token, maxLife time.Duration, hasExp, hasIat, hasNbf bool) error {
	if !hasExp {
		return reject(ErrMissingClaim, "exp", "", "an expiry is required")
	}
	if !hasIat {
		return reject(ErrMissingClaim, "iat", "", "an issue time is required")
	}
	now, leeway := v.cfg.Now(), v.cfg.Leeway
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	if !now.Before(t.Expiry.Add(leeway)) {
		return reject(ErrExpired, "exp", stamp(t.Expiry), fmt.Sprintf("now is %s (leeway %s)", stamp(now), leeway))
	}
	if hasNbf && now.Add(leeway).Before(t.NotBefore) {
		return reject(ErrNotYetValid, "nbf", stamp(t.NotBefore), fmt.Sprintf("now is %s (leeway %s)", stamp(now), leeway))
	}
	if now.Add(leeway).Before(t.IssuedAt) {
		return reject(ErrIssuedInFuture, "iat", stamp(t.IssuedAt), fmt.Sprintf("now is %s (leeway %s)", stamp(now), leeway))
	}
	if maxLife == 0 {
		maxLife = v.cfg.MaxLifetime
	}
	if life := t.Expiry.Sub(t.IssuedAt); life < 0 || life > maxLife {
		return reject(ErrLifetime, "exp", stamp(t.Expiry), fmt.Sprintf("lifetime %s, the limit is %s", life, maxLife))
	}
	return nil
}
