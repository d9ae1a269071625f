package providers_test

import (
	"errors"
	"testing"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/providers"
)

// TestDecodeNil: every provider refuses a nil token with a claims error,
// never a panic; a nil family is no family.
func TestDecodeNil(t *testing.T) {
	t.Parallel()
	for _, p := range []providers.Provider{providers.GitHubActions, providers.GitLabCom, providers.Google,
		providers.ActiveState, providers.CircleCI, providers.CircleCIRoot, providers.Semaphore, providers.Buildkite} {
		set, err := p.Decode(nil)
		if set != nil || !errors.Is(err, claims.ErrInvalid) {
			t.Errorf("%s: Decode(nil) = %v, %v; want a claims.ErrInvalid error", p.Kind(), set, err)
		}
	}
	var f *oidc.Family
	if name, ok := f.Member("https://oidc.circleci.com/org/0d7a4e9c-5b21-4c3e-9f8a-1b2c3d4e5f60"); ok || name != "" {
		t.Errorf("nil family: Member = %q, %v", name, ok)
	}
	if f.String() == "" {
		t.Error("nil family: empty String")
	}
}

// TestIssuerCopies: changing what Issuer or Family returns changes no
// provider.
func TestIssuerCopies(t *testing.T) {
	t.Parallel()
	for _, p := range []providers.Provider{providers.Google, providers.CircleCI, providers.Semaphore} {
		iss := p.Issuer()
		if len(iss.Algorithms) > 0 {
			iss.Algorithms[0] = "HS256"
		}
		if len(iss.Aliases) > 0 {
			iss.Aliases[0] = "evil"
		}
		if got := p.Issuer(); got.Algorithms[0] != "RS256" || len(got.Aliases) > 0 && got.Aliases[0] == "evil" {
			t.Errorf("%s: Issuer() changed by its caller: %+v", p.Kind(), got)
		}
		if f, ok := p.(providers.Family); ok {
			fam := f.Family()
			fam.Algorithms[0] = "HS256"
			if f.Family().Algorithms[0] != "RS256" || f.Issuer().Algorithms[0] != "RS256" {
				t.Errorf("%s: Family() changed by its caller", p.Kind())
			}
		}
	}
}
