package publisher

import (
	"fmt"
	"strings"

	"github.com/trustpub/trustpub/internal/ident"

	"github.com/trustpub/trustpub/claims"
)

// RefPattern matches a full git ref such as "refs/tags/v1.2.0" against a glob:
// "*" matches any run of characters other than "/", "**" matches any run
// including "/", everything else matches itself. The pattern is anchored at
// both ends. There are no regular expressions: a policy must read the same
// to every maintainer.
type RefPattern struct {
	src   string
	parts []string // literals, with "*" and "**" as their own elements
}

// maxWildcards bounds a pattern's wildcards, and with the length caps on
// patterns and refs, the cost of a match.
const maxWildcards = 8

// ParseRefPattern validates and compiles a pattern. It must start with
// "refs/" and may not contain "?", "[", "]", "{", "}", "\", spaces, control
// characters or "***".
func ParseRefPattern(pattern string) (RefPattern, error) {
	switch {
	case !strings.HasPrefix(pattern, "refs/"):
		return RefPattern{}, fmt.Errorf("ref pattern %q must start with refs/", pattern)
	case strings.ContainsAny(pattern, "?[]{}\\ ") || ident.HasControl(pattern):
		return RefPattern{}, fmt.Errorf("ref pattern %q: only * and ** are special; ?, [, ], {, }, \\, spaces and control characters are not allowed", pattern)
	case strings.Contains(pattern, "***"):
		return RefPattern{}, fmt.Errorf("ref pattern %q: *** is ambiguous", pattern)
	case len(pattern) > 1024:
		return RefPattern{}, fmt.Errorf("ref pattern too long")
	}
	p := RefPattern{src: pattern}
	wild := 0
	for rest := pattern; rest != ""; {
		i := strings.IndexByte(rest, '*')
		switch {
		case i < 0:
			p.parts = append(p.parts, rest)
			rest = ""
		case i > 0:
			p.parts = append(p.parts, rest[:i])
			rest = rest[i:]
		case strings.HasPrefix(rest, "**"):
			p.parts = append(p.parts, "**")
			rest = rest[2:]
			wild++
		default:
			p.parts = append(p.parts, "*")
			rest = rest[1:]
			wild++
		}
	}
	if wild > maxWildcards {
		return RefPattern{}, fmt.Errorf("ref pattern %q has more than %d wildcards", pattern, maxWildcards)
	}
	return p, nil
}

// String returns the pattern as written.
func (p RefPattern) String() string { return p.src }

// maxRef bounds the refs Match considers; longer ones never match.
const maxRef = 4096

// Match reports whether ref matches the whole pattern. It runs in
// O(len(ref) × len(pattern)) at worst; with both lengths capped, tens of
// microseconds, so no pattern can be made slow.
func (p RefPattern) Match(ref string) bool {
	if len(p.parts) == 0 || len(ref) > maxRef {
		return false
	}
	// ok[j] reports whether the parts so far can end at ref[:j].
	ok := make([]bool, len(ref)+1)
	next := make([]bool, len(ref)+1)
	ok[0] = true
	for _, part := range p.parts {
		clear(next)
		switch part {
		case "**": // from the first reachable position on, anything
			on := false
			for k := range next {
				on = on || ok[k]
				next[k] = on
			}
		case "*": // like "**", but a "/" ends the run
			on := false
			for k := range next {
				on = ok[k] || on && ref[k-1] != '/'
				next[k] = on
			}
		default:
			for j, reach := range ok {
				if reach && strings.HasPrefix(ref[j:], part) {
					next[j+len(part)] = true
				}
			}
		}
		ok, next = next, ok
	}
	return ok[len(ref)]
}

// MarshalText implements encoding.TextMarshaler.
func (p RefPattern) MarshalText() ([]byte, error) { return []byte(p.src), nil }

// UnmarshalText implements encoding.TextUnmarshaler, validating the pattern.
func (p *RefPattern) UnmarshalText(b []byte) error {
	q, err := ParseRefPattern(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// anyMatch reports whether ref matches one of the patterns.
func anyMatch(pats []RefPattern, ref string) bool {
	for _, p := range pats {
		if p.Match(ref) {
			return true
		}
	}
	return false
}

// patternList names the patterns for an explanation.
func patternList(pats []RefPattern) string {
	s := make([]string, len(pats))
	for i, p := range pats {
		s[i] = p.String()
	}
	return "a ref matching " + strings.Join(s, " or ")
}

// validRefs checks a policy's refs field: absent (nil) allows every ref,
// but an empty list or a zero pattern would read as a rule that is not
// one, so both are errors.
func validRefs(kind claims.Kind, refs []RefPattern) error {
	if refs != nil && len(refs) == 0 {
		return policyError(kind, "refs", "an empty list would allow no ref; omit it to allow any")
	}
	for i, r := range refs {
		if r.String() == "" {
			return policyError(kind, "refs", "pattern %d is empty; build patterns with ParseRefPattern", i)
		}
	}
	return nil
}
