package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
	"github.com/trustpub/trustpub/publisher/provenance"
)

// The registry accepts an upload's attestation only when its signer is the
// publisher whose CI token the upload token was minted for. The attestation
// is npm's real provenance of sigstore@1.3.0, signed by sigstore/sigstore-js's
// release.yml on github.com; the test issuer plays github.com's issuer (its
// key set pinned), and two publishers may publish "sigstore": that workflow,
// and octo-org/hello's release.yml.
func TestProvenanceMatchesTheMintingPublisher(t *testing.T) {
	t.Parallel()
	iss := providertest.New(t, oidctest.Options{Audience: "npm:" + host})
	root, err := provenance.LoadTrustedRoot("testdata/trusted-root-public-good.json")
	if err != nil {
		t.Fatal(err)
	}
	g := newRegistry(slog.New(slog.DiscardHandler))
	if g.provenance, err = provenance.NewVerifier(root, provenance.Options{}); err != nil {
		t.Fatal(err)
	}
	sigstore := &publisher.GitHub{Owner: "sigstore", OwnerID: "71096353", Repository: "sigstore-js", Workflow: "release.yml"}
	other := &publisher.GitHub{Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml"}
	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "sigstore-js", Policy: sigstore, Packages: []string{"sigstore"}},
		publisher.Registered{ID: "hello", Policy: other, Packages: []string{"sigstore"}})
	if err != nil {
		t.Fatal(err)
	}
	github := providers.NewGitHub(oidc.Issuer{URL: providers.GitHubIssuer, JWKSURL: iss.JWKSURL()})
	mux := http.NewServeMux()
	v, err := g.mountTrustedPublishing(mux, publisher.Config{Audience: audience, Providers: []providers.Provider{github},
		Publishers: store, HTTPClient: iss.Client()}, host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	srv := iss.NewTLSServer(mux)
	t.Cleanup(srv.Close)

	// uploadToken is what npm's exchange mints for a job of repository's
	// release.yml publishing sigstore.
	uploadToken := func(repository, ownerID string) string {
		t.Helper()
		ci, err := iss.MintGitHub(providertest.GitHubWorkflow(repository, ownerID, "release.yml", "refs/heads/main"),
			oidctest.IssuerURL(providers.GitHubIssuer))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/-/npm/v1/oidc/token/exchange/package/sigstore", nil)
		req.Header.Set("Authorization", "Bearer "+ci)
		resp, err := iss.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var out struct{ Token string }
		if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &out) != nil || out.Token == "" {
			t.Fatalf("exchange for %s: %d %s", repository, resp.StatusCode, body)
		}
		return out.Token
	}

	bundle, err := os.ReadFile("testdata/npm-sigstore-1.3.0.provenance.sigstore.json")
	if err != nil {
		t.Fatal(err)
	}
	file := provenance.Artifact{Name: provenance.NPMSubject("sigstore", "1.3.0"), SHA512: statementDigest(t)}

	m, err := g.checkProvenance(uploadToken("sigstore/sigstore-js", "71096353"), bundle, file)
	if err != nil {
		t.Fatalf("the attestation of the minting publisher: %v", err)
	}
	if m.Publisher.ID != "sigstore-js" {
		t.Errorf("matched publisher %q, want sigstore-js", m.Publisher.ID)
	}

	// The same file and attestation, uploaded with a token minted for the
	// other publisher of the package: refused, naming the failed rules.
	_, err = g.checkProvenance(uploadToken("octo-org/hello", "9919"), bundle, file)
	var me *provenance.MatchError
	if !errors.Is(err, provenance.ErrIdentity) || !errors.As(err, &me) || me.Publisher != "hello" {
		t.Fatalf("another publisher's upload token: %v, want ErrIdentity for publisher hello", err)
	}
	if !strings.Contains(err.Error(), "owner_id") {
		t.Errorf("the refusal does not name owner_id: %v", err)
	}

	// Another file under the right publisher: refused by digest.
	wrong := file
	wrong.SHA512 = make([]byte, 64)
	if _, err := g.checkProvenance(uploadToken("sigstore/sigstore-js", "71096353"), bundle, wrong); !errors.Is(err, provenance.ErrDigest) {
		t.Errorf("another file: %v, want ErrDigest", err)
	}
	if _, err := g.checkProvenance("upload_made_up", bundle, file); err == nil {
		t.Error("an upload token the registry never minted: accepted")
	}
}

// statementDigest is the sha512 of sigstore-1.3.0.tgz, as the statement
// beside the bundle records it.
func statementDigest(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/npm-sigstore-1.3.0.provenance.statement.json")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Subject []struct{ Digest map[string]string }
	}
	if err := json.Unmarshal(b, &st); err != nil || len(st.Subject) != 1 {
		t.Fatalf("statement: %v", err)
	}
	d, err := hex.DecodeString(st.Subject[0].Digest["sha512"])
	if err != nil {
		t.Fatal(err)
	}
	return d
}
