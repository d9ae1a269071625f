package providers

import (
	"fmt"

	"github.com/trustpub/trustpub/internal/ident"

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
	return &provider{kind: claims.KindGitHub, issuer: rs256(iss), decode: decodeGitHub}
}

// GitHubEnterpriseIssuer is the issuer of an enterprise that customised its
// issuer on github.com: https://token.actions.githubusercontent.com/<slug>.
func GitHubEnterpriseIssuer(slug string) (string, error) {
	if !isSlug(slug) {
		return "", fmt.Errorf("providers: %q is not an enterprise slug (letters, digits, - and _)", slug)
	}
	return GitHubIssuer + "/" + slug, nil
}

// GitHubDataResidencyIssuer is the issuer of a GHE.com enterprise with data
// residency: https://token.actions.<subdomain>.ghe.com, followed by
// "/<slug>" when slug is not empty (a customised issuer).
func GitHubDataResidencyIssuer(subdomain, slug string) (string, error) {
	if !ident.Label(subdomain) {
		return "", fmt.Errorf("providers: %q is not a GHE.com subdomain (one lower-case DNS label)", subdomain)
	}
	iss := "https://token.actions." + subdomain + ".ghe.com"
	if slug == "" {
		return iss, nil
	}
	if !isSlug(slug) {
		return "", fmt.Errorf("providers: %q is not an enterprise slug (letters, digits, - and _)", slug)
	}
	return iss + "/" + slug, nil
}

// GitHubServerIssuer is the issuer of a GitHub Enterprise Server:
// https://<host>/_services/token. host is a lower-case host name or IPv4
// address, optionally with a port; no scheme, path or user.
func GitHubServerIssuer(host string) (string, error) {
	if !ident.HostPort(host) {
		return "", fmt.Errorf("providers: %q is not a host name (lower-case, optional :port, no scheme or path)", host)
	}
	return "https://" + host + "/_services/token", nil
}

// NewGitHubEnterprise returns the provider of an enterprise's customised
// issuer on github.com (see GitHubEnterpriseIssuer).
func NewGitHubEnterprise(slug string) (Provider, error) {
	return githubAt(GitHubEnterpriseIssuer(slug))
}

// NewGitHubDataResidency returns the provider of a GHE.com enterprise (see
// GitHubDataResidencyIssuer); slug is empty unless the issuer is customised.
func NewGitHubDataResidency(subdomain, slug string) (Provider, error) {
	return githubAt(GitHubDataResidencyIssuer(subdomain, slug))
}

// NewGitHubServer returns the provider of a GitHub Enterprise Server (see
// GitHubServerIssuer).
func NewGitHubServer(host string) (Provider, error) {
	return githubAt(GitHubServerIssuer(host))
}

func githubAt(iss string, err error) (Provider, error) {
	if err != nil {
		return nil, err
	}
	return NewGitHub(oidc.Issuer{URL: iss}), nil
}

func decodeGitHub(t *oidc.Token) (claims.Set, error) {
	c, err := claims.DecodeGitHubToken(t)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// isSlug accepts an enterprise slug: one path segment of letters, digits,
// "-" and "_", so it can neither add a segment nor climb out of one.
func isSlug(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
