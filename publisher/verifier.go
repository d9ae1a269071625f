package publisher

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/trustpub/trustpub/internal/nilness"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/providers"
)

// Config configures a Verifier.
type Config struct {
	// Audience is the registry's audience, e.g. "pypi". Required.
	Audience string
	// Providers are the trusted issuers. Required.
	Providers []providers.Provider
	// Publishers finds registered publishers. Required.
	Publishers Store
	// Replay makes tokens one-time. Default: an in-memory store, which
	// protects one process only; replicas share a Redis store.
	Replay oidc.ReplayStore
	// ReplayMargin is added past the last instant a token could be accepted
	// (exp + leeway) when recording it, for clock differences between
	// replicas. Zero means DefaultReplayMargin (1 min); a negative value or
	// one above ReplayMarginLimit (1 h) is a configuration error.
	ReplayMargin time.Duration
	// Keys provides the issuers' keys. Default: a KeyCache built from Cache
	// and HTTPClient, closed by Verifier.Close.
	Keys oidc.KeySource
	// Cache configures the default KeyCache.
	Cache oidc.CacheConfig
	// HTTPClient, when set, is the default KeyCache's client.
	HTTPClient *http.Client

	// Token checks; see oidc.Config for their defaults and limits
	// (oidc.NoLeeway allows no clock skew).
	Leeway                 time.Duration
	MaxLifetime            time.Duration    // caps exp - iat; default 6 h
	MaxTokenSize           int              // caps the token's length; default 16 KiB
	AllowMultipleAudiences bool             // accept an aud array with other values beside Audience
	Now                    func() time.Time // the clock, also for the default key cache and replay store; default time.Now
}

// Result is an accepted token: what it proves and who may publish with it.
type Result struct {
	Token      *oidc.Token        // the verified token: registered claims and payload
	Provider   providers.Provider // the provider whose issuer signed it
	Claims     claims.Set         // *claims.GitHub, …
	Publishers []Registered       // every registered publisher the token satisfies
}

// Verifier takes a raw token to a decision. It is safe for concurrent use.
type Verifier struct {
	tokens   *oidc.Verifier
	byIssuer map[string]providers.Provider
	store    Store
	replay   oidc.ReplayStore
	margin   time.Duration
	cache    *oidc.KeyCache // owned, closed by Close
}

// New builds a Verifier once; share it between requests.
//
// When cfg.Publishers is a *MemoryStore, New refuses, with an
// *UnservedError, publishers it holds whose issuer no provider of
// cfg.Providers serves: they could never match. Other stores' rows, and
// publishers added to a MemoryStore later, are checked with CheckIssuers.
func New(cfg Config) (*Verifier, error) {
	if cfg.Audience == "" {
		return nil, errors.New("publisher: Config.Audience is required")
	}
	if nilness.Is(cfg.Publishers) {
		return nil, errors.New("publisher: Config.Publishers is required")
	}
	if len(cfg.Providers) == 0 {
		return nil, errors.New("publisher: Config.Providers is empty")
	}
	for i, p := range cfg.Providers {
		if nilness.Is(p) {
			return nil, fmt.Errorf("publisher: Config.Providers[%d] is nil", i)
		}
	}
	if m, ok := cfg.Publishers.(*MemoryStore); ok {
		if err := CheckIssuers(cfg.Providers, m.Publishers()...); err != nil {
			return nil, err
		}
	}
	margin, err := replayMargin(cfg.ReplayMargin)
	if err != nil {
		return nil, err
	}
	v := &Verifier{byIssuer: make(map[string]providers.Provider), store: cfg.Publishers,
		replay: cfg.Replay, margin: margin}
	var issuers []oidc.Issuer
	for _, p := range cfg.Providers {
		iss := p.Issuer()
		issuers = append(issuers, iss)
		for _, name := range append([]string{iss.URL}, iss.Aliases...) {
			v.byIssuer[name] = p
		}
	}
	// A typed nil here is a failed constructor's result, not "use the
	// default": quietly falling back would weaken the deployment.
	switch {
	case cfg.Keys != nil && nilness.Is(cfg.Keys):
		return nil, errors.New("publisher: Config.Keys holds a nil pointer")
	case cfg.Replay != nil && nilness.Is(cfg.Replay):
		return nil, errors.New("publisher: Config.Replay holds a nil pointer (did its constructor fail?)")
	case cfg.Cache.Shared != nil && nilness.Is(cfg.Cache.Shared):
		return nil, errors.New("publisher: Config.Cache.Shared holds a nil pointer (did its constructor fail?)")
	}
	keys := cfg.Keys
	if keys == nil {
		cc := cfg.Cache
		if cfg.HTTPClient != nil {
			cc.HTTPClient = cfg.HTTPClient
		}
		if cc.Now == nil {
			cc.Now = cfg.Now
		}
		v.cache = oidc.NewKeyCache(cc)
		keys = v.cache
	}
	if v.replay == nil {
		v.replay = oidc.NewMemoryReplayStore(oidc.MemoryReplayConfig{Now: cfg.Now})
	}
	tv, err := oidc.NewVerifier(oidc.Config{
		Issuers: issuers, Audience: cfg.Audience, AllowMultipleAudiences: cfg.AllowMultipleAudiences,
		Keys: keys, Leeway: cfg.Leeway, MaxLifetime: cfg.MaxLifetime, MaxTokenSize: cfg.MaxTokenSize, Now: cfg.Now,
	})
	if err != nil {
		v.Close()
		return nil, err
	}
	v.tokens = tv
	return v, nil
}

// Close releases the default key cache, if the verifier built one. It is
// safe on a nil Verifier, as Verify is, so a deferred Close never panics.
func (v *Verifier) Close() error {
	if v != nil && v.cache != nil {
		return v.cache.Close()
	}
	return nil
}

// Verify checks the token and returns every registered publisher it
// satisfies, or an error: one of package oidc's (the token itself), ErrClaims,
// ErrStore, a *NoMatchError (ErrNoPublisher) that lists each candidate's
// failed rules, or a replay error. The token is recorded as used only once
// everything else has passed; "Check order" in the package documentation
// lists every check.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Result, error) {
	if v == nil || v.tokens == nil {
		return nil, errors.New("publisher: the Verifier was not built by New")
	}
	tok, err := v.tokens.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	prov, ok := v.byIssuer[tok.Issuer]
	if !ok { // oidc verified the issuer; this cannot happen, but fail closed
		return nil, &oidc.Error{Err: oidc.ErrIssuer, Field: "iss", Value: tok.Issuer, Reason: "no provider is configured for it"}
	}
	set, err := prov.Decode(tok)
	switch {
	case err != nil:
	case nilness.Is(set):
		err = errors.New("the provider decoded no claims")
	case set.Provider() != prov.Kind():
		err = fmt.Errorf("provider %s decoded %s claims", prov.Kind(), set.Provider())
	}
	if err == nil {
		err = set.Validate() // whatever the provider's Decode did
	}
	if err != nil {
		return nil, fmt.Errorf("publisher: %w: %w", ErrClaims, err)
	}
	issuer, key := prov.Issuer().URL, set.LookupKey()
	cands, err := v.store.Lookup(ctx, issuer, key)
	if err != nil {
		return nil, fmt.Errorf("publisher: %w: %w", ErrStore, err)
	}
	_, indexed := v.store.(*MemoryStore)
	acc := &accepted{Result: Result{Token: tok, Provider: prov, Claims: set}}
	pubs := acc.room[:0]
	var rejected []Rejection
	for _, r := range cands {
		// A store that ignores the issuer or key, or hands back an empty
		// row, must not widen trust: such entries are not candidates. A
		// MemoryStore indexed each entry by its policy's own lookup key
		// when it was added, so that key is not built again for it.
		if nilness.Is(r.Policy) || r.Policy.Issuer() != issuer || r.Policy.Provider() != prov.Kind() ||
			!(indexed || r.Policy.LookupKey() == key) {
			continue
		}
		// A stored policy that fails validation (a zero owner id, an empty
		// workflow…) could read as "no constraint": it matches nothing.
		if err := validate(r); err != nil {
			rejected = append(rejected, Rejection{ID: r.ID, Err: err})
			continue
		}
		if miss := r.Policy.Check(set); len(miss) > 0 {
			rejected = append(rejected, Rejection{ID: r.ID, Mismatches: miss})
			continue
		}
		pubs = append(pubs, r)
	}
	if len(pubs) == 0 {
		return nil, &NoMatchError{Issuer: issuer, Key: key, Rejected: rejected}
	}
	acc.Publishers = pubs
	until := tok.Expiry.Add(v.tokens.Leeway() + v.margin)
	if err := v.replay.Claim(ctx, tok.ReplayID(), until); err != nil {
		if !errors.Is(err, oidc.ErrReplayed) && !errors.Is(err, oidc.ErrReplayStore) {
			// A custom store's own error still refuses, with a class.
			err = fmt.Errorf("publisher: %w: %w", oidc.ErrReplayStore, err)
		}
		return nil, err
	}
	return &acc.Result, nil
}

// accepted is a Result with room for the one publisher a token usually
// satisfies, allocated at once. Its Publishers are copies: a caller changing
// them cannot change the store.
type accepted struct {
	Result
	room [1]Registered
}
