package exchange

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trustpub/trustpub/publisher"
)

// The explanation quotes the token's values, bounds the publishers it
// lists and its length, and never names a publisher's id.
func TestExplainBounds(t *testing.T) {
	nm := &publisher.NoMatchError{Issuer: "https://token.actions.githubusercontent.com", Key: "octo-org/hello\nforged: line"}
	for i := range 8 {
		m := publisher.Mismatch{Rule: "environment", Claim: "environment", Want: "release", Got: strings.Repeat("é", 300) + "\r\n"}
		nm.Rejected = append(nm.Rejected, publisher.Rejection{ID: "secret-id-" + string(rune('a'+i)), Mismatches: []publisher.Mismatch{m, m, m}})
	}
	msg := explain("hello", nm)
	switch {
	case len(msg) > maxExplanation || !utf8.ValidString(msg):
		t.Errorf("%d bytes, valid UTF-8 %v", len(msg), utf8.ValidString(msg))
	case strings.ContainsAny(msg, "\r\n"):
		t.Errorf("a line break: %q", msg)
	case strings.Contains(msg, "secret-id"):
		t.Errorf("a publisher id: %q", msg)
	case !strings.HasSuffix(msg, "…"):
		t.Errorf("not marked as cut: %q", msg)
	case !strings.Contains(msg, `"octo-org/hello\nforged: line"`):
		t.Errorf("the key is not quoted: %q", msg)
	}

	nm.Rejected = nm.Rejected[:7]
	for i := range nm.Rejected {
		nm.Rejected[i].Mismatches = []publisher.Mismatch{{Rule: "workflow", Claim: "workflow_ref", Want: "release.yml", Got: "x"}}
	}
	nm.Rejected[1] = publisher.Rejection{ID: "bad", Err: publisher.ErrPolicy}
	msg = explain("hello", nm)
	if !strings.HasSuffix(msg, "; and 2 more.") || strings.Count(msg, "publisher expects") != 4 ||
		!strings.Contains(msg, "publisher 2 of 7: its registration is invalid, ask the registry;") {
		t.Errorf("%q", msg)
	}

	nm.Rejected = nil
	if got, want := explain("@octo/hello", nm), `No trusted publisher of "@octo/hello" is registered for "octo-org/hello\nforged: line" on https://token.actions.githubusercontent.com.`; got != want {
		t.Errorf("explain = %q, want %q", got, want)
	}
}

func TestValidNPMName(t *testing.T) {
	for name, want := range map[string]bool{
		"hello": true, "@octo/hello": true, "hello-world.js": true, "a": true, "JSONStream": true,
		"@types/node": true, "lodash.get": true, "~tilde": true, "it's(ok)!*": true,
		strings.Repeat("a", 214): true, strings.Repeat("a", 215): false,
		"": false, ".hidden": false, "_private": false, "@octo/.x": false, "@_octo/x": false,
		"node_modules": false, "favicon.ico": false, "hello world": false, "hello/world": false,
		"@octo": false, "@octo/": false, "@/hello": false, "@octo/a/b": false, "@@octo/a": false,
		"héllo": false, "hello%2f": false, "a\nb": false, "a:b": false, "a?b": false, "a#b": false,
	} {
		if got := ValidNPMName(name); got != want {
			t.Errorf("ValidNPMName(%q) = %v, want %v", name, got, want)
		}
	}
}
