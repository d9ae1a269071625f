package publisher_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// At start-up, a registry fetches its issuers' keys before the first
// publish. A failure need not stop it: keys are then fetched on first use.
func ExampleVerifier_Warm() {
	gh, err := providertest.NewIssuer(oidctest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer gh.Close()
	v, err := publisher.New(publisher.Config{
		Audience:   oidctest.DefaultAudience,
		Providers:  []providers.Provider{gh.GitHub()},
		Publishers: new(publisher.MemoryStore),
		HTTPClient: gh.Client(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Warm(ctx); err != nil {
		log.Printf("keys not prefetched, fetching them on first use: %v", err)
	}
	fmt.Println("key sets fetched:", gh.JWKSRequests())
	// Output:
	// key sets fetched: 1
}
