package publisher_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// BenchmarkFamilyMadeUp measures what a token naming a made-up CircleCI
// organization costs a verifier trusting the CircleCI family, with 10,000
// publishers of 1,000 organizations registered: the cheap checks, then
// one admission lookup in the store, and no fetch. x-valid is its time over
// a valid verification of a registered organization's token, timed in
// alternation with it (see BenchmarkVerify). The target: a stranger's
// made-up organization costs less than a real publish, and fetches nothing.
func BenchmarkFamilyMadeUp(b *testing.B) {
	iss := providertest.New(b, oidctest.Options{})
	var pubs []publisher.Registered
	for o := range 1000 {
		org := fmt.Sprintf("%08x-0000-4000-8000-000000000000", o)
		for p := range 10 {
			pubs = append(pubs, publisher.Registered{ID: fmt.Sprintf("%d-%d", o, p), Policy: &publisher.CircleCI{
				IssuerURL: iss.URL() + "/org/" + org, OrganizationID: org,
				ProjectID:            fmt.Sprintf("%08x-0000-4000-8000-%012x", o, p),
				PipelineDefinitionID: "5e8d2a1c-9b3f-4c7e-8a2d-4f6b1c3e5a7d", VCSOrigin: "github.com/octo-org/hello-world"}})
		}
	}
	c := providertest.CircleCIClaims()
	c.OrganizationID = "00000007-0000-4000-8000-000000000000"
	c.ProjectID = "00000007-0000-4000-8000-000000000003"
	c.PipelineDefinitionID = "5e8d2a1c-9b3f-4c7e-8a2d-4f6b1c3e5a7d"
	c.VCSOrigin = "github.com/octo-org/hello-world"
	c.ContextIDs = nil
	store, err := publisher.NewMemoryStore(pubs...)
	if err != nil {
		b.Fatal(err)
	}
	v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience,
		Providers: []providers.Provider{iss.CircleCI()}, Publishers: store, HTTPClient: iss.Client(), Replay: benchAcceptAll{}})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	valid, err := iss.MintCircleCI(c)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := v.Verify(ctx, valid); err != nil {
		b.Fatal(err)
	}
	stranger := *c
	stranger.OrganizationID = "ffffffff-0000-4000-8000-000000000000"
	madeUp, err := iss.MintCircleCI(&stranger)
	if err != nil {
		b.Fatal(err)
	}
	member, err := iss.CircleCIOrg(stranger.OrganizationID)
	if err != nil {
		b.Fatal(err)
	}
	verify := func() {
		if _, err := v.Verify(ctx, valid); err != nil {
			b.Fatal(err)
		}
	}
	refuse := func() {
		if _, err := v.Verify(ctx, madeUp); !errors.Is(err, oidc.ErrIssuer) {
			b.Fatalf("made-up organization: %v", err)
		}
	}
	b.Run("valid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			verify()
		}
	})
	b.Run("made-up", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			refuse()
		}
		b.ReportMetric(alternate(b.N, refuse, verify), "x-valid")
	})
	if n := member.Requests("/.well-known/openid-configuration") + member.JWKSRequests(); n != 0 {
		b.Fatalf("the made-up organization's issuer was asked %d times", n)
	}
}
