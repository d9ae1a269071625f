package quote

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValue(t *testing.T) {
	long := strings.Repeat("a", 8192)
	for _, tc := range []struct {
		name, in, value, text string
	}{
		{"plain", "octo-org/hello", `"octo-org/hello"`, "octo-org/hello"},
		{"empty", "", `""`, ""},
		{"newline", "main\nINFO accepted", `"main\nINFO accepted"`, `main\nINFO accepted`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`, `a\"b\\c`},
		{"bidi override", "a\u202eb", `"a\u202eb"`, `a\u202eb`},
		{"invalid UTF-8", "a\xffb", `"a\xffb"`, `a\xffb`},
		{"printable unicode", "café", `"café"`, "café"},
		{"exactly the limit", long[:Limit], `"` + long[:Limit] + `"`, long[:Limit]},
		{"8 KB", long, `"` + long[:Limit] + `"… (8192 bytes)`, long[:Limit] + "… (8192 bytes)"},
		// é is two bytes; the limit falls between them.
		{"cut on a rune boundary", long[:Limit-1] + "é", `"` + long[:Limit-1] + `"… (201 bytes)`, long[:Limit-1] + "… (201 bytes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Value(tc.in); got != tc.value {
				t.Errorf("Value = %s, want %s", got, tc.value)
			}
			if got := Text(tc.in); got != tc.text {
				t.Errorf("Text = %s, want %s", got, tc.text)
			}
		})
	}
}

// TestNeverRaw: whatever the input, the output holds no control character,
// is valid UTF-8 and is bounded.
func TestNeverRaw(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("\n", 5000),
		strings.Repeat("é", 5000),
		strings.Repeat("\xff", 5000),
		strings.Repeat("\x80", 5000), // continuation bytes only: no rune boundary to back up to
		strings.Repeat("\u2028", 5000),
	} {
		for name, out := range map[string]string{"Value": Value(in), "Text": Text(in)} {
			if strings.ContainsFunc(out, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u2028' }) || !utf8.ValidString(out) {
				t.Errorf("%s(%.10q…) = %.40q… holds a raw control character or invalid UTF-8", name, in, out)
			}
			if len(out) > 4*Limit+40 {
				t.Errorf("%s(%.10q…) is %d bytes long", name, in, len(out))
			}
		}
	}
}
