package providers_test

import (
	"testing"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
)

func TestGitHubIssuers(t *testing.T) {
	t.Parallel()
	ok := []struct {
		name string
		got  func() (providers.Provider, error)
		want string
	}{
		{"enterprise", func() (providers.Provider, error) { return providers.NewGitHubEnterprise("octo-inc") }, "https://token.actions.githubusercontent.com/octo-inc"},
		{"enterprise mixed case", func() (providers.Provider, error) { return providers.NewGitHubEnterprise("Octo_Inc") }, "https://token.actions.githubusercontent.com/Octo_Inc"},
		{"ghe.com", func() (providers.Provider, error) { return providers.NewGitHubDataResidency("octocorp", "") }, "https://token.actions.octocorp.ghe.com"},
		{"ghe.com with slug", func() (providers.Provider, error) { return providers.NewGitHubDataResidency("octocorp", "octo-inc") }, "https://token.actions.octocorp.ghe.com/octo-inc"},
		{"server", func() (providers.Provider, error) { return providers.NewGitHubServer("github.example.com") }, "https://github.example.com/_services/token"},
		{"server with port", func() (providers.Provider, error) { return providers.NewGitHubServer("ghe.internal:8443") }, "https://ghe.internal:8443/_services/token"},
		{"server IPv4", func() (providers.Provider, error) { return providers.NewGitHubServer("10.0.0.7") }, "https://10.0.0.7/_services/token"},
	}
	for _, tt := range ok {
		p, err := tt.got()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		iss := p.Issuer()
		if p.Kind() != claims.KindGitHub || iss.URL != tt.want || iss.JWKSURL != "" || len(iss.Algorithms) != 1 || iss.Algorithms[0] != "RS256" || len(iss.Aliases) != 0 {
			t.Errorf("%s: %s %+v, want github at %s, discovery, RS256 only", tt.name, p.Kind(), iss, tt.want)
		}
	}

	slugs := []string{"", "a/b", "..", ".", "a.b", "a b", "a?b", "a#b", "a@b", "a%2fb", "a\\b", "é", "a\n", "https://x", string(make([]byte, 101))}
	for _, s := range slugs {
		if _, err := providers.GitHubEnterpriseIssuer(s); err == nil {
			t.Errorf("GitHubEnterpriseIssuer(%q) accepted", s)
		}
		if _, err := providers.GitHubDataResidencyIssuer("octocorp", s); err == nil && s != "" {
			t.Errorf("GitHubDataResidencyIssuer(octocorp, %q) accepted", s)
		}
	}
	for _, s := range []string{"", "Octocorp", "octo.corp", "octo/corp", "-octo", "octo-", "octo_corp", "octo corp", "evil.com#", "x:1", "é"} {
		if _, err := providers.GitHubDataResidencyIssuer(s, ""); err == nil {
			t.Errorf("GitHubDataResidencyIssuer(%q) accepted", s)
		}
	}
	for _, h := range []string{
		"", "https://ghe.example.com", "ghe.example.com/", "ghe.example.com/_services/token", "ghe.example.com?x",
		"ghe.example.com#x", "user@ghe.example.com", "GHE.example.com", "ghe..example.com", ".ghe.example.com",
		"ghe.example.com.", "ghe.example.com:", "ghe.example.com:0", "ghe.example.com:65536", "ghe.example.com:+80",
		"ghe.example.com:080", "ghe.example.com:80:80", "[::1]", "ghe example.com", "ghe.example.com\n", "-ghe.example.com",
	} {
		if iss, err := providers.GitHubServerIssuer(h); err == nil {
			t.Errorf("GitHubServerIssuer(%q) = %s, want an error", h, iss)
		}
		if _, err := providers.NewGitHubServer(h); err == nil {
			t.Errorf("NewGitHubServer(%q) accepted", h)
		}
	}
}
