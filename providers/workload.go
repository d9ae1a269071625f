package providers

import (
	"net/url"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"
	"github.com/trustpub/trustpub/internal/nilness"

	"github.com/trustpub/trustpub/claims"
)

// Workload implements Provider: the claims' own description (each claims
// type of package claims has a Workload(web string) method), given the
// provider's issuer URL and its web address:
//
//   - GitHub: https://github.com for github.com's issuer and its
//     enterprise-slug forms; https://<subdomain>.ghe.com for GHE.com's
//     https://token.actions.<subdomain>.ghe.com[/<slug>];
//     https://<host> for a GitHub Enterprise Server's
//     https://<host>/_services/token. An issuer of another form (a test
//     issuer) is taken to serve the web pages itself, as GitLab's does.
//   - GitLab: the issuer, which is the instance's URL.
//   - ActiveState: https://platform.activestate.com for its issuer; an
//     issuer of another form serves the pages itself.
//   - Buildkite: https://buildkite.com for its issuer
//     (https://agent.buildkite.com); an issuer of another form serves the
//     pages itself.
//   - CircleCI: https://app.circleci.com for its issuers (root and
//     organizations'); an issuer of another form serves the pages itself.
//   - Semaphore: the organization's issuer, https://<org>.semaphoreci.com.
//   - Google: none; Google's tokens name no web page.
//
// Claims of a type without such a method give the provider's kind, the
// issuer and, as Repository, their lookup key; nil claims give the first
// two.
func (p *provider) Workload(set claims.Set) claims.Workload {
	w := claims.Workload{Provider: p.kind}
	switch d := set.(type) {
	case interface{ Workload(string) claims.Workload }:
		if !nilness.Is(d) {
			w = d.Workload(webURL(p.kind, p.issuer.URL))
		}
	case nil:
	default:
		if !nilness.Is(set) {
			w.Provider, w.Repository = set.Provider(), set.LookupKey()
		}
	}
	w.Issuer = p.issuer.URL
	return w
}

// webURL is the address of the web pages of an issuer's provider; see
// Workload.
func webURL(kind claims.Kind, issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return ""
	}
	self := strings.TrimSuffix(issuer, "/")
	switch kind {
	case claims.KindGitHub:
		host := strings.ToLower(u.Host)
		if host == "token.actions.githubusercontent.com" {
			return "https://github.com"
		}
		if sub, ok := strings.CutPrefix(host, "token.actions."); ok {
			if sub, ok = strings.CutSuffix(sub, ".ghe.com"); ok && ident.Label(sub) {
				return "https://" + sub + ".ghe.com"
			}
		}
		if u.Path == "/_services/token" {
			return "https://" + u.Host
		}
		return self
	case claims.KindGitLab:
		return self
	case claims.KindActiveState:
		if u.Path == "/api/v1/oauth/oidc" {
			return "https://" + u.Host
		}
		return self
	case claims.KindCircleCI:
		if strings.EqualFold(u.Host, "oidc.circleci.com") {
			return "https://app.circleci.com"
		}
		return self
	case claims.KindSemaphore:
		return self // an organization's issuer is its web address
	case claims.KindBuildkite:
		if issuer == BuildkiteIssuer {
			return "https://buildkite.com"
		}
		return self
	}
	return ""
}
