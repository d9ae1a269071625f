package publisher_test

import (
	"strings"
	"testing"
	"time"

	"github.com/trustpub/trustpub/publisher"
)

func TestRefPatternMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{"refs/tags/v*",
			[]string{"refs/tags/v1", "refs/tags/v1.2.0", "refs/tags/v"},
			[]string{"refs/tags/v1/x", "refs/tags/x1", "refs/heads/v1", "xrefs/tags/v1", "refs/tags/V1", "refs/tags/", ""}},
		{"refs/heads/**",
			[]string{"refs/heads/main", "refs/heads/release/v1", "refs/heads/a/b/c"},
			[]string{"refs/tags/main", "refs/heads", "refs/pull/1/merge"}},
		{"refs/heads/main",
			[]string{"refs/heads/main"},
			[]string{"refs/heads/main2", "refs/heads/mai", "refs/heads/main/x", "Refs/heads/main", "refs/heads/Main", "refs/heads/main "}},
		{"refs/heads/release/*",
			[]string{"refs/heads/release/v1", "refs/heads/release/"},
			[]string{"refs/heads/release/v1/hotfix", "refs/heads/release", "refs/heads/releases/v1"}},
		{"refs/tags/v*.*.*",
			[]string{"refs/tags/v1.2.3", "refs/tags/v10.0.0-rc.1"},
			[]string{"refs/tags/v1.2", "refs/tags/v1/2.3.4"}},
		{"refs/*/main",
			[]string{"refs/heads/main", "refs/tags/main"},
			[]string{"refs/heads/x/main", "refs/heads/mainx"}},
		{"refs/**/main",
			[]string{"refs/heads/main", "refs/heads/x/y/main", "refs//main"},
			[]string{"refs/heads/main/x", "refs/heads/xmain"}},
		{"refs/tags/*-stable",
			[]string{"refs/tags/1.0-stable", "refs/tags/-stable"},
			[]string{"refs/tags/1.0-stable/x", "refs/tags/1.0-stablex", "refs/tags/a/b-stable"}},
		{"refs/**",
			[]string{"refs/heads/main", "refs/", "refs/pull/27/merge"},
			[]string{"ref/heads/main", "", " refs/heads/main"}},
	}
	for _, tt := range tests {
		p, err := publisher.ParseRefPattern(tt.pattern)
		if err != nil {
			t.Fatalf("ParseRefPattern(%q): %v", tt.pattern, err)
		}
		if p.String() != tt.pattern {
			t.Errorf("String() = %q, want %q", p.String(), tt.pattern)
		}
		for _, ref := range tt.match {
			if !p.Match(ref) {
				t.Errorf("%q does not match %q", tt.pattern, ref)
			}
		}
		for _, ref := range tt.miss {
			if p.Match(ref) {
				t.Errorf("%q matches %q", tt.pattern, ref)
			}
		}
	}
}

func TestRefPatternInvalid(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		"", "v*", "heads/main", "/refs/heads/main", "refs/tags/v?", "refs/tags/v[0-9]", "refs/tags/{a,b}",
		"refs/tags/v\\*", "refs/***", "refs/heads/my branch", "refs/heads/a\tb", "refs/heads/a\nb", "refs/heads/a\rb",
		"refs/heads/\x00", "refs/heads/\x7f", "refs/" + strings.Repeat("*/", 9), "refs/" + strings.Repeat("a", 1100),
	} {
		if p, err := publisher.ParseRefPattern(bad); err == nil {
			t.Errorf("ParseRefPattern(%q) = %v, want an error", bad, p)
		}
	}
	var p publisher.RefPattern
	if err := p.UnmarshalText([]byte("refs/tags/v?")); err == nil {
		t.Error("UnmarshalText accepted an invalid pattern")
	}
	if p.Match("") || p.Match("refs/heads/main") {
		t.Error("the zero RefPattern matches")
	}
}

func TestRefPatternText(t *testing.T) {
	t.Parallel()
	var p publisher.RefPattern
	if err := p.UnmarshalText([]byte("refs/tags/v*")); err != nil {
		t.Fatal(err)
	}
	b, err := p.MarshalText()
	if err != nil || string(b) != "refs/tags/v*" {
		t.Errorf("MarshalText = %q, %v", b, err)
	}
	if !p.Match("refs/tags/v2") {
		t.Error("unmarshalled pattern does not match")
	}
}

// TestRefPatternLinear: the most wildcards against the longest ref stays
// fast (matching is linear in the ref per part), and longer refs never match.
func TestRefPatternLinear(t *testing.T) {
	t.Parallel()
	p, err := publisher.ParseRefPattern("refs/**a**a**a**a**a**a**a**b")
	if err != nil {
		t.Fatal(err)
	}
	ref := "refs/" + strings.Repeat("a", 4000)
	start := time.Now()
	for range 100 {
		if p.Match(ref) {
			t.Fatal("matched a ref without b")
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("100 matches took %v", d)
	}
	if !p.Match(ref[:len(ref)-1] + "b") {
		t.Error("did not match a ref ending in b")
	}
	long, _ := publisher.ParseRefPattern("refs/**")
	if long.Match("refs/" + strings.Repeat("a", 5000)) {
		t.Error("a ref over 4096 bytes matched")
	}
}
