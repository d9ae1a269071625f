package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/trustpub/trustpub/publisher"
	"github.com/trustpub/trustpub/publisher/provenance"
)

// registry is the example registry's own state: the upload tokens it
// minted. Its packages are npmreg's.
type registry struct {
	log *slog.Logger
	now func() time.Time
	// provenance verifies uploads' Sigstore attestations; nil accepts none.
	provenance *provenance.Verifier

	mu     sync.Mutex
	tokens map[string]grant // minted upload token -> what it may do
}

// grant is what an upload token may publish, until when, and the
// publisher whose CI token it was minted for.
type grant struct {
	packages  []string
	expires   time.Time
	publisher publisher.Registered
}

// uploadTokenLifetime is how long a minted token works, as on PyPI.
const uploadTokenLifetime = 15 * time.Minute

func newRegistry(log *slog.Logger) *registry {
	return &registry{log: log, now: time.Now, tokens: map[string]grant{}}
}

// mint is the registry's exchange.Minter: a random upload token for
// packages, for 15 minutes. (A real registry stores a hash of it, and
// names it after res.Workload() for its users' audit log.)
func (g *registry) mint(_ context.Context, res *publisher.Result, packages []string) (string, time.Time, error) {
	var b [24]byte
	rand.Read(b[:])
	tok := "upload_" + hex.EncodeToString(b[:])
	exp := g.now().Add(uploadTokenLifetime)
	g.mu.Lock()
	defer g.mu.Unlock()
	gr := grant{packages: append([]string(nil), packages...), expires: exp}
	if res != nil && len(res.Publishers) > 0 {
		gr.publisher = res.Publishers[0] // the most specific: whom the upload is attributed to
	}
	g.tokens[tok] = gr
	return tok, exp, nil
}

// grant returns what tok may do, if the registry minted it and it has
// not expired.
func (g *registry) grant(tok string) (grant, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	gr, ok := g.tokens[tok]
	if ok && !g.now().Before(gr.expires) {
		delete(g.tokens, tok)
		return grant{}, false
	}
	return gr, ok
}

// publishers are the registry's publisher rows: octo-org/hello's
// release.yml publishes hello and @octo/hello. issuer is GitHub's, here the
// local test issuer.
func publishers(issuer string) []publisher.Registered {
	release := &publisher.GitHub{IssuerURL: issuer, Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml"}
	return []publisher.Registered{{ID: "octo-org/hello:release.yml", Policy: release, Packages: []string{"hello", "@octo/hello"}}}
}
