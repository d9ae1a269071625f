package provenance

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func b64(t testing.TB, field any) []byte {
	t.Helper()
	s, _ := field.(string)
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func b64enc(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func testArtifact(t testing.TB) Artifact {
	t.Helper()
	a, err := NewArtifact("example-1.0.0.tar.gz", strings.NewReader("the distribution"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func testVerifier(t testing.TB, s *testSigstore) *Verifier {
	t.Helper()
	tr, err := ParseTrustedRoot(s.TrustedRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// gitHubIdentity is a release from a GitHub-hosted runner, as Fulcio
// would certify it.
func gitHubIdentity() Identity {
	const repo = "https://github.com/octo-org/example"
	const wf = repo + "/.github/workflows/release.yml@refs/tags/v1.0.0"
	const sha = "1111111111111111111111111111111111111111"
	return Identity{
		SubjectAlternativeName: wf, Issuer: githubIssuer, BuildSignerURI: wf, BuildSignerDigest: sha,
		RunnerEnvironment: "github-hosted", SourceRepositoryURI: repo, SourceRepositoryDigest: sha,
		SourceRepositoryRef: "refs/tags/v1.0.0", SourceRepositoryIdentifier: "123456",
		SourceRepositoryOwnerURI: "https://github.com/octo-org", SourceRepositoryOwnerIdentifier: "9919",
		BuildConfigURI: wf, BuildConfigDigest: sha, BuildTrigger: "push",
		RunInvocationURI: repo + "/actions/runs/1/attempts/1", SourceRepositoryVisibility: "public",
	}
}

// Identities real attestations cannot show are read back exactly, from
// both wire formats.
func TestSyntheticIdentities(t *testing.T) {
	s := newTestSigstore(t)
	v := testVerifier(t, s)
	a := testArtifact(t)
	stmt := statementFor(t, a.Name, map[string]string{"sha256": hex.EncodeToString(a.SHA256)}, "https://slsa.dev/provenance/v1")

	selfHosted := gitHubIdentity()
	selfHosted.RunnerEnvironment = "self-hosted"
	// A reusable workflow of another repository runs the job: the Build
	// Signer URI names it, the Build Config URI the calling workflow.
	reusable := gitHubIdentity()
	reusable.BuildSignerURI = "https://github.com/octo-org/shared/.github/workflows/publish.yml@refs/heads/main"
	reusable.BuildSignerDigest = "2222222222222222222222222222222222222222"
	reusable.SubjectAlternativeName = reusable.BuildSignerURI
	branch := gitHubIdentity()
	branch.SourceRepositoryRef = "refs/heads/feature/x"
	branch.BuildConfigURI = "https://github.com/octo-org/example/.github/workflows/release.yml@refs/heads/feature/x"
	branch.BuildSignerURI, branch.SubjectAlternativeName = branch.BuildConfigURI, branch.BuildConfigURI
	branch.BuildTrigger = "pull_request_target"
	const glab = "https://gitlab.example.com/group/sub/project"
	gitlab := Identity{
		SubjectAlternativeName: glab + "//ci/release.yml@refs/tags/v2", Issuer: "https://gitlab.example.com",
		BuildSignerURI: glab + "//ci/release.yml@refs/tags/v2", BuildSignerDigest: "3333333333333333333333333333333333333333",
		RunnerEnvironment: "self-hosted", SourceRepositoryURI: glab,
		SourceRepositoryDigest: "3333333333333333333333333333333333333333", SourceRepositoryRef: "refs/tags/v2",
		SourceRepositoryIdentifier: "42", SourceRepositoryOwnerURI: "https://gitlab.example.com/group/sub",
		SourceRepositoryOwnerIdentifier: "7", BuildConfigURI: glab + "//ci/release.yml@refs/tags/v2",
		BuildConfigDigest: "3333333333333333333333333333333333333333", BuildTrigger: "web",
		RunInvocationURI: glab + "/-/jobs/5", SourceRepositoryVisibility: "internal",
	}
	// Certificates from before mid-2023 carry only the issuer and the SAN.
	old := Identity{SubjectAlternativeName: gitHubIdentity().SubjectAlternativeName, Issuer: githubIssuer}

	for name, id := range map[string]Identity{"self-hosted runner": selfHosted, "reusable workflow": reusable,
		"branch ref and trigger": branch, "gitlab subgroup": gitlab, "old certificate": old} {
		signed := s.Sign(t, id, stmt)
		for _, f := range []struct {
			format Format
			data   []byte
			parse  func([]byte) (*Attestation, error)
		}{{FormatBundle, signed.Bundle(t), ParseBundle}, {FormatPEP740, signed.PEP740(t), ParsePEP740}} {
			t.Run(name+"/"+f.format.String(), func(t *testing.T) {
				att, err := f.parse(f.data)
				if err != nil {
					t.Fatal(err)
				}
				res, err := v.Verify(att, a)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(id, res.Identity); diff != "" {
					t.Errorf("identity (-want +got):\n%s", diff)
				}
				if res.Format != f.format {
					t.Errorf("Format = %v, want %v", res.Format, f.format)
				}
			})
		}
	}
}

// The deprecated and the current issuer extension must agree.
func TestParseRefusesTwoIssuers(t *testing.T) {
	s := newTestSigstore(t)
	a := testArtifact(t)
	stmt := statementFor(t, a.Name, map[string]string{"sha256": hex.EncodeToString(a.SHA256)}, "https://example.com/p")
	signed := s.Sign(t, gitHubIdentity(), stmt, func(o *signOptions) { o.issuerV1 = "https://gitlab.com" })
	_, err := ParseBundle(signed.Bundle(t))
	pe := wantErr(t, err, ErrMalformed)
	if !strings.Contains(pe.Detail, "two issuers") {
		t.Errorf("detail %q should say the issuers disagree", pe.Detail)
	}
}

// The statement binds a name to a digest: a statement naming the artifact
// twice must do so with one digest; one that is not in-toto is refused.
func TestSyntheticStatements(t *testing.T) {
	s := newTestSigstore(t)
	v := testVerifier(t, s)
	a := testArtifact(t)
	good := hex.EncodeToString(a.SHA256)
	other := hex.EncodeToString(sha256Of([]byte("other")))
	statement := func(typ string, subjects ...any) []byte {
		data, err := json.Marshal(map[string]any{"_type": typ, "subject": subjects,
			"predicateType": "https://example.com/p", "predicate": map[string]any{}})
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	sub := func(name, digest string) any {
		return map[string]any{"name": name, "digest": map[string]string{"sha256": digest}}
	}
	for _, c := range []struct {
		name   string
		stmt   []byte
		reason error
	}{
		{"named twice, two digests", statement(statementV1, sub(a.Name, good), sub(a.Name, other)), ErrDigest},
		{"another subject first", statement(statementV1, sub("other.tar.gz", other), sub(a.Name, good)), nil},
		{"uppercase hex", statement(statementV1, sub(a.Name, strings.ToUpper(good))), nil},
		{"no subject", statement(statementV1), ErrSubjectName},
		{"another statement type", statement("https://example.com/Statement/v1", sub(a.Name, good)), ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			att, err := ParseBundle(s.Sign(t, gitHubIdentity(), c.stmt).Bundle(t))
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(att, a)
			if c.reason != nil {
				wantErr(t, err, c.reason)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Subject.Name != a.Name {
				t.Errorf("Subject = %+v, want the one named %q", res.Subject, a.Name)
			}
		})
	}
}
