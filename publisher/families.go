package publisher

import (
	"context"
	"errors"
	"fmt"

	"github.com/trustpub/trustpub/internal/quote"
)

// IssuerIndex is implemented by a Store that can tell whether any of its
// publishers names an issuer. A Verifier trusting an issuer family
// (providers.Family) asks it before fetching the keys of a member: so only
// organizations some registered publisher names cost a fetch, and a member
// registered a moment ago is trusted at once. A registry's database answers
// with an indexed EXISTS on the publishers' issuer column, which must hold
// each policy's Issuer() (for a CircleCI or Semaphore policy without an
// issuer field, the organization's URL it derives), not the JSON field.
type IssuerIndex interface {
	// HasIssuer reports whether some registered publisher's policy has
	// this Issuer. An error fails the token as an outage (ErrStore).
	HasIssuer(ctx context.Context, issuer string) (bool, error)
}

// admission checks Config.FamilyMembers and finds how members will be
// admitted: a configuration that trusts a family but could admit no
// member is an error, not a verifier that refuses every such token.
func (v *Verifier) admission(cfg Config) error {
	if idx, ok := cfg.Publishers.(IssuerIndex); ok {
		v.index = idx
	}
	v.members = make(map[string]bool, len(cfg.FamilyMembers))
	for _, iss := range cfg.FamilyMembers {
		if p, _ := v.provider(iss); p == nil || v.isFixed(iss) {
			return fmt.Errorf("publisher: Config.FamilyMembers: %s is not a member of a configured issuer family", quote.Text(iss))
		}
		v.members[iss] = true
	}
	if len(v.families) > 0 && v.index == nil && len(v.members) == 0 {
		return errors.New("publisher: Config.Providers trust an issuer family, but Config.Publishers is no IssuerIndex " +
			"and Config.FamilyMembers is empty: no organization could ever be admitted")
	}
	return nil
}

// isFixed reports whether iss is a fixed issuer's URL or alias.
func (v *Verifier) isFixed(iss string) bool {
	_, ok := v.byIssuer[iss]
	return ok
}

// admit is every family's oidc.Family.Admit: a member is admitted when
// listed in Config.FamilyMembers or named by a registered publisher.
func (v *Verifier) admit(ctx context.Context, iss string) (bool, error) {
	if v.members[iss] {
		return true, nil
	}
	if v.index == nil {
		return false, nil
	}
	ok, err := v.index.HasIssuer(ctx, iss)
	if err != nil {
		return false, fmt.Errorf("publisher: %w: %w", ErrStore, err)
	}
	return ok, nil
}
