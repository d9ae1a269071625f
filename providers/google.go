package providers

import (
	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
)

// Google's issuer, and the legacy form some tokens still carry.
const (
	GoogleIssuer       = "https://accounts.google.com"
	GoogleLegacyIssuer = "accounts.google.com"
)

// Google is Google Cloud service-account identity tokens. Both iss forms
// are one issuer; keys come by discovery from another host
// (https://www.googleapis.com/oauth2/v3/certs). The tokens have no jti:
// the replay store records their SHA-256 (oidc.Token.ReplayID).
var Google = NewGoogle(oidc.Issuer{URL: GoogleIssuer, Aliases: []string{GoogleLegacyIssuer}})

// NewGoogle returns a Google provider for another issuer description: a
// test issuer, or Google's with pinned keys. Algorithms default to RS256.
func NewGoogle(iss oidc.Issuer) Provider {
	return &provider{kind: claims.KindGoogle, issuer: rs256(iss), decode: decodeGoogle}
}

func decodeGoogle(t *oidc.Token) (claims.Set, error) {
	c, err := claims.DecodeGoogleToken(t)
	if err != nil {
		return nil, err
	}
	return c, nil
}
