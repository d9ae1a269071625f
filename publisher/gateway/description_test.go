package gateway

import "testing"

// An error_description holds only what RFC 6750 allows: no quote or
// backslash that would end or escape the parameter, no control character
// that would split the header, nothing beyond ASCII.
func TestDescription(t *testing.T) {
	for in, want := range map[string]string{
		"The token has expired; request a new one.": "The token has expired; request a new one.",
		`say "hi" \ bye`:              `say 'hi' / bye`,
		"line\r\nWWW-Authenticate: x": "line??WWW-Authenticate: x",
		"café\x7f":                    "caf??",
	} {
		if got := description(in); got != want {
			t.Errorf("description(%q) = %q, want %q", in, got, want)
		}
	}
}
