package publisher_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// benchAcceptAll lets the benchmark verify one token repeatedly: replay
// stores are measured on their own (replay_bench_test.go).
type benchAcceptAll struct{}

func (benchAcceptAll) Claim(context.Context, string, time.Time) error { return nil }

// BenchmarkVerify measures the end-to-end Verify of a realistic GitHub token
// (RS256, 2048-bit key, the 33 claims of a real run, one registered
// publisher) against two baselines on the very same token: the bare RSA
// check of its signature, and jwx's jwt.Parse with a key set and validation.
// Targets: Verify at most 1.6x the bare check, at most 40 allocs/op.
func BenchmarkVerify(b *testing.B) {
	iss := providertest.New(b, oidctest.Options{})
	c := providertest.GitHubClaims()
	tok, err := iss.MintGitHub(c)
	if err != nil {
		b.Fatal(err)
	}
	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "pkg", Policy: &publisher.GitHub{
		IssuerURL: iss.URL(), Owner: c.RepositoryOwner, OwnerID: c.RepositoryOwnerID,
		Repository: strings.TrimPrefix(c.Repository, c.RepositoryOwner+"/"), Workflow: "tokenTest.yml",
		Environment: c.Environment,
	}})
	if err != nil {
		b.Fatal(err)
	}
	v, err := publisher.New(publisher.Config{
		Audience: oidctest.DefaultAudience, Providers: []providers.Provider{iss.GitHub()},
		Publishers: store, HTTPClient: iss.Client(), Replay: benchAcceptAll{},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok); err != nil { // warm the key cache
		b.Fatal(err)
	}

	pub := &iss.Signer().Private.PublicKey
	dot := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
	if err != nil {
		b.Fatal(err)
	}
	jk, err := jwk.FromRaw(pub)
	if err != nil {
		b.Fatal(err)
	}
	_ = jk.Set(jwk.KeyIDKey, iss.Signer().ID)
	_ = jk.Set(jwk.AlgorithmKey, jwa.RS256)
	set := jwk.NewSet()
	_ = set.AddKey(jk)

	var rsaNs, verifyNs float64
	b.Run("rsa", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sum := sha256.Sum256([]byte(tok[:dot]))
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
				b.Fatal(err)
			}
		}
		rsaNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("jwx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jwt.Parse([]byte(tok), jwt.WithKeySet(set), jwt.WithValidate(true),
				jwt.WithIssuer(iss.URL()), jwt.WithAudience(oidctest.DefaultAudience)); err != nil {
				b.Fatal(err)
			}
		}
		if rsaNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rsaNs, "x-rsa")
		}
	})
	b.Run("verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
		verifyNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		if rsaNs > 0 {
			b.ReportMetric(verifyNs/rsaNs, "x-rsa")
		}
	})
}
