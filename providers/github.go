package providers

import (
	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
)

// GitHubIssuer is the issuer of GitHub Actions tokens on github.com.
const GitHubIssuer = "https://token.actions.githubusercontent.com"

// GitHubActions is GitHub Actions on github.com.
var GitHubActions = NewGitHub(oidc.Issuer{URL: GitHubIssuer})

// NewGitHub returns a GitHub Actions provider for any issuer: an enterprise
// or GitHub Enterprise Server issuer, or a test issuer. Keys are found by
// discovery unless iss.JWKSURL pins them; algorithms default to RS256.
func NewGitHub(iss oidc.Issuer) Provider {
	return &provider{name: "github", issuer: rs256(iss), decode: decodeGitHub}
}

func decodeGitHub(payload string) (claims.Set, error) {
	c, err := claims.DecodeGitHub(payload)
	if err != nil {
		return nil, err
	}
	return c, nil
}
