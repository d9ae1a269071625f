package publisher

import (
	"errors"
	"fmt"
	"strings"

	"github.com/trustpub/trustpub/internal/quote"
)

// Sentinels for the rejections this package adds to those of package oidc
// (which Verify passes through unchanged) and package claims.
var (
	// ErrNoPublisher: the token is valid but satisfies no registered
	// publisher. The error is a *NoMatchError that says why.
	ErrNoPublisher = errors.New("no trusted publisher matches the token")
	// ErrClaims: the token's claims are missing or malformed for its provider.
	ErrClaims = errors.New("token claims invalid")
	// ErrStore: the publisher store failed; the token was not accepted.
	ErrStore = errors.New("publisher store unavailable")
	// ErrPolicy: a policy is not valid.
	ErrPolicy = errors.New("invalid publisher policy")
)

// Mismatch is one rule of a policy that the token failed.
type Mismatch struct {
	Rule  string // the rule failed, e.g. "workflow"; ClaimRule.Rule lists the names
	Claim string // the claim read, e.g. "workflow_ref"
	Want  string // what the publisher expects
	Got   string // what the token carries ("" when the claim is absent)
}

// String explains the mismatch to the maintainer who must fix their setup.
// What the token carries is quoted and clipped; what the publisher expects,
// the registry's own wording, is clipped and has control characters escaped
// (it may embed the token's ref).
func (m Mismatch) String() string {
	got := "no " + m.Claim
	if m.Got != "" {
		got = quote.Value(m.Got)
	}
	return fmt.Sprintf("%s: the publisher expects %s, the token was issued to %s (claim %s)", m.Rule, quote.Text(m.Want), got, m.Claim)
}

// Rejection is why one registered publisher did not match.
type Rejection struct {
	ID         string     // the registered publisher's identifier (Registered.ID)
	Mismatches []Mismatch // every rule of its policy the token failed
	// Err, when set, is why the registered policy itself is invalid (a
	// store returned a policy that fails Validate); it matches nothing.
	Err error
}

// NoMatchError reports a valid token that no registered publisher accepts.
type NoMatchError struct {
	Issuer string // the token's issuer
	Key    string // the workload publishers were looked up by
	// Package is the package verification was limited to
	// (Verifier.VerifyPackage); empty for Verify.
	Package string
	// Rejected lists every candidate and why it failed; empty when none is
	// registered. Limited to a package, only that package's publishers are
	// candidates: the error never names another package's publisher.
	Rejected []Rejection
}

// Error implements error, listing every rejected candidate and why. The
// lookup key (from the token), the package and publisher ids are quoted and
// clipped.
func (e *NoMatchError) Error() string {
	of := ""
	if e.Package != "" {
		of = " of package " + quote.Value(e.Package)
	}
	if len(e.Rejected) == 0 {
		return fmt.Sprintf("publisher: no trusted publisher%s is registered for %s on issuer %s", of, quote.Value(e.Key), e.Issuer)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "publisher: no trusted publisher%s for %s on issuer %s matches the token", of, quote.Value(e.Key), e.Issuer)
	for _, r := range e.Rejected {
		fmt.Fprintf(&b, "; publisher %s: ", quote.Value(r.ID))
		if r.Err != nil {
			fmt.Fprintf(&b, "the registered policy is invalid (%v)", r.Err)
			continue
		}
		for i, m := range r.Mismatches {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.String())
		}
	}
	return b.String()
}

// Unwrap returns ErrNoPublisher.
func (e *NoMatchError) Unwrap() error { return ErrNoPublisher }
