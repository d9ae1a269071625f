package publisher_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// A negative or absurd replay margin, leeway or lifetime cap is refused by
// New: a margin of 250 years once made every token replayable (its record
// expired at once), and a negative one records tokens for less than they
// are valid.
func TestNewBounds(t *testing.T) {
	iss := providertest.New(t, oidctest.Options{})
	good := publisher.Config{Audience: "pypi", Providers: []providers.Provider{iss.GitHub()},
		Publishers: new(publisher.MemoryStore), Keys: oidc.NewKeyCache(oidc.CacheConfig{})}
	t.Cleanup(func() { good.Keys.(*oidc.KeyCache).Close() })
	const years250 = 250 * 365 * 24 * time.Hour
	for _, c := range []struct {
		name  string
		edit  func(*publisher.Config)
		field string
	}{
		{"margin negative", func(c *publisher.Config) { c.ReplayMargin = -time.Nanosecond }, "ReplayMargin"},
		{"margin above the limit", func(c *publisher.Config) { c.ReplayMargin = publisher.ReplayMarginLimit + time.Second }, "ReplayMargin"},
		{"margin 250 years", func(c *publisher.Config) { c.ReplayMargin = years250 }, "ReplayMargin"},
		{"leeway negative", func(c *publisher.Config) { c.Leeway = -5 * time.Second }, "Leeway"},
		{"leeway 250 years", func(c *publisher.Config) { c.Leeway = years250 }, "Leeway"},
		{"lifetime 250 years", func(c *publisher.Config) { c.MaxLifetime = years250 }, "MaxLifetime"},
	} {
		cfg := good
		c.edit(&cfg)
		v, err := publisher.New(cfg)
		if err == nil {
			v.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "Config."+c.field) {
			t.Errorf("%s: New error %v, want one naming Config.%s", c.name, err, c.field)
		}
	}
}

// With every limit at its maximum, the longest-lived token is recorded
// until exp + leeway + margin, and that lies within the two days every
// replay store is held to (oidctest.TestReplayStore).
func TestVerifyRecordsAtTheLimits(t *testing.T) {
	k := newKit(t, func(_ *providertest.Issuer, cfg *publisher.Config) {
		cfg.Leeway, cfg.MaxLifetime, cfg.ReplayMargin = oidc.LeewayLimit, oidc.MaxLifetimeLimit, publisher.ReplayMarginLimit
	}, pub("release", "release.yml", ""))
	now := time.Now()
	res, err := k.v.Verify(context.Background(), k.mint(t, release(),
		oidctest.IssuedAt(now.Add(oidc.LeewayLimit-time.Second)), oidctest.Lifetime(oidc.MaxLifetimeLimit)))
	if err != nil {
		t.Fatal(err)
	}
	until := k.replay.claims[res.Token.ReplayID()]
	if want := res.Token.Expiry.Add(oidc.LeewayLimit + publisher.ReplayMarginLimit); !until.Equal(want) {
		t.Errorf("recorded until %s, want %s", until, want)
	}
	if until.After(now.Add(48 * time.Hour)) {
		t.Errorf("recorded until %s, more than two days ahead", until)
	}
}
