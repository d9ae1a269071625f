package oidc

import "fmt"

// bounds checks the token checks' settings against their limits and fills
// in the defaults. A negative or absurd value is an error, never quietly
// replaced: it would loosen a check, or let a token claim an expiry no
// replay store can keep.
func (cfg *Config) bounds() error {
	switch {
	case cfg.Leeway == 0:
		cfg.Leeway = DefaultLeeway
	case cfg.Leeway == NoLeeway:
		cfg.Leeway = 0
	case cfg.Leeway < 0:
		return fmt.Errorf("oidc: Config.Leeway %s is negative (NoLeeway allows no skew)", cfg.Leeway)
	case cfg.Leeway > LeewayLimit:
		return fmt.Errorf("oidc: Config.Leeway %s is above the limit, %s", cfg.Leeway, LeewayLimit)
	}
	switch {
	case cfg.MaxLifetime == 0:
		cfg.MaxLifetime = DefaultMaxLifetime
	case cfg.MaxLifetime < 0:
		return fmt.Errorf("oidc: Config.MaxLifetime %s is negative", cfg.MaxLifetime)
	case cfg.MaxLifetime > MaxLifetimeLimit:
		return fmt.Errorf("oidc: Config.MaxLifetime %s is above the limit, %s", cfg.MaxLifetime, MaxLifetimeLimit)
	}
	switch {
	case cfg.MaxTokenSize == 0:
		cfg.MaxTokenSize = DefaultMaxTokenSize
	case cfg.MaxTokenSize < 0:
		return fmt.Errorf("oidc: Config.MaxTokenSize %d is negative", cfg.MaxTokenSize)
	case cfg.MaxTokenSize > MaxTokenSizeLimit:
		return fmt.Errorf("oidc: Config.MaxTokenSize %d bytes is above the limit, %d", cfg.MaxTokenSize, MaxTokenSizeLimit)
	}
	return nil
}
