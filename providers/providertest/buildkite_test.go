package providertest_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers/providertest"
)

// TestMintBuildkite: the kit's Buildkite token verifies through its
// provider, with Buildkite's habits (exp 5 min after iat, nbf at iat, a
// jti), and decodes to the fixture's claims.
func TestMintBuildkite(t *testing.T) {
	t.Parallel()
	iss := providertest.New(t, oidctest.Options{})
	prov := iss.Buildkite()
	keys := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: iss.Client()})
	t.Cleanup(func() { keys.Close() })
	v, err := oidc.NewVerifier(oidc.Config{Issuers: []oidc.Issuer{prov.Issuer()}, Audience: oidctest.DefaultAudience, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := iss.MintBuildkite(nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Expiry.Sub(tok.IssuedAt) != 5*time.Minute || !tok.NotBefore.Equal(tok.IssuedAt) || tok.ID == "" {
		t.Errorf("iat %v, nbf %v, exp %v, jti %q; want nbf = iat, exp = iat + 5 min, a jti", tok.IssuedAt, tok.NotBefore, tok.Expiry, tok.ID)
	}
	set, err := prov.Decode(tok)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(providertest.BuildkiteClaims(), set); diff != "" {
		t.Errorf("decoded claims (-fixture +token):\n%s", diff)
	}
	if c := set.(*claims.Buildkite); c.LookupKey() != "acme-inc/super-duper-app" {
		t.Errorf("LookupKey = %q", c.LookupKey())
	}
}
