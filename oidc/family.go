package oidc

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trustpub/trustpub/internal/quote"
)

// Family is an open-ended set of issuers of one form, one per tenant:
// CircleCI's https://oidc.circleci.com/org/<organization id>, Semaphore's
// https://<organization>.semaphoreci.com. Each member is its own trust
// domain: an issuer of its own, with its own keys, found by discovery at
// the member's URL under every rule of the key cache.
//
// Anyone can send a token naming a member that does not exist, so a
// verifier never fetches keys for a member Admit has not admitted.
type Family struct {
	// Prefix and Suffix surround a member's name in its issuer URL: an iss
	// value is a member when it is Prefix + name + Suffix and Name accepts
	// the name. Prefix is "https://" followed by a host (and maybe a path)
	// or by nothing, when the name is the first label of the host.
	Prefix, Suffix string
	// Name accepts the name of a member: a UUID, one DNS label… Required.
	// Whatever it accepts, a name is also held to MemberName's form, so
	// that it cannot add a path, a port, user information or a query to
	// the member's URL.
	Name func(name string) bool
	// Algorithms is the allow-list of JWS algorithms. Default: RS256 only.
	Algorithms []string
	// MaxLifetime, when set, caps exp - iat for the members' tokens in
	// place of Config.MaxLifetime, as Issuer.MaxLifetime does.
	MaxLifetime time.Duration
	// Admit reports whether the member of issuer URL iss may be trusted:
	// whether some registered publisher (or an allow-list) names it.
	// Verify asks it after the token's cheap checks and before any key is
	// looked for; a member it does not admit is refused with ErrIssuer and
	// nothing is fetched. An error (the store behind it is down) fails the
	// token with ErrKeysUnavailable, wrapping that error too. Required: a family whose members
	// would all be admitted would let any stranger make the verifier fetch
	// from made-up URLs.
	Admit func(ctx context.Context, iss string) (bool, error)
}

// MaxMemberName bounds the length of a member's name in a family issuer.
const MaxMemberName = 63

// MemberName reports whether name has the form every family member's name
// must have, whatever the family: 1 to MaxMemberName lower-case letters,
// digits and inner hyphens. It fits a UUID and a DNS label, and leaves no
// room for "/", ".", ":", "@", "%", "?" or "#".
func MemberName(name string) bool {
	if name == "" || len(name) > MaxMemberName || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Member returns the name of the member whose issuer URL is iss, if iss is
// one of the family's.
func (f *Family) Member(iss string) (string, bool) {
	if f == nil || f.Name == nil || len(iss) <= len(f.Prefix)+len(f.Suffix) ||
		!strings.HasPrefix(iss, f.Prefix) || !strings.HasSuffix(iss, f.Suffix) {
		return "", false
	}
	name := iss[len(f.Prefix) : len(iss)-len(f.Suffix)]
	if !MemberName(name) || !f.Name(name) {
		return "", false
	}
	return name, true
}

// URL is the issuer URL of the member of this name. It does not check the
// name: Member does.
func (f *Family) URL(name string) string { return f.Prefix + name + f.Suffix }

// String describes the family by its form, e.g.
// "https://oidc.circleci.com/org/<member>".
func (f *Family) String() string {
	if f == nil {
		return "<nil family>"
	}
	return f.URL("<member>")
}

// check validates the family's description; Admit is checked by the
// verifier, which needs it.
func (f *Family) check() error {
	switch {
	case !strings.HasPrefix(f.Prefix, "https://"):
		return fmt.Errorf("family %s: Prefix must begin with https://", f)
	case f.Name == nil:
		return fmt.Errorf("family %s: Name is required", f)
	case strings.ContainsAny(f.Prefix+f.Suffix, "?#@\\ \t\r\n"):
		return fmt.Errorf("family %s: Prefix and Suffix may not hold a query, fragment, user or space", f)
	case strings.HasSuffix(f.Suffix, "/"):
		return fmt.Errorf("family %s: an issuer URL does not end with /", f)
	}
	// A name is a whole label of the host or a whole segment of the path.
	if host := strings.TrimPrefix(f.Prefix, "https://"); !strings.Contains(host, "/") {
		if host != "" && !strings.HasSuffix(host, ".") || !strings.HasPrefix(f.Suffix, ".") {
			return fmt.Errorf("family %s: a member's name must be a whole label of the host", f)
		}
	} else if !strings.HasSuffix(f.Prefix, "/") || f.Suffix != "" && !strings.HasPrefix(f.Suffix, "/") {
		return fmt.Errorf("family %s: a member's name must be a whole segment of the path", f)
	}
	// A member's URL must be an https URL with a host; try one.
	if err := checkHTTPS(f.URL("a0")); err != nil {
		return fmt.Errorf("family %s: %w", f, err)
	}
	return nil
}

// family is a configured Family with its algorithms defaulted.
type family struct {
	Family
	issuer Issuer // the template of a member's Issuer; URL set per member
}

// families finds the member of the configured families an iss names.
type families []*family

// member returns the Issuer of the member iss names, and its family; a
// name two families accept is no member (configurations overlap).
func (fs families) member(iss string) (Issuer, *family, bool) {
	var found *family
	for _, f := range fs {
		if _, ok := f.Member(iss); ok {
			if found != nil {
				return Issuer{}, nil, false
			}
			found = f
		}
	}
	if found == nil {
		return Issuer{}, nil, false
	}
	m := found.issuer
	m.URL, m.FamilyMember = iss, true
	return m, found, true
}

// newFamilies validates cfg's families against each other and against the
// fixed issuers.
func newFamilies(list []Family, fixed map[string]*Issuer) (families, error) {
	var fs families
	for _, f := range list {
		if err := f.check(); err != nil {
			return nil, fmt.Errorf("oidc: %w", err)
		}
		if f.Admit == nil {
			return nil, fmt.Errorf("oidc: family %s: Admit is required: keys must be fetched only for members some publisher names", &f)
		}
		f.Algorithms = slices.Clone(f.Algorithms)
		if len(f.Algorithms) == 0 {
			f.Algorithms = []string{"RS256"}
		}
		for _, a := range f.Algorithms {
			if _, ok := algorithms[a]; !ok {
				return nil, fmt.Errorf("oidc: family %s: unsupported algorithm %q", &f, a)
			}
		}
		if f.MaxLifetime < 0 || f.MaxLifetime > MaxLifetimeLimit {
			return nil, fmt.Errorf("oidc: family %s: MaxLifetime %s is not between 0 and %s", &f, f.MaxLifetime, MaxLifetimeLimit)
		}
		for name := range fixed {
			if _, ok := f.Member(name); ok {
				return nil, fmt.Errorf("oidc: issuer %q is configured alone and as a member of family %s", name, &f)
			}
		}
		for _, g := range fs {
			if g.Prefix == f.Prefix && g.Suffix == f.Suffix {
				return nil, fmt.Errorf("oidc: family %s configured twice", &f)
			}
		}
		fs = append(fs, &family{Family: f, issuer: Issuer{Algorithms: f.Algorithms, MaxLifetime: f.MaxLifetime}})
	}
	return fs, nil
}

// admit asks the family whether the member may be used.
func (f *family) admit(ctx context.Context, iss string) error {
	ok, err := f.Admit(ctx, iss)
	switch {
	case err != nil:
		// The keys cannot be looked for yet: a retryable outage, and the
		// cause (a registry's store error) stays visible to errors.Is.
		return fmt.Errorf("oidc: %w: issuer %s: cannot tell whether the family admits it: %w", ErrKeysUnavailable, quote.Value(iss), err)
	case !ok:
		return reject(ErrIssuer, "iss", iss, "a member of issuer family "+f.String()+" that no registered publisher names")
	}
	return nil
}
