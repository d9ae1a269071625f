package publisher

import (
	"context"
	"errors"
	"sync"
)

// Warm fetches the keys of every configured issuer now, so that the first
// tokens do not wait for them. The verifier works whether or not it
// succeeds (keys are otherwise fetched on first use): the returned error,
// which joins one error per issuer that failed (oidc.ErrKeysUnavailable, or
// ctx's error), is for a caller that wants to stop its start-up. With
// Config.Keys set, the caller owns the key source and Warm does nothing.
func (v *Verifier) Warm(ctx context.Context) error {
	if v == nil || v.tokens == nil {
		return errors.New("publisher: the Verifier was not built by New")
	}
	if v.cache == nil {
		return nil
	}
	seen := make(map[string]bool)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, p := range v.byIssuer {
		iss := p.Issuer()
		if seen[iss.URL] {
			continue // an alias of an issuer already warmed
		}
		seen[iss.URL] = true
		wg.Go(func() {
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
