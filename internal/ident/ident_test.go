package ident

import "testing"

func TestIdent(t *testing.T) {
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
