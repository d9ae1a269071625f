package publisher

import (
	"context"
	"errors"
	"sync"

	"github.com/trustpub/trustpub/oidc"
)

// warmers is how many key sets Warm fetches at once.
const warmers = 8

// Warm fetches the keys of every configured issuer now, so that the first
// tokens do not wait for them: of every fixed issuer first, then of the
// family members in Config.FamilyMembers or named by a MemoryStore's
// publishers, at most eight at a time. The verifier works whether or not
// it succeeds (keys are otherwise fetched on first use): the returned
// error, which joins one error per issuer that failed
// (oidc.ErrKeysUnavailable, or ctx's error), is for a caller that wants to
// stop its start-up. With Config.Keys set, the caller owns the key source
// and Warm does nothing.
func (v *Verifier) Warm(ctx context.Context) error {
	if v == nil || v.tokens == nil {
		return errors.New("publisher: the Verifier was not built by New")
	}
	if v.cache == nil {
		return nil
	}
	seen := make(map[string]bool)
	var list []oidc.Issuer
	for _, f := range v.byIssuer {
		if iss := f.issuer; !seen[iss.URL] { // else an alias of an issuer listed
			seen[iss.URL] = true
			list = append(list, iss)
		}
	}
	list = append(list, v.warmMembers()...)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	slots := make(chan struct{}, warmers)
	for _, iss := range list {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := v.cache.Prefetch(ctx, iss); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// warmMembers lists the family members Warm fetches the keys of.
func (v *Verifier) warmMembers() []oidc.Issuer {
	var list []string
	for iss := range v.members {
		list = append(list, iss)
	}
	if m, ok := v.store.(*MemoryStore); ok && len(v.families) > 0 {
		m.mu.RLock()
		for iss := range m.issuers {
			if !v.members[iss] {
				list = append(list, iss)
			}
		}
		m.mu.RUnlock()
	}
	var out []oidc.Issuer
	for _, iss := range list {
		if p, _ := v.provider(iss); p != nil && !v.isFixed(iss) {
			if m, ok := v.tokens.Issuer(iss); ok {
				out = append(out, m)
			}
		}
	}
	return out
}
