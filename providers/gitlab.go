package providers

import (
	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
)

// GitLabIssuer is the issuer of GitLab CI/CD id_tokens on gitlab.com.
const GitLabIssuer = "https://gitlab.com"

// GitLabCom is GitLab CI/CD on gitlab.com; keys by discovery
// (https://gitlab.com/oauth/discovery/keys).
//
// Legacy CI_JOB_JWT tokens (iss "gitlab.com" without a scheme, no aud) are
// not accepted: their issuer is not this one and they name no audience.
var GitLabCom = NewGitLab(oidc.Issuer{URL: GitLabIssuer})

// NewGitLab returns a GitLab CI/CD provider for any issuer: a self-managed
// instance (its external URL, e.g. "https://gitlab.example.com"), which is
// its own trust domain, or a test issuer. Keys are found by discovery unless
// iss.JWKSURL pins them; algorithms default to RS256.
func NewGitLab(iss oidc.Issuer) Provider {
	return &provider{kind: claims.KindGitLab, issuer: rs256(iss), decode: decodeGitLab}
}

func decodeGitLab(t *oidc.Token) (claims.Set, error) {
	c, err := claims.DecodeGitLabToken(t)
	if err != nil {
		return nil, err
	}
	return c, nil
}
