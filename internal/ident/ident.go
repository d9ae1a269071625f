// Package ident checks the identifiers that claims and policies are made of:
// names, numeric ids, host names, issuer URLs, and the names each provider
// allows for its paths and environments.
//
// Everything here is ASCII only, on purpose: names are lower-cased for
// lookups and compared case-insensitively, and Unicode case folding (the
// Kelvin sign "K" folds to "k") must never make two different names equal.
// The one exception is GitHubEnvironment, since GitHub allows environment
// names in any script; they are still compared folding ASCII only.
package ident

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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

// CommitSHA reports whether s is a git commit id as GitHub writes it: 40
// lower-case hexadecimal digits.
func CommitSHA(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
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

// GitLabNamespace reports whether s is the full path of a GitLab group or
// user: at most 21 "/"-separated segments (a top-level group and 20 levels
// of subgroups), each a GitLab path segment that does not end in ".".
func GitLabNamespace(s string) bool {
	if s == "" || strings.Count(s, "/") > 20 {
		return false
	}
	for seg := range strings.SplitSeq(s, "/") {
		if !gitlabSegment(seg) || strings.HasSuffix(seg, ".") {
			return false
		}
	}
	return true
}

// GitLabProject reports whether s is a GitLab project's path within its
// namespace: one GitLab path segment.
func GitLabProject(s string) bool { return gitlabSegment(s) }

// gitlabSegment applies the rules GitLab has always enforced on a path
// segment: 1 to 255 ASCII letters, digits and "_.-", not starting with
// "-", not ending in ".git" or ".atom", and not "." or "..". GitLab now
// also refuses, in new paths only, a special character at either end or
// two in a row; existing paths keep them and their tokens carry them, so
// they are accepted here.
func gitlabSegment(s string) bool {
	return Name(s, 255) && s[0] != '-' && !strings.HasSuffix(s, ".git") && !strings.HasSuffix(s, ".atom")
}

// GitLabEnvironment reports whether s can name a GitLab environment: 1 to
// 255 ASCII letters, digits, spaces and "-_/${}.", not starting or ending
// with "/" (GitLab's rule) nor with a space (trimmed by YAML, never sent).
func GitLabEnvironment(s string) bool {
	if s == "" || len(s) > 255 || s[0] == '/' || s[len(s)-1] == '/' || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_/${}. ", c) >= 0) {
			return false
		}
	}
	return true
}

// GitHubEnvironment reports whether s can name a GitHub environment: 1 to
// 255 characters of valid UTF-8, without control characters or white
// space at either end.
func GitHubEnvironment(s string) bool {
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > 255 || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// UUID reports whether s is a UUID in its 8-4-4-4-12 hexadecimal form, in
// either case. The version and variant bits are not checked: providers
// issue version 4 and version 7 ids alike.
func UUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// BuildkiteSlug reports whether s can be a Buildkite organization's or
// pipeline's slug: 1 to 255 ASCII letters, digits and "-_.", not "." or
// "..". Buildkite writes lower-case letters, digits and "-"; the wider set
// only refuses what could shift the parts of a token's sub
// (organization:<org>:pipeline:<pipeline>:…) or of a lookup key
// (<org>/<pipeline>).
func BuildkiteSlug(s string) bool { return Name(s, 255) }

// LowerUUID is UUID in lower case only, as CircleCI and Semaphore write
// their ids: an id compared exactly, or part of an issuer URL, must have
// one spelling.
func LowerUUID(s string) bool { return UUID(s) && strings.ToLower(s) == s }
