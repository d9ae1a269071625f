package ident

import (
	"strings"
	"testing"
)

func TestIdent(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		f    func(string) bool
		ok   []string
		bad  []string
	}{
		{"FoldEqual octo-org", func(s string) bool { return FoldEqual(s, "octo-org") },
			[]string{"octo-org", "Octo-ORG"}, []string{"octo-or", "octo_org", "octo-or\u212a"}},
		{"ID", ID, []string{"0", "9919", "12345678901234567890"},
			[]string{"", "09919", "-1", "1.0", "+1", "123456789012345678901", "1 "}},
		{"Name", func(s string) bool { return Name(s, 10) },
			[]string{"a", "A.b-c_d", "..."}, []string{"", ".", "..", "a/b", "a b", "\u212aelvin", "elevenchars"}},
		{"Path", func(s string) bool { return Path(s, 20) },
			[]string{"a", "a/b/c"}, []string{"", "/a", "a/", "a//b", "a/../b", "a/./b", "a/b c"}},
		{"CommitSHA", CommitSHA, []string{"8b42ec0b6b973f5465ddc4e667cee9ba26aeabb5", strings.Repeat("0", 40)},
			[]string{"", "8b42ec0", "8B42EC0B6B973F5465DDC4E667CEE9BA26AEABB5", "8b42ec0b6b973f5465ddc4e667cee9ba26aeabb5a",
				"zb42ec0b6b973f5465ddc4e667cee9ba26aeabb5", "8b42ec0b6b973f5465ddc4e667cee9ba26aeabb"}},
		{"GitLabNamespace", GitLabNamespace,
			[]string{"a", "octo-group", "Octo.Group/sub_1/x-y", "_private", "a--b", "a_", ".hidden", "foo.gitx", strings.Repeat("a/", 20) + "a",
				strings.Repeat("n", 255)},
			[]string{"", "-a", "a/-b", "a.", "a/b.", "a.git", "a/b.atom", "a b", "a//b", "/a", "a/", ".", "a/..", "é", "a@b",
				strings.Repeat("a/", 21) + "a", strings.Repeat("n", 256)}},
		{"GitLabProject", GitLabProject,
			[]string{"hello-world", "Hello.World", "_x", "x_", "a..b", ".gitlab", "v1.", "x.GIT"},
			[]string{"", "-x", "a/b", "x.git", "x.atom", ".", "..", "a b", "a+b", strings.Repeat("p", 256)}},
		{"GitLabEnvironment", GitLabEnvironment,
			[]string{"production", "review/feature-1", "Staging 2", "${CI_COMMIT_REF_SLUG}", "a.b_c$d", strings.Repeat("e", 255)},
			[]string{"", "/prod", "prod/", " prod", "prod ", "prod:eu", "préprod", "a\tb", "a\nb", "a@b", "a#b", strings.Repeat("e", 256)}},
		{"GitHubEnvironment", GitHubEnvironment,
			[]string{"pypi", "Production", "prod: eu/1 (main)", "préprod", "\u212aube", strings.Repeat("é", 255)},
			[]string{"", " pypi", "pypi ", "a\nb", "a\x00b", "a\u0085b", "\xff", strings.Repeat("e", 256)}},
		{"UUID", UUID, []string{"0184990a-477b-4fa8-9968-496074483cee", "0194B014-8517-7CEF-B232-76A827315F08", "00000000-0000-0000-0000-000000000000"},
			[]string{"", "0184990a477b4fa89968496074483cee", "0184990a-477b-4fa8-9968-496074483k77", "0184990a-477b-4fa8-9968-496074483ce",
				"0184990a-477b-4fa8-9968-496074483ceee", "{0184990a-477b-4fa8-9968-496074483cee}", "0184990a_477b-4fa8-9968-496074483cee",
				"0184990a-477b-4fa8-99684-96074483cee", " 184990a-477b-4fa8-9968-496074483cee"}},
		{"BuildkiteSlug", BuildkiteSlug, []string{"acme-inc", "super-duper-app", "a", "A_b.c", strings.Repeat("s", 255)},
			[]string{"", ".", "..", "acme:inc", "acme/inc", "acme inc", "acme\ninc", "acmé", strings.Repeat("s", 256)}},
		{"LowerUUID", LowerUUID, []string{"a64b0a19-f221-4291-b000-8d24bd842b72", "17c50866-1802-5aeb-874e-7f4dfce1b6b5", "00000000-0000-0000-0000-000000000000"},
			[]string{"", "A64B0A19-F221-4291-B000-8D24BD842B72", "a64b0a19-f221-4291-b000-8d24bd842b7", "a64b0a19-f221-4291-b000-8d24bd842b722",
				"a64b0a19f221-4291-b000-8d24bd842b72-", "a64b0a19-f221-4291-b000_8d24bd842b72", "g64b0a19-f221-4291-b000-8d24bd842b72",
				"{a64b0a19-f221-4291-b000-8d24bd842b72}", "a64b0a19f2214291b0008d24bd842b72", "a64b0a19-f221-4291-b000-8d24bd842b7\u00e9"}},
		{"HasControl", HasControl, []string{"a\nb", "\x7f", "\x00"}, []string{"", "abc", "é"}},
		{"HostPort", HostPort, []string{"example.com", "ghe.example.com:8443", "127.0.0.1:1", "a.com:65535", "a.com:10"},
			[]string{"", "Example.com", "a..b", "-a.com", "a-.com", "a.com:", "a.com:0", "a.com:080", "a.com:+80", "a.com:65536",
				"a.com:99999", "a.com:100000", "a.com:00", "a.com:-1", "a.com: 80", "a_b.com", "[::1]"}},
		{"IssuerURL", IssuerURL, []string{"https://gitlab.com", "https://token.actions.githubusercontent.com/acme", "https://h:8443/_services/token"},
			[]string{"http://gitlab.com", "https://gitlab.com/", "https://GitLab.com", "https://gitlab.com?x", "https://gitlab.com#x",
				"https://u@gitlab.com", "https://gitlab.com//x", "https://gitlab.com/../x", "https://gitlab.com/a b", "gitlab.com"}},
	} {
		for _, s := range c.ok {
			if !c.f(s) {
				t.Errorf("%s(%q) = false, want true", c.name, s)
			}
		}
		for _, s := range c.bad {
			if c.f(s) {
				t.Errorf("%s(%q) = true, want false", c.name, s)
			}
		}
	}
}
