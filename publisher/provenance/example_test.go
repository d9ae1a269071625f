package provenance_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/trustpub/trustpub/publisher"
	"github.com/trustpub/trustpub/publisher/provenance"
)

// A registry verifies the provenance npm attached to a publish: the bundle
// against Sigstore's trusted root, its statement against the tarball's
// name and digest. The identity it returns is then matched against the
// package's trusted publisher.
func ExampleVerifier_Verify() {
	// Once, at start-up: the trusted root (refreshed by loading a newer one).
	tr, err := provenance.LoadTrustedRoot("testdata/trusted-root-public-good.json")
	if err != nil {
		log.Fatal(err)
	}
	v, err := provenance.NewVerifier(tr, provenance.Options{})
	if err != nil {
		log.Fatal(err)
	}

	// Per upload: the bundle, and the tarball's name and digest as the
	// registry computed them (NewArtifact hashes the tarball itself).
	data, err := os.ReadFile("testdata/npm-sigstore-1.3.0.provenance.sigstore.json")
	if err != nil {
		log.Fatal(err)
	}
	att, err := provenance.ParseBundle(data)
	if err != nil {
		log.Fatal(err) // errors.Is(err, provenance.ErrMalformed)
	}
	sha512, _ := hex.DecodeString("76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6" +
		"b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751")
	res, err := v.Verify(att, provenance.Artifact{Name: provenance.NPMSubject("sigstore", "1.3.0"), SHA512: sha512})
	if err != nil {
		log.Fatal(err)
	}
	id := res.Identity
	fmt.Println("predicate:", res.Statement.PredicateType)
	fmt.Println("issuer:", id.Issuer)
	fmt.Println("repository:", id.SourceRepositoryURI, "id", id.SourceRepositoryIdentifier, "owner id", id.SourceRepositoryOwnerIdentifier)
	fmt.Println("workflow:", id.BuildConfigURI)
	fmt.Println("trigger:", id.BuildTrigger, "runner:", id.RunnerEnvironment)
	fmt.Println("logged:", res.IntegratedTime.UTC())

	// Another tarball under the same name is refused.
	sha512[0] ^= 1
	_, err = v.Verify(att, provenance.Artifact{Name: "pkg:npm/sigstore@1.3.0", SHA512: sha512})
	fmt.Println("tampered tarball refused:", errors.Is(err, provenance.ErrDigest))
	// Output:
	// predicate: https://slsa.dev/provenance/v0.2
	// issuer: https://token.actions.githubusercontent.com
	// repository: https://github.com/sigstore/sigstore-js id 495574555 owner id 71096353
	// workflow: https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main
	// trigger: push runner: github-hosted
	// logged: 2023-04-18 17:45:12 +0000 UTC
	// tampered tarball refused: true
}

// A registry holds an upload's provenance to the publisher whose token
// authorised the upload (publisher.Result.Publishers): the bundle must
// verify, be about the tarball, and be signed by that very workflow.
func ExampleVerifier_VerifyFor() {
	tr, err := provenance.LoadTrustedRoot("testdata/trusted-root-public-good.json")
	if err != nil {
		log.Fatal(err)
	}
	v, err := provenance.NewVerifier(tr, provenance.Options{})
	if err != nil {
		log.Fatal(err)
	}
	// The publisher the upload's token matched.
	pub := publisher.Registered{ID: "sigstore-js", Packages: []string{"sigstore"}, Policy: &publisher.GitHub{
		Owner: "sigstore", OwnerID: "71096353", Repository: "sigstore-js", Workflow: "release.yml",
		Environment: "npm", RequireHostedRunner: true,
	}}
	data, err := os.ReadFile("testdata/npm-sigstore-1.3.0.provenance.sigstore.json")
	if err != nil {
		log.Fatal(err)
	}
	att, err := provenance.ParseBundle(data)
	if err != nil {
		log.Fatal(err)
	}
	sha512, _ := hex.DecodeString("76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6" +
		"b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751")
	tarball := provenance.Artifact{Name: provenance.NPMSubject("sigstore", "1.3.0"), SHA512: sha512}

	// A certificate cannot show the environment: refused unless accepted.
	_, err = v.VerifyFor(att, tarball, pub, provenance.MatchOptions{})
	fmt.Println("environment unchecked, refused:", errors.Is(err, provenance.ErrIdentity))
	m, err := v.VerifyFor(att, tarball, pub, provenance.MatchOptions{AcceptUnchecked: []string{"environment"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed by publisher", m.Publisher.ID, "from", m.Result.Identity.BuildConfigURI)
	fmt.Println("accepted unchecked:", m.Unchecked[0].Rule)

	// Signed by another workflow than the publisher's.
	other := &publisher.GitHub{Owner: "sigstore", OwnerID: "71096353", Repository: "sigstore-js", Workflow: "publish.yml"}
	_, err = v.VerifyFor(att, tarball, publisher.Registered{ID: "other", Policy: other}, provenance.MatchOptions{})
	fmt.Println(err)
	// Output:
	// environment unchecked, refused: true
	// signed by publisher sigstore-js from https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main
	// accepted unchecked: environment
	// provenance: attestation not signed by the trusted publisher: publisher "other", certificate of issuer "https://token.actions.githubusercontent.com"; workflow: the publisher expects publish.yml, the certificate was issued to ".github/workflows/release.yml" (claim workflow_ref, from its Build Config URI)
}

// PyPI's PEP 740 attestations are read into the Sigstore bundle they stand
// for, then verified the same way, against the distribution's file name
// and sha256.
func ExampleParsePEP740() {
	tr, err := provenance.LoadTrustedRoot("testdata/trusted-root-public-good.json")
	if err != nil {
		log.Fatal(err)
	}
	v, err := provenance.NewVerifier(tr, provenance.Options{})
	if err != nil {
		log.Fatal(err)
	}
	data, err := os.ReadFile("testdata/gitlab_oidc_project-0.0.3.tar.gz.publish.attestation")
	if err != nil {
		log.Fatal(err)
	}
	att, err := provenance.ParsePEP740(data)
	if err != nil {
		log.Fatal(err)
	}
	sha256, _ := hex.DecodeString("c1ca9b0d85df1606451098233018534497bf584362e10e4a8c21dfaea92c02a8")
	res, err := v.Verify(att, provenance.Artifact{Name: "gitlab_oidc_project-0.0.3.tar.gz", SHA256: sha256})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Format, "about", res.Subject.Name)
	fmt.Println("predicate:", res.Statement.PredicateType)
	fmt.Println("project:", res.Identity.SourceRepositoryURI, "namespace id", res.Identity.SourceRepositoryOwnerIdentifier)
	fmt.Println("CI file:", res.Identity.BuildConfigURI)
	// Output:
	// PEP 740 attestation about gitlab_oidc_project-0.0.3.tar.gz
	// predicate: https://docs.pypi.org/attestations/publish/v1
	// project: https://gitlab.com/facutuesca/gitlab-oidc-project namespace id 12885801
	// CI file: https://gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml@refs/heads/main
}

// A long-running registry refreshes the trusted root through Sigstore's TUF
// repository (the only network use of the package), and keeps verifying
// with the previous root when a refresh fails.
func ExampleFetchTrustedRoot() {
	ctx := context.Background()
	tr, err := provenance.FetchTrustedRoot(ctx, provenance.TUFOptions{CacheDir: "/var/cache/registry/sigstore"})
	if err != nil {
		log.Fatal(err) // at start-up; later, log and keep the previous Verifier
	}
	v, err := provenance.NewVerifier(tr, provenance.Options{})
	if err != nil {
		log.Fatal(err)
	}
	_ = v // verify uploads with v until the next refresh, a day later
}
