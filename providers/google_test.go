package providers_test

import (
	"testing"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/providers"
)

func TestGoogleProvider(t *testing.T) {
	t.Parallel()
	good := `{"sub":"1","email":"a@p.iam.gserviceaccount.com","email_verified":true}`
	bad := `{"sub":"1","email":"a@p.iam.gserviceaccount.com","email_verified":"true"}`
	checkProvider(t, providers.Google, claims.KindGoogle, oidc.Issuer{URL: "https://accounts.google.com",
		Aliases: []string{"accounts.google.com"}, Algorithms: []string{"RS256"}}, good, bad, claims.ErrType)
}
