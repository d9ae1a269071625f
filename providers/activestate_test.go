package providers_test

import (
	"testing"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/providers"
)

func TestActiveStateProvider(t *testing.T) {
	t.Parallel()
	good := `{"sub":"org:o:project:p","organization":"o","project":"p","actor_id":"u","builder":"pypi-publisher"}`
	bad := `{"sub":"org:o:project:p","organization":"o","project":"p","actor_id":"u"}`
	checkProvider(t, providers.ActiveState, claims.KindActiveState, oidc.Issuer{
		URL: "https://platform.activestate.com/api/v1/oauth/oidc", Algorithms: []string{"RS256"}}, good, bad, claims.ErrMissing)
}
