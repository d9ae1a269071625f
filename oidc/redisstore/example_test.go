package redisstore_test

import (
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/redisstore"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/publisher"
)

// Every replica of a registry shares one Redis: tokens are one-time across
// all of them, and a replica started during an issuer outage verifies with
// the key set another replica fetched.
func Example() {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 []string{"redis.internal:6379"}, // several: Cluster; with MasterName: Sentinel
		ContextTimeoutEnabled: true,                            // required: deadlines bound every call
	})
	defer rdb.Close()
	shared, err := redisstore.New(rdb, redisstore.Config{Prefix: "registry:trustpub:"})
	if err != nil {
		log.Fatal(err)
	}
	store, _ := publisher.NewMemoryStore() // the registry's own publisher store
	v, err := publisher.New(publisher.Config{
		Audience:   "registry.example",
		Providers:  []providers.Provider{providers.GitHubActions},
		Publishers: store,
		Replay:     shared,
		Cache:      oidc.CacheConfig{Shared: shared},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	// v.Verify(ctx, token) in each publish request.
}
