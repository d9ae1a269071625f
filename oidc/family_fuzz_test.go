package oidc_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/trustpub/trustpub/oidc"
)

// FuzzFamilyMember: whatever iss a family accepts, its URL has the
// family's own host (for a name within the path) or the name plus the
// family's domain (for a name within the host), with no port, user,
// query or fragment, and a path that is the family's plus the name: a
// member can never point the key cache anywhere else.
func FuzzFamilyMember(f *testing.F) {
	path := oidc.Family{Prefix: "https://oidc.example.com/org/", Suffix: "/keys", Name: func(string) bool { return true }}
	label := oidc.Family{Prefix: "https://", Suffix: ".ci.example.com", Name: func(string) bool { return true }}
	for _, s := range []string{"https://oidc.example.com/org/acme/keys", "https://acme.ci.example.com",
		"https://a.b.ci.example.com", "https://oidc.example.com/org/a/b/keys", "https://x@acme.ci.example.com",
		"https://acme.ci.example.com:1", "https://oidc.example.com/org/%2e%2e/keys", "https://ACME.ci.example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, iss string) {
		if name, ok := path.Member(iss); ok {
			u, err := url.Parse(iss)
			if err != nil || u.Scheme != "https" || u.Host != "oidc.example.com" || u.User != nil || u.RawQuery != "" ||
				u.Fragment != "" || u.Path != "/org/"+name+"/keys" || u.RawPath != "" || !oidc.MemberName(name) {
				t.Fatalf("path family accepted %q (name %q): %+v, %v", iss, name, u, err)
			}
		}
		if name, ok := label.Member(iss); ok {
			u, err := url.Parse(iss)
			if err != nil || u.Scheme != "https" || u.Host != name+".ci.example.com" || u.Port() != "" || u.User != nil ||
				u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.Contains(name, ".") || !oidc.MemberName(name) {
				t.Fatalf("label family accepted %q (name %q): %+v, %v", iss, name, u, err)
			}
		}
	})
}
