// Package ident checks the identifiers that claims and policies are made of:
// names, numeric ids, host names and issuer URLs.
//
// Everything here is ASCII only, on purpose: names are lower-cased for
// lookups and compared case-insensitively, and Unicode case folding (the
// Kelvin sign "K" folds to "k") must never make two different names equal.
package ident

import (
	"strconv"
	"strings"
)

// FoldEqual reports whether a and b are equal with ASCII letters compared
// case-insensitively; every other byte must be identical.
func FoldEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Digits reports whether s is one or more ASCII digits.
func Digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ID reports whether s is a numeric id as providers write it: 1 to 20
// digits without a leading zero, so "0123" can be neither registered nor
// matched.
func ID(s string) bool {
	return len(s) <= 20 && Digits(s) && (s[0] != '0' || len(s) == 1)
}

// Name reports whether s is 1 to max ASCII letters, digits and "-_.", and
// not "." or "..".
func Name(s string, max int) bool {
	if s == "" || len(s) > max || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Path reports whether s is at most max bytes of "/"-separated Names.
func Path(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for seg := range strings.SplitSeq(s, "/") {
		if !Name(seg, max) {
			return false
		}
	}
	return true
}

// HasControl reports whether s holds an ASCII control character.
func HasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// Label reports whether s is one lower-case DNS label. Lower case only: iss
// is compared exactly, and providers write host names in lower case.
func Label(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// HostPort reports whether s is dot-separated Labels with an optional port
// written canonically (no sign, no leading zero, 1 to 65535).
func HostPort(s string) bool {
	name, port, hasPort := strings.Cut(s, ":")
	if hasPort {
		// Digits without a leading zero (ID): one spelling per port, and no
		// round trip through strconv.Itoa, which allocates, while the
		// verifier validates policies for every token.
		if len(port) > 5 || !ID(port) {
			return false
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return false
		}
	}
	if name == "" || len(name) > 253 {
		return false
	}
	for l := range strings.SplitSeq(name, ".") {
		if !Label(l) {
			return false
		}
	}
	return true
}

// IssuerURL reports whether s is https://host[:port][/segment…]: a
// lower-case host, path segments of URL-safe characters, and no ".", "..",
// empty segment, query, fragment, user or trailing slash. The iss claim is
// compared exactly, so anything else could only fail to match, or confuse.
func IssuerURL(s string) bool {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok || len(s) > 1024 {
		return false
	}
	host, path, hasPath := strings.Cut(rest, "/")
	if !HostPort(host) {
		return false
	}
	if !hasPath {
		return true
	}
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
				return false
			}
		}
	}
	return true
}
