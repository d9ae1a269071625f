package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
)

func ExampleVerifier_Verify() {
	// A local issuer stands in for GitHub Actions or GitLab.
	iss, err := oidctest.NewIssuer(oidctest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()

	keys := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: iss.Client()})
	defer keys.Close()
	v, err := oidc.NewVerifier(oidc.Config{
		Issuers:  []oidc.Issuer{iss.OIDC()},
		Audience: oidctest.DefaultAudience,
		Keys:     keys,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	raw, _ := iss.Mint(map[string]any{"sub": "repo:octo/demo:ref:refs/heads/main"})
	tok, err := v.Verify(ctx, raw)
	fmt.Println(tok.Subject, err)

	raw, _ = iss.Mint(nil, oidctest.Audience("pypi"))
	_, err = v.Verify(ctx, raw)
	fmt.Println(err)

	raw, _ = iss.Mint(nil, oidctest.Expired())
	_, err = v.Verify(ctx, raw)
	var e *oidc.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, oidc.ErrExpired), e.Field)
	}
	// Output:
	// repo:octo/demo:ref:refs/heads/main <nil>
	// oidc: wrong audience: aud "pypi": want trustpub-test
	// true exp
}

func ExampleNewKeyCache() {
	iss, err := oidctest.NewIssuer(oidctest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()

	// One cache serves every issuer; Close stops its background refresh.
	cache := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: iss.Client()})
	defer cache.Close()

	// Prefetch at start-up, so the first publish does not wait for keys.
	if err := cache.Prefetch(context.Background(), iss.OIDC()); err != nil {
		log.Fatal(err)
	}
	keys, err := cache.Keys(context.Background(), iss.OIDC(), iss.Signer().ID)
	fmt.Println(len(keys), keys[0].Algorithm, err)

	_, err = cache.Keys(context.Background(), iss.OIDC(), "no-such-kid")
	fmt.Println(errors.Is(err, oidc.ErrUnknownKey))
	// Output:
	// 1 RS256 <nil>
	// true
}
