// Package quote makes strings from tokens safe to put in error messages and
// logs: claim values are chosen by whoever controls a workflow (a branch
// name, an environment) or, for a hostile issuer, by anyone. A newline in
// one must not forge a log line, and an 8 KB one must not be echoed whole.
package quote

import (
	"strconv"
	"unicode/utf8"
)

// Limit is the most bytes of a value a message shows. It keeps the values
// registries see in practice whole (GitHub's owner/repo alone may be 140
// bytes, a workflow ref with a long branch name more) and bounds the rest.
const Limit = 200

// Value returns s as strconv.Quote writes it (control characters, invalid
// UTF-8 and other non-printable runes escaped), cut first to Limit bytes on
// a rune boundary. A cut value is followed, outside the quotes, by "…" and
// its length, so a shown prefix is never mistaken for the whole value:
//
//	"aaaa…aaaa"… (8192 bytes)
func Value(s string) string {
	cut := clip(s)
	q := strconv.Quote(cut)
	if len(cut) < len(s) {
		q += "… (" + strconv.Itoa(len(s)) + " bytes)"
	}
	return q
}

// Text is Value without the quotes, for a message's own wording that may
// embed values (a publisher's expectation built from the token's ref), and
// for structured logs whose handler quotes strings itself. A string of
// printable characters comes back unchanged when it fits in Limit.
func Text(s string) string {
	cut := clip(s)
	q := cut
	if !printable(cut) {
		q = strconv.Quote(cut)
		q = q[1 : len(q)-1]
	}
	if len(cut) < len(s) {
		q += "… (" + strconv.Itoa(len(s)) + " bytes)"
	}
	return q
}

// clip cuts s to at most Limit bytes, backing up to a rune boundary (for
// invalid UTF-8, at most UTFMax-1 bytes, then cutting anyway: the quoting
// escapes what is left of the sequence).
func clip(s string) string {
	if len(s) <= Limit {
		return s
	}
	for i := Limit; i > Limit-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i]
		}
	}
	return s[:Limit]
}

// printable reports whether strconv.Quote would leave s as it is.
func printable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r == '"' || r == '\\' || !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}
