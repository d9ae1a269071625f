package main

import (
	"errors"

	"github.com/trustpub/trustpub/publisher/provenance"
)

// errNoProvenance refuses an attestation the registry cannot check.
var errNoProvenance = errors.New("this registry verifies no attestations")

// checkProvenance accepts an upload's Sigstore attestation (npm's
// provenance bundle) only when it is about the uploaded file and was signed
// by the very publisher whose CI token the upload token was minted for:
// verified offline against the registry's trusted root, its signer matched
// against that publisher's policy with the token's own rules. Res.Publishers
// come most specific first, so the grant holds the publisher npm's flow
// matched for the package.
func (g *registry) checkProvenance(uploadToken string, bundle []byte, file provenance.Artifact) (*provenance.Match, error) {
	gr, ok := g.grant(uploadToken)
	switch {
	case !ok:
		return nil, errors.New("not an upload token of this registry")
	case g.provenance == nil:
		return nil, errNoProvenance
	}
	att, err := provenance.ParseBundle(bundle)
	if err != nil {
		return nil, err
	}
	return g.provenance.VerifyFor(att, file, gr.publisher, provenance.MatchOptions{})
}
