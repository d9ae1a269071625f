package main

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/trustpub/trustpub/examples/registry/npmreg"
	"github.com/trustpub/trustpub/publisher"
	"github.com/trustpub/trustpub/publisher/exchange"
)

// This file is all of the registry's trusted-publishing code but its mint
// function and its publisher rows (registry.go): TestTrustedPublishingLines
// keeps it under 30 lines.

// mountTrustedPublishing serves PyPI's and npm's token exchanges on mux:
// CI jobs of the registered publishers trade their OIDC token for an upload
// token of the registry's, for the publishers' packages. host is the
// registry's host name, npm's audience.
func (g *registry) mountTrustedPublishing(mux *http.ServeMux, cfg publisher.Config, host string) (*publisher.Verifier, error) {
	v, err := publisher.New(cfg) // PyPI's flow, audience cfg.Audience
	if err != nil {
		return nil, err
	}
	npmV, err := v.WithAudience("npm:" + host) // npm's flow
	pypi, err1 := exchange.NewPyPI(exchange.Config{Verifier: v, Mint: g.mint, Logger: g.log})
	npm, err2 := exchange.NewNPM(exchange.Config{Verifier: npmV, Mint: g.mint, Logger: g.log})
	if err := errors.Join(err, err1, err2); err != nil {
		v.Close()
		return nil, err
	}
	mux.Handle(exchange.PyPIPattern, pypi)
	mux.Handle(exchange.NPMPattern, npm)
	return v, nil
}

// authorize is npmreg's AuthorizeFunc: a publish needs an upload token the
// registry minted for the package, and not expired.
func (g *registry) authorize(r *http.Request, pkg string) error {
	gr, ok := g.grant(npmreg.BearerToken(r))
	switch {
	case !ok:
		return fmt.Errorf("publishing %s needs an upload token: %w", pkg, npmreg.ErrUnauthenticated)
	case !slices.Contains(gr.packages, pkg):
		return fmt.Errorf("this upload token may not publish %s", pkg)
	}
	return nil
}
