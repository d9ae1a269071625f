package provenance

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Digests of the real attestations' artifacts (testdata/README.md).
const (
	npmSHA512  = "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
	pypiSHA256 = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3"
	glabSHA256 = "c1ca9b0d85df1606451098233018534497bf584362e10e4a8c21dfaea92c02a8"
)

const githubIssuer = "https://token.actions.githubusercontent.com"

// fixture is a real attestation and what it must verify to.
type fixture struct {
	file       string
	format     Format
	artifact   Artifact
	stmtType   string
	predicate  string
	integrated int64 // the log entry's integratedTime
	id         Identity
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtures are the real attestations, with the identities of the fixtures'
// README (the values it abbreviates read from the certificates).
func fixtures(t testing.TB) []fixture {
	const (
		npmRepo  = "https://github.com/sigstore/sigstore-js"
		npmWF    = npmRepo + "/.github/workflows/release.yml@refs/heads/main"
		npmSHA   = "dae8bd8eb433a4147b4655c00fe73e0f22bc0fb1"
		pypiRepo = "https://github.com/trailofbits/pypi-attestations"
		pypiWF   = pypiRepo + "/.github/workflows/release.yml@refs/tags/v0.0.19"
		pypiSHA  = "08802efe1f8e5fec4ad842d6b8ce97656092ee72"
		glabRepo = "https://gitlab.com/facutuesca/gitlab-oidc-project"
		glabCI   = glabRepo + "//.gitlab-ci.yml@refs/heads/main"
		glabSHA  = "72f7c63b75eb55ea80864962f0e645c93414da34"
	)
	pypiID := Identity{
		SubjectAlternativeName: pypiWF, Issuer: githubIssuer,
		BuildSignerURI: pypiWF, BuildSignerDigest: pypiSHA, RunnerEnvironment: "github-hosted",
		SourceRepositoryURI: pypiRepo, SourceRepositoryDigest: pypiSHA, SourceRepositoryRef: "refs/tags/v0.0.19",
		SourceRepositoryIdentifier: "772247423", SourceRepositoryOwnerURI: "https://github.com/trailofbits",
		SourceRepositoryOwnerIdentifier: "2314423", BuildConfigURI: pypiWF, BuildConfigDigest: pypiSHA,
		BuildTrigger: "release", RunInvocationURI: pypiRepo + "/actions/runs/12169989787/attempts/1",
		SourceRepositoryVisibility: "public",
	}
	pypiArtifact := Artifact{Name: "pypi_attestations-0.0.19.tar.gz", SHA256: unhex(t, pypiSHA256)}
	return []fixture{{
		file: "npm-sigstore-1.3.0.provenance.sigstore.json", format: FormatBundle,
		artifact: Artifact{Name: "pkg:npm/sigstore@1.3.0", SHA512: unhex(t, npmSHA512)},
		stmtType: statementV01, predicate: "https://slsa.dev/provenance/v0.2", integrated: 1681839912,
		id: Identity{
			SubjectAlternativeName: npmWF, Issuer: githubIssuer,
			BuildSignerURI: npmWF, BuildSignerDigest: npmSHA, RunnerEnvironment: "github-hosted",
			SourceRepositoryURI: npmRepo, SourceRepositoryDigest: npmSHA, SourceRepositoryRef: "refs/heads/main",
			SourceRepositoryIdentifier: "495574555", SourceRepositoryOwnerURI: "https://github.com/sigstore",
			SourceRepositoryOwnerIdentifier: "71096353", BuildConfigURI: npmWF, BuildConfigDigest: npmSHA,
			BuildTrigger: "push", RunInvocationURI: npmRepo + "/actions/runs/4735384265/attempts/1",
			// A 2023 certificate: Fulcio did not record the visibility yet.
		},
	}, {
		file: "pypi_attestations-0.0.19.tar.gz.publish.attestation", format: FormatPEP740,
		artifact: pypiArtifact, stmtType: statementV1, predicate: "https://docs.pypi.org/attestations/publish/v1",
		integrated: 1733354041, id: pypiID,
	}, {
		file: "pypi_attestations-0.0.19.tar.gz.slsa.attestation", format: FormatPEP740,
		artifact: pypiArtifact, stmtType: statementV1, predicate: "https://slsa.dev/provenance/v1",
		integrated: 1733354026, id: pypiID,
	}, {
		file: "gitlab_oidc_project-0.0.3.tar.gz.publish.attestation", format: FormatPEP740,
		artifact: Artifact{Name: "gitlab_oidc_project-0.0.3.tar.gz", SHA256: unhex(t, glabSHA256)},
		stmtType: statementV1, predicate: "https://docs.pypi.org/attestations/publish/v1", integrated: 1732037820,
		id: Identity{
			SubjectAlternativeName: glabCI, Issuer: "https://gitlab.com",
			BuildSignerURI: glabCI, BuildSignerDigest: glabSHA, RunnerEnvironment: "gitlab-hosted",
			SourceRepositoryURI: glabRepo, SourceRepositoryDigest: glabSHA, SourceRepositoryRef: "refs/heads/main",
			SourceRepositoryIdentifier: "55235664", SourceRepositoryOwnerURI: "https://gitlab.com/facutuesca",
			SourceRepositoryOwnerIdentifier: "12885801", BuildConfigURI: glabCI, BuildConfigDigest: glabSHA,
			BuildTrigger: "push", RunInvocationURI: glabRepo + "/-/jobs/8415754949",
			SourceRepositoryVisibility: "private",
		},
	}}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// parse reads data in the fixture's format.
func (f fixture) parse(data []byte) (*Attestation, error) {
	if f.format == FormatPEP740 {
		return ParsePEP740(data)
	}
	return ParseBundle(data)
}

func publicGood(t testing.TB) *Verifier {
	t.Helper()
	tr, err := LoadTrustedRoot(filepath.Join("testdata", "trusted-root-public-good.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantErr fails unless err is an *Error wrapping reason.
func wantErr(t testing.TB, err, reason error) *Error {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) || !errors.Is(err, reason) || pe.Reason != reason {
		t.Fatalf("error %v, want a *provenance.Error wrapping %q", err, reason)
	}
	return pe
}

func TestVerifyRealAttestations(t *testing.T) {
	v := publicGood(t)
	for _, f := range fixtures(t) {
		t.Run(f.file, func(t *testing.T) {
			att, err := f.parse(readTestdata(t, f.file))
			if err != nil {
				t.Fatal(err)
			}
			if att.Format() != f.format {
				t.Errorf("Format() = %v, want %v", att.Format(), f.format)
			}
			res, err := v.Verify(att, f.artifact)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(f.id, res.Identity); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			alg, digest := "sha256", hex.EncodeToString(f.artifact.SHA256)
			if f.artifact.SHA512 != nil {
				alg, digest = "sha512", hex.EncodeToString(f.artifact.SHA512)
			}
			want := Subject{Name: f.artifact.Name, Digest: map[string]string{alg: digest}}
			if diff := cmp.Diff(want, res.Subject); diff != "" {
				t.Errorf("subject (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]Subject{want}, res.Statement.Subjects); diff != "" {
				t.Errorf("statement subjects (-want +got):\n%s", diff)
			}
			if res.Format != f.format || res.Statement.Type != f.stmtType || res.Statement.PredicateType != f.predicate {
				t.Errorf("format %v, statement %q about %q; want %v, %q, %q", res.Format,
					res.Statement.Type, res.Statement.PredicateType, f.format, f.stmtType, f.predicate)
			}
			if !res.IntegratedTime.Equal(time.Unix(f.integrated, 0)) {
				t.Errorf("IntegratedTime = %v, want %v", res.IntegratedTime, time.Unix(f.integrated, 0).UTC())
			}
			if res.Certificate == nil || res.IntegratedTime.Before(res.Certificate.NotBefore) ||
				res.IntegratedTime.After(res.Certificate.NotAfter) {
				t.Errorf("the certificate is not the one valid at the log's time")
			}
			var stmt struct {
				Predicate json.RawMessage `json:"predicate"`
			}
			if err := json.Unmarshal(res.Statement.Payload, &stmt); err != nil || len(stmt.Predicate) == 0 {
				t.Errorf("Payload is not the statement's JSON with its predicate: %v", err)
			}
		})
	}
}

// The npm statement's payload is the statement published beside the
// bundle, byte for byte in meaning.
func TestVerifyPayloadIsTheSignedStatement(t *testing.T) {
	f := fixtures(t)[0]
	att, err := ParseBundle(readTestdata(t, f.file))
	if err != nil {
		t.Fatal(err)
	}
	res, err := publicGood(t).Verify(att, f.artifact)
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal(res.Statement.Payload, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(readTestdata(t, "npm-sigstore-1.3.0.provenance.statement.json"), &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("payload (-statement.json +got):\n%s", diff)
	}
}

func TestVerifyRefusesAnotherArtifact(t *testing.T) {
	v := publicGood(t)
	for _, f := range fixtures(t) {
		att, err := f.parse(readTestdata(t, f.file))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(f.file+"/digest", func(t *testing.T) {
			a := f.artifact
			if a.SHA256 != nil {
				a.SHA256 = flipped(a.SHA256)
			} else {
				a.SHA512 = flipped(a.SHA512)
			}
			_, err := v.Verify(att, a)
			pe := wantErr(t, err, ErrDigest)
			if len(pe.Subjects) != 1 || pe.Subjects[0].Name != f.artifact.Name {
				t.Errorf("Subjects = %+v, want the statement's one subject", pe.Subjects)
			}
		})
		t.Run(f.file+"/name", func(t *testing.T) {
			a := f.artifact
			a.Name = strings.NewReplacer("1.3.0", "1.3.1", "0.0.19", "0.0.20", "0.0.3", "0.0.4").Replace(a.Name)
			_, err := v.Verify(att, a)
			pe := wantErr(t, err, ErrSubjectName)
			if !strings.Contains(pe.Error(), a.Name) || !strings.Contains(pe.Error(), f.artifact.Name) {
				t.Errorf("%q should name both the artifact and the subject", pe.Error())
			}
		})
	}
}

// flipped returns a copy of b with its last bit inverted.
func flipped(b []byte) []byte {
	c := append([]byte(nil), b...)
	c[len(c)-1] ^= 1
	return c
}

// Only the algorithms the statement carries are compared, and at least
// one must be.
func TestVerifyDigestAlgorithms(t *testing.T) {
	v := publicGood(t)
	fs := fixtures(t)
	npm, pypi := fs[0], fs[1]
	other256 := sha256Of([]byte("another file"))
	other512 := append(other256, other256...)
	for _, c := range []struct {
		name string
		f    fixture
		a    Artifact
		err  error
	}{
		{"npm sha512 and an unrelated sha256", npm, Artifact{Name: npm.artifact.Name, SHA256: other256, SHA512: npm.artifact.SHA512}, nil},
		{"npm sha256 only", npm, Artifact{Name: npm.artifact.Name, SHA256: other256}, ErrDigest},
		{"pypi sha256 and an unrelated sha512", pypi, Artifact{Name: pypi.artifact.Name, SHA256: pypi.artifact.SHA256, SHA512: other512}, nil},
		{"pypi sha512 only", pypi, Artifact{Name: pypi.artifact.Name, SHA512: other512}, ErrDigest},
	} {
		t.Run(c.name, func(t *testing.T) {
			att, err := c.f.parse(readTestdata(t, c.f.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(att, c.a)
			if c.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			pe := wantErr(t, err, c.err)
			if !strings.Contains(pe.Detail, "carries") {
				t.Errorf("%q should say which digests the statement carries", pe.Detail)
			}
		})
	}
}

func TestVerifyRefusesTampering(t *testing.T) {
	v := publicGood(t)
	fs := fixtures(t)
	npm, pypi := fs[0], fs[1]
	for _, c := range []struct {
		name   string
		f      fixture
		tamper func(t *testing.T, doc map[string]any)
		a      Artifact
		reason error
	}{{
		// A statement about another version, with the digest untouched.
		name: "npm statement", f: npm, reason: ErrSignature,
		a: Artifact{Name: "pkg:npm/sigstore@1.3.1", SHA512: npm.artifact.SHA512},
		tamper: func(t *testing.T, doc map[string]any) {
			env := doc["dsseEnvelope"].(map[string]any)
			env["payload"] = rewrite(t, env["payload"], "sigstore@1.3.0", "sigstore@1.3.1")
		},
	}, {
		name: "npm signature", f: npm, a: npm.artifact, reason: ErrSignature,
		tamper: func(t *testing.T, doc map[string]any) {
			sig := doc["dsseEnvelope"].(map[string]any)["signatures"].([]any)[0].(map[string]any)
			sig["sig"] = flipB64(t, sig["sig"])
		},
	}, {
		name: "npm log time", f: npm, a: npm.artifact, reason: ErrTlog,
		tamper: func(t *testing.T, doc map[string]any) {
			entry := doc["verificationMaterial"].(map[string]any)["tlogEntries"].([]any)[0].(map[string]any)
			entry["integratedTime"] = "1681839913"
		},
	}, {
		name: "pypi statement", f: pypi, reason: ErrSignature,
		a: Artifact{Name: "pypi_attestations-0.0.20.tar.gz", SHA256: pypi.artifact.SHA256},
		tamper: func(t *testing.T, doc map[string]any) {
			env := doc["envelope"].(map[string]any)
			env["statement"] = rewrite(t, env["statement"], "0.0.19", "0.0.20")
		},
	}, {
		name: "pypi signature", f: pypi, a: pypi.artifact, reason: ErrSignature,
		tamper: func(t *testing.T, doc map[string]any) {
			env := doc["envelope"].(map[string]any)
			env["signature"] = flipB64(t, env["signature"])
		},
	}, {
		// Another attestation's log entry: it records another signature.
		name: "pypi log entry of the slsa attestation", f: pypi, a: pypi.artifact, reason: ErrTlog,
		tamper: func(t *testing.T, doc map[string]any) {
			var other map[string]any
			if err := json.Unmarshal(readTestdata(t, fs[2].file), &other); err != nil {
				t.Fatal(err)
			}
			doc["verification_material"].(map[string]any)["transparency_entries"] =
				other["verification_material"].(map[string]any)["transparency_entries"]
		},
	}} {
		t.Run(c.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(readTestdata(t, c.f.file), &doc); err != nil {
				t.Fatal(err)
			}
			c.tamper(t, doc)
			data, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			att, err := c.f.parse(data)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(att, c.a)
			wantErr(t, err, c.reason)
		})
	}
}

// rewrite replaces old by new in a base64 field, failing when absent.
func rewrite(t *testing.T, field any, old, new string) string {
	t.Helper()
	raw := b64(t, field)
	if !strings.Contains(string(raw), old) {
		t.Fatalf("%q not in %s", old, raw)
	}
	return b64enc(strings.ReplaceAll(string(raw), old, new))
}

func flipB64(t *testing.T, field any) string { return b64enc(string(flipped(b64(t, field)))) }

func TestVerifyRefusesUntrustedRoots(t *testing.T) {
	var pg map[string]any
	if err := json.Unmarshal(readTestdata(t, "trusted-root-public-good.json"), &pg); err != nil {
		t.Fatal(err)
	}
	// A root of another instance: its own CA, CT log and Rekor.
	other := newTestSigstore(t).TrustedRoot(t)
	var o map[string]any
	if err := json.Unmarshal(other, &o); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		root   []byte
		reason error
	}{
		{"another Fulcio CA", withField(t, pg, "certificateAuthorities", o["certificateAuthorities"]), ErrCertificate},
		{"another CT log", withField(t, pg, "ctlogs", o["ctlogs"]), ErrCertificate},
		{"another Rekor", withField(t, pg, "tlogs", o["tlogs"]), ErrTlog},
		{"another instance", other, ErrTlog},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := ParseTrustedRoot(c.root)
			if err != nil {
				t.Fatal(err)
			}
			v, err := NewVerifier(tr, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fixtures(t) {
				att, err := f.parse(readTestdata(t, f.file))
				if err != nil {
					t.Fatal(err)
				}
				_, err = v.Verify(att, f.artifact)
				wantErr(t, err, c.reason)
			}
		})
	}
}

// withField is a copy of the JSON object doc with key set to v.
func withField(t *testing.T, doc map[string]any, key string, v any) []byte {
	t.Helper()
	c := make(map[string]any, len(doc))
	for k, x := range doc {
		c[k] = x
	}
	c[key] = v
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// SkipSCT is for instances without a CT log: a certificate without an SCT
// is refused unless it is set.
func TestVerifySCT(t *testing.T) {
	s := newTestSigstore(t)
	tr, err := ParseTrustedRoot(s.TrustedRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	a := testArtifact(t)
	stmt := statementFor(t, a.Name, map[string]string{"sha256": hex.EncodeToString(a.SHA256)}, "https://example.com/p")
	att, err := ParseBundle(s.Sign(t, gitHubIdentity(), stmt, func(o *signOptions) { o.noSCT = true }).Bundle(t))
	if err != nil {
		t.Fatal(err)
	}
	strict, err := NewVerifier(tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = strict.Verify(att, a)
	wantErr(t, err, ErrCertificate)
	lax, err := NewVerifier(tr, Options{SkipSCT: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lax.Verify(att, a); err != nil {
		t.Fatal(err)
	}
}

// A log time outside the certificate's ten minutes is refused.
func TestVerifyLogTimeOutsideCertificate(t *testing.T) {
	s := newTestSigstore(t)
	v := testVerifier(t, s)
	a := testArtifact(t)
	stmt := statementFor(t, a.Name, map[string]string{"sha256": hex.EncodeToString(a.SHA256)}, "https://example.com/p")
	att, err := ParseBundle(s.Sign(t, gitHubIdentity(), stmt,
		func(o *signOptions) { o.integrated = time.Now().Add(-30 * time.Minute) }).Bundle(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(att, a)
	wantErr(t, err, ErrTlog)
}

func TestVerifyConcurrently(t *testing.T) {
	v := publicGood(t)
	f := fixtures(t)[1]
	att, err := f.parse(readTestdata(t, f.file))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := v.Verify(att, f.artifact)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestVerifyRefusesBadArtifacts(t *testing.T) {
	v := publicGood(t)
	f := fixtures(t)[1]
	att, err := f.parse(readTestdata(t, f.file))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []Artifact{
		{SHA256: f.artifact.SHA256},
		{Name: f.artifact.Name},
		{Name: f.artifact.Name, SHA256: f.artifact.SHA256[:31]},
		{Name: f.artifact.Name, SHA256: f.artifact.SHA256, SHA512: f.artifact.SHA256},
	} {
		_, err := v.Verify(att, a)
		wantErr(t, err, ErrArtifact)
	}
	_, err = v.Verify(nil, f.artifact)
	wantErr(t, err, ErrMalformed)
}

func TestNewArtifact(t *testing.T) {
	a, err := NewArtifact("f.tgz", strings.NewReader("content"))
	if err != nil {
		t.Fatal(err)
	}
	want := Artifact{Name: "f.tgz",
		SHA256: unhex(t, "ed7002b439e9ac845f22357d822bac1444730fbdb6016d3ec9432297b9ec9f73"),
		SHA512: unhex(t, "b2d1d285b5199c85f988d03649c37e44fd3dde01e5d69c50fef90651962f48110e9340b60d49a479c4c0b53f5f07d690686dd87d2481937a512e8b85ee7c617f")}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	_, err = NewArtifact("f.tgz", failingReader{})
	wantErr(t, err, ErrArtifact)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestNPMSubject(t *testing.T) {
	for _, c := range []struct{ name, version, want string }{
		{"sigstore", "1.3.0", "pkg:npm/sigstore@1.3.0"},
		{"@sigstore/cli", "0.1.0-rc.1", "pkg:npm/%40sigstore/cli@0.1.0-rc.1"},
	} {
		if got := NPMSubject(c.name, c.version); got != c.want {
			t.Errorf("NPMSubject(%q, %q) = %q, want %q", c.name, c.version, got, c.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	v := publicGood(t)
	f := fixtures(t)[1]
	att, err := f.parse(readTestdata(t, f.file))
	if err != nil {
		t.Fatal(err)
	}
	a := f.artifact
	a.SHA256 = sha256Of([]byte("another file"))
	_, err = v.Verify(att, a)
	want := "provenance: artifact digest does not match the statement: sha256 of pypi_attestations-0.0.19.tar.gz: " +
		"the artifact's is " + hex.EncodeToString(a.SHA256) + ", the statement's " + pypiSHA256
	if err == nil || err.Error() != want {
		t.Errorf("error\n%v\nwant\n%s", err, want)
	}
}
