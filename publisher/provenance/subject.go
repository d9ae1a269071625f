package provenance

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/verify"
)

// The in-toto statement types accepted: v1, and v0.1 as npm writes.
const (
	statementV1  = "https://in-toto.io/Statement/v1"
	statementV01 = "https://in-toto.io/Statement/v0.1"
)

// Statement is a verified in-toto statement.
type Statement struct {
	// Type is the statement's _type, e.g. "https://in-toto.io/Statement/v1".
	Type string
	// PredicateType says what the predicate is, e.g.
	// "https://slsa.dev/provenance/v1" or PyPI's
	// "https://docs.pypi.org/attestations/publish/v1".
	PredicateType string
	// Subjects are the artifacts the statement is about.
	Subjects []Subject
	// Payload is the statement's JSON exactly as signed, for reading the
	// predicate. Do not modify it.
	Payload []byte
}

// Subject is one artifact a statement is about.
type Subject struct {
	// Name is the artifact's name: npm writes a package URL
	// ("pkg:npm/sigstore@1.3.0", see NPMSubject), PyPI the distribution's
	// file name.
	Name string
	// Digest maps an algorithm ("sha256", "sha512", …) to the artifact's
	// digest in hex, as the statement carries it.
	Digest map[string]string
}

// Artifact is what the caller holds and the attestation must be about: the
// name it is published under and its digests. Set the digests the registry
// computed; the statement's subject must carry at least one of them, and
// every one it carries must be equal.
type Artifact struct {
	// Name must equal the subject's name exactly: no case folding, no
	// normalisation.
	Name string
	// SHA256 is the artifact's SHA-256 digest (32 bytes), nil when unknown.
	SHA256 []byte
	// SHA512 is the artifact's SHA-512 digest (64 bytes), nil when unknown.
	SHA512 []byte
}

// NewArtifact reads content to its end and returns the Artifact named name
// with both digests.
func NewArtifact(name string, content io.Reader) (Artifact, error) {
	h256, h512 := sha256.New(), sha512.New()
	if _, err := io.Copy(io.MultiWriter(h256, h512), content); err != nil {
		return Artifact{}, fail(ErrArtifact, err, "reading %s", name)
	}
	return Artifact{Name: name, SHA256: h256.Sum(nil), SHA512: h512.Sum(nil)}, nil
}

// NPMSubject is the subject name npm gives a package version in its
// provenance statement: a package URL whose scope's "@" is escaped, e.g.
// "pkg:npm/%40scope/name@1.0.0".
func NPMSubject(name, version string) string {
	if rest, ok := strings.CutPrefix(name, "@"); ok {
		name = "%40" + rest
	}
	return "pkg:npm/" + name + "@" + version
}

// check refuses an artifact that could never be compared.
func (a Artifact) check() error {
	switch {
	case a.Name == "":
		return fail(ErrArtifact, nil, "no name")
	case a.SHA256 == nil && a.SHA512 == nil:
		return fail(ErrArtifact, nil, "no digest")
	case a.SHA256 != nil && len(a.SHA256) != sha256.Size:
		return fail(ErrArtifact, nil, "a SHA-256 digest has %d bytes, not %d", len(a.SHA256), sha256.Size)
	case a.SHA512 != nil && len(a.SHA512) != sha512.Size:
		return fail(ErrArtifact, nil, "a SHA-512 digest has %d bytes, not %d", len(a.SHA512), sha512.Size)
	}
	return nil
}

// statementOf returns the verified statement, refusing a type other than
// in-toto's.
func statementOf(att *Attestation, res *verify.VerificationResult) (Statement, error) {
	s := res.Statement
	if s == nil {
		return Statement{}, fail(ErrMalformed, nil, "the envelope holds no statement")
	}
	if s.GetType() != statementV1 && s.GetType() != statementV01 {
		return Statement{}, fail(ErrMalformed, nil, "the statement's type is %q, not an in-toto statement", s.GetType())
	}
	subs := make([]Subject, 0, len(s.GetSubject()))
	for _, d := range s.GetSubject() {
		subs = append(subs, Subject{Name: d.GetName(), Digest: d.GetDigest()})
	}
	return Statement{
		Type:          s.GetType(),
		PredicateType: s.GetPredicateType(),
		Subjects:      subs,
		Payload:       att.b.GetDsseEnvelope().GetPayload(),
	}, nil
}

// matchSubject finds the subject named a.Name and compares its digests
// with the artifact's. Every subject of that name must match: a statement
// naming the artifact twice with different digests is refused.
func matchSubject(subs []Subject, a Artifact) (Subject, error) {
	var found Subject
	n := 0
	for _, s := range subs {
		if s.Name != a.Name {
			continue
		}
		if err := compareDigests(s, a); err != nil {
			err.Subjects = subs
			return Subject{}, err
		}
		found, n = s, n+1
	}
	if n == 0 {
		names := make([]string, len(subs))
		for i, s := range subs {
			names[i] = fmt.Sprintf("%q", s.Name)
		}
		return Subject{}, &Error{Reason: ErrSubjectName, Subjects: subs,
			Detail: fmt.Sprintf("the artifact is %q, the statement is about %s", a.Name, orNothing(strings.Join(names, ", ")))}
	}
	return found, nil
}

// compareDigests compares every algorithm both sides have; at least one.
func compareDigests(s Subject, a Artifact) *Error {
	compared := 0
	for _, d := range []struct {
		alg  string
		want []byte
	}{{"sha256", a.SHA256}, {"sha512", a.SHA512}} {
		got, ok := s.Digest[d.alg]
		if !ok || d.want == nil {
			continue
		}
		raw, err := hex.DecodeString(got)
		if err != nil || !bytes.Equal(raw, d.want) {
			return &Error{Reason: ErrDigest, Detail: fmt.Sprintf("%s of %s: the artifact's is %x, the statement's %s",
				d.alg, a.Name, d.want, got)}
		}
		compared++
	}
	if compared == 0 {
		return &Error{Reason: ErrDigest, Detail: fmt.Sprintf("the statement carries %s digests of %s, the artifact's %s",
			orNothing(strings.Join(slices.Sorted(maps.Keys(s.Digest)), ", ")), a.Name, a.algorithms())}
	}
	return nil
}

// algorithms lists the digests the caller gave.
func (a Artifact) algorithms() string {
	var algs []string
	if a.SHA256 != nil {
		algs = append(algs, "sha256")
	}
	if a.SHA512 != nil {
		algs = append(algs, "sha512")
	}
	return strings.Join(algs, ", ")
}

func orNothing(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}
