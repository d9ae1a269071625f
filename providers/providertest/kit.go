// Package providertest mints realistic CI provider tokens for tests: the
// claim sets of real GitHub Actions, GitLab and Google Cloud tokens, and of
// ActiveState, CircleCI, Semaphore and Buildkite tokens built from their
// documentation, signed by a local issuer over real HTTPS with each
// provider's habits (lifetime, nbf, jti), and the provider values that
// trust it. CircleCI and Semaphore tokens are signed by the issuer of their
// organization, one per organization on the same server, each with its own
// keys, as those providers' issuer families are.
//
// It is public API for registries' own tests of publishing policy. The
// generic issuer it builds on, package oidctest, knows no provider.
package providertest

import (
	"embed"
	"testing"

	"github.com/trustpub/trustpub/oidc/oidctest"
)

// Issuer is a local OIDC issuer that mints provider tokens. All of
// oidctest.Issuer's methods (URL, Client, Rotate, Fail…) are available.
type Issuer struct {
	*oidctest.Issuer
}

// New starts an issuer for a test and stops it when the test ends.
func New(tb testing.TB, opts oidctest.Options) *Issuer {
	tb.Helper()
	return &Issuer{oidctest.New(tb, opts)}
}

// NewIssuer starts an issuer with one signing key. Close stops it.
func NewIssuer(opts oidctest.Options) (*Issuer, error) {
	i, err := oidctest.NewIssuer(opts)
	if err != nil {
		return nil, err
	}
	return &Issuer{i}, nil
}

//go:embed testdata/*.json
var fixtures embed.FS

// fixture reads a claim set of a real token from testdata.
func fixture(name string) string {
	b, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		panic("providertest: missing fixture " + name) // embedded at build time
	}
	return string(b)
}
