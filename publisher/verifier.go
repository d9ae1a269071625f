package publisher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/trustpub/trustpub/internal/nilness"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/providers"
)

// Config configures a Verifier.
type Config struct {
	// Audience is the registry's audience, e.g. "pypi", or npm's
	// "npm:<registry host name>" (no port). Required. WithAudience derives
	// verifiers for more audiences.
	Audience string
	// Providers are the trusted issuers. Required.
	Providers []providers.Provider
	// Publishers finds registered publishers. Required.
	Publishers Store
	// FamilyMembers are issuer URLs of members of the Providers' issuer
	// families (a CircleCI or Semaphore organization's) whose keys may be
	// fetched even when no registered publisher names them. A member
	// otherwise is admitted only when Publishers, as an IssuerIndex (a
	// MemoryStore is one), says some publisher names it; see "Issuer
	// families" in the package documentation. Each must be a member of a
	// configured family.
	FamilyMembers []string
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
	MaxLifetime            time.Duration    // caps exp - iat; default 6 h; a provider's own cap (Semaphore's 24 h) replaces it for its tokens
	MaxTokenSize           int              // caps the token's length; default 16 KiB
	AllowMultipleAudiences bool             // accept an aud array with other values beside Audience
	Now                    func() time.Time // the clock, also for the default key cache and replay store; default time.Now
}

// Result is an accepted token: what it proves and who may publish with it.
type Result struct {
	Token      *oidc.Token        // the verified token: registered claims and payload
	Provider   providers.Provider // the provider whose issuer signed it
	Claims     claims.Set         // *claims.GitHub, …
	Publishers []Registered       // every registered publisher the token satisfies, most specific first (see Specific)
}

// Verifier takes a raw token to a decision. It is safe for concurrent use.
type Verifier struct {
	tokens   *oidc.Verifier
	byIssuer map[string]fixed // by every iss value a fixed issuer accepts
	families []family         // the issuer families of the providers
	members  map[string]bool  // Config.FamilyMembers
	index    IssuerIndex      // the store's, when it is one
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
		if u := m.unserved(cfg.Providers); len(u) > 0 {
			return nil, &UnservedError{Publishers: u}
		}
	}
	margin, err := replayMargin(cfg.ReplayMargin)
	if err != nil {
		return nil, err
	}
	v := &Verifier{byIssuer: make(map[string]fixed), store: cfg.Publishers,
		replay: cfg.Replay, margin: margin}
	var issuers []oidc.Issuer
	var fams []oidc.Family
	for _, p := range cfg.Providers {
		if f, ok := p.(providers.Family); ok {
			fam := f.Family()
			fam.Admit = v.admit
			fams = append(fams, fam)
			v.families = append(v.families, family{f, fam})
			continue
		}
		iss := p.Issuer()
		issuers = append(issuers, iss)
		for _, name := range append([]string{iss.URL}, iss.Aliases...) {
			v.byIssuer[name] = fixed{p, iss}
		}
	}
	if err := v.admission(cfg); err != nil {
		return nil, err
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
		Issuers: issuers, Families: fams, Audience: cfg.Audience, AllowMultipleAudiences: cfg.AllowMultipleAudiences,
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
// On a verifier from WithAudience it does nothing: the parent owns the
// cache.
func (v *Verifier) Close() error {
	if v != nil && v.cache != nil {
		return v.cache.Close()
	}
	return nil
}

// WithAudience returns a verifier for another audience, e.g. npm's
// "npm:<registry host name>" beside PyPI's "pypi", or one per host name a
// registry answers on. It shares v's providers, publisher store, replay
// store and key cache, and is cheap: no new cache, no new store, no
// goroutine. A token is accepted only by the verifier of its audience
// (oidc.ErrAudience elsewhere), and once across all of them: the replay
// store is one.
//
// Close on the derived verifier does nothing: v owns what they share. Once
// v.Close has closed the key cache v built, the derived verifiers refuse
// every token, as v does (oidc.ErrKeysUnavailable).
func (v *Verifier) WithAudience(aud string) (*Verifier, error) {
	if v == nil || v.tokens == nil {
		return nil, errors.New("publisher: WithAudience on a Verifier not built by New")
	}
	tv, err := v.tokens.WithAudience(aud)
	if err != nil {
		return nil, err
	}
	w := *v
	w.tokens, w.cache = tv, nil
	return &w, nil
}

// Audience is the audience the verifier accepts tokens for.
func (v *Verifier) Audience() string {
	if v == nil || v.tokens == nil {
		return ""
	}
	return v.tokens.Audience()
}

// Verify checks the token and returns every registered publisher it
// satisfies, most specific first (see Specific), or an error: one of package
// oidc's (the token itself), ErrClaims, ErrStore, a *NoMatchError
// (ErrNoPublisher) that lists each candidate's failed rules, or a replay
// error. The token is recorded as used only once everything else has
// passed; "Check order" in the package documentation lists every check.
//
// Every satisfied publisher comes back with its Packages, pending or not:
// PyPI's flow, where the token names no package and the registry mints a
// token for all of them (Result.Packages).
func (v *Verifier) Verify(ctx context.Context, raw string) (*Result, error) {
	return v.verify(ctx, raw, "", false)
}

// VerifyPackage is Verify limited to the publishers of one package (npm's
// flow, where the request names the package): only publishers whose
// Packages hold pkg, exactly as the registry normalised it, are
// candidates; a publisher without packages never is. A valid token that
// satisfies none of them is refused with a *NoMatchError naming the
// package whose Rejected lists only that package's publishers, and is not
// recorded as used: the same token may then be used for the right package.
// Result.Publishers are the package's publishers; each keeps all its
// Packages.
func (v *Verifier) VerifyPackage(ctx context.Context, raw, pkg string) (*Result, error) {
	return v.verify(ctx, raw, pkg, true)
}

// verify is Verify, limited to pkg's publishers when scoped.
func (v *Verifier) verify(ctx context.Context, raw, pkg string, scoped bool) (*Result, error) {
	if v == nil || v.tokens == nil {
		return nil, errors.New("publisher: the Verifier was not built by New")
	}
	tok, err := v.tokens.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	prov, issuer := v.provider(tok.Issuer)
	if prov == nil { // oidc verified the issuer; this cannot happen, but fail closed
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
	acc := &accepted{Result: Result{Token: tok, Provider: prov, Claims: set}}
	pubs, err := v.match(ctx, prov, issuer, set, pkg, scoped, acc)
	if err != nil {
		return nil, err
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
// satisfies, allocated at once, and for a MemoryStore to build that
// publisher in. Its Publishers are copies: a caller changing them cannot
// change the store.
type accepted struct {
	Result
	room [1]Registered
	buf  built
}

// family is a provider of an issuer family, with the family it described
// when New asked.
type family struct {
	prov providers.Family
	fam  oidc.Family
}

func (f *family) isMember(iss string) bool {
	_, ok := f.fam.Member(iss)
	return ok
}

// fixed is a provider of one fixed issuer, with the issuer it described
// when New asked, so that Verify need not ask again (Issuer returns a copy).
type fixed struct {
	prov   providers.Provider
	issuer oidc.Issuer
}

// provider returns the provider of a verified token's issuer, and the
// issuer URL its publishers name: a fixed issuer's URL (an alias's
// canonical one) or the family member's own.
func (v *Verifier) provider(iss string) (providers.Provider, string) {
	if f, ok := v.byIssuer[iss]; ok {
		return f.prov, f.issuer.URL
	}
	for i := range v.families {
		if f := &v.families[i]; f.isMember(iss) {
			return f.prov, iss
		}
	}
	return nil, ""
}

// match looks the claims' workload up and returns the publishers they
// satisfy, most specific first, in acc's room when they fit, or says why
// none: ErrStore or a *NoMatchError, built only then. When scoped, only
// pkg's publishers are candidates.
func (v *Verifier) match(ctx context.Context, prov providers.Provider, issuer string, set claims.Set, pkg string, scoped bool, acc *accepted) ([]Registered, error) {
	key := set.LookupKey()
	var cands []Registered
	m, indexed := v.store.(*MemoryStore)
	if indexed {
		cands = m.lookup(issuer, key, &acc.buf)
	} else {
		var err error
		if cands, err = v.store.Lookup(ctx, issuer, key); err != nil {
			return nil, fmt.Errorf("publisher: %w: %w", ErrStore, err)
		}
	}
	pubs := acc.room[:0]
	var rejected []Rejection
	for _, r := range cands {
		// A store that ignores the issuer or key, or hands back an empty
		// row, must not widen trust: such entries are not candidates. A
		// MemoryStore returns only entries indexed by exactly this issuer
		// and key (their policy's own), so the key is not built again.
		if nilness.Is(r.Policy) || r.Policy.Issuer() != issuer || r.Policy.Provider() != prov.Kind() ||
			!(indexed || r.Policy.LookupKey() == key) {
			continue
		}
		// Another package's publisher is no candidate, and never named.
		if scoped && !slices.Contains(r.Packages, pkg) {
			continue
		}
		// A stored policy that fails validation (a zero owner id, an empty
		// workflow…) could read as "no constraint": it matches nothing. A
		// MemoryStore validated each entry when it was added.
		if !indexed {
			if err := validate(r); err != nil {
				rejected = append(rejected, Rejection{ID: r.ID, Err: err})
				continue
			}
		}
		if miss := r.Policy.Check(set); len(miss) > 0 {
			rejected = append(rejected, Rejection{ID: r.ID, Mismatches: miss})
			continue
		}
		pubs = append(pubs, r)
	}
	if len(pubs) == 0 {
		e := &NoMatchError{Issuer: issuer, Key: key, Rejected: rejected}
		if scoped {
			e.Package = pkg
		}
		return nil, e
	}
	if len(pubs) > 1 {
		slices.SortStableFunc(pubs, moreSpecific)
	}
	return pubs, nil
}

// moreSpecific orders publishers most specific first, then by ID.
func moreSpecific(a, b Registered) int {
	if c := cmp.Compare(specificity(b.Policy), specificity(a.Policy)); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// Packages is the sorted union, without duplicates, of the packages of the
// publishers the token satisfied: what the registry may let it publish.
// It is empty when none of them names a package.
func (r *Result) Packages() []string {
	if r == nil {
		return nil
	}
	var all []string
	for _, p := range r.Publishers {
		all = append(all, p.Packages...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}
