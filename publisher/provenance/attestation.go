package provenance

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"google.golang.org/protobuf/encoding/protojson"
)

// MaxSize bounds the JSON of an attestation. Real ones are a few KiB (npm,
// PyPI) to a few hundred KiB (provenance with large predicates).
const MaxSize = 4 << 20

// inTotoPayloadType is the DSSE payload type of an in-toto statement.
const inTotoPayloadType = "application/vnd.in-toto+json"

// bundleV03 is the media type a PEP 740 attestation is converted to: the
// version whose tlog entries must carry an inclusion proof, as PyPI's do.
const bundleV03 = "application/vnd.dev.sigstore.bundle.v0.3+json"

// Format is the wire format an attestation was read from.
type Format int

// The formats.
const (
	// FormatBundle is a Sigstore bundle (v0.1 to v0.3) in its JSON form:
	// npm's provenance, GitHub artifact attestations, cosign and
	// sigstore-python bundles.
	FormatBundle Format = iota + 1
	// FormatPEP740 is a PEP 740 attestation, as PyPI accepts with uploads.
	FormatPEP740
)

// String names the format.
func (f Format) String() string {
	switch f {
	case FormatBundle:
		return "sigstore bundle"
	case FormatPEP740:
		return "PEP 740 attestation"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Attestation is a parsed, not yet verified, attestation: an in-toto
// statement in a DSSE envelope, signed with a Fulcio certificate and
// recorded in a transparency log. Nothing in it is trusted before
// Verifier.Verify succeeds.
type Attestation struct {
	format Format
	// mu serialises verifications: sigstore-go's bundle records state
	// while it is verified.
	mu   sync.Mutex
	b    *bundle.Bundle
	leaf *x509.Certificate
	id   Identity
}

// Format reports the wire format the attestation was read from.
func (a *Attestation) Format() Format { return a.format }

// ParseBundle reads a Sigstore bundle in its JSON form. The error is an
// *Error wrapping ErrMalformed.
func ParseBundle(data []byte) (*Attestation, error) {
	if len(data) > MaxSize {
		return nil, fail(ErrMalformed, nil, "%d bytes, more than %d", len(data), MaxSize)
	}
	pb := new(protobundle.Bundle)
	if err := protojson.Unmarshal(data, pb); err != nil {
		return nil, fail(ErrMalformed, err, "not a Sigstore bundle")
	}
	return newAttestation(pb, FormatBundle)
}

// pep740 is a PEP 740 attestation object.
type pep740 struct {
	Version              *int `json:"version"`
	VerificationMaterial *struct {
		Certificate         []byte            `json:"certificate"`
		TransparencyEntries []json.RawMessage `json:"transparency_entries"`
	} `json:"verification_material"`
	Envelope *struct {
		Statement []byte `json:"statement"`
		Signature []byte `json:"signature"`
	} `json:"envelope"`
}

// ParsePEP740 reads a PEP 740 attestation (the JSON object PyPI accepts
// with an upload and serves from its integrity API) and converts it to the
// Sigstore bundle it stands for: its certificate as the bundle's, its
// transparency entries as the bundle's log entries, its statement and
// signature as a DSSE envelope of an in-toto statement. The error is an
// *Error wrapping ErrMalformed.
func ParsePEP740(data []byte) (*Attestation, error) {
	if len(data) > MaxSize {
		return nil, fail(ErrMalformed, nil, "%d bytes, more than %d", len(data), MaxSize)
	}
	var p pep740
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		return nil, fail(ErrMalformed, err, "not a PEP 740 attestation")
	}
	if d.More() {
		return nil, fail(ErrMalformed, nil, "not a PEP 740 attestation: data after the object")
	}
	vm, env := p.VerificationMaterial, p.Envelope
	switch {
	case p.Version == nil || *p.Version != 1:
		return nil, fail(ErrMalformed, nil, "PEP 740 attestation: version must be 1")
	case vm == nil || len(vm.Certificate) == 0:
		return nil, fail(ErrMalformed, nil, "PEP 740 attestation: no verification_material.certificate")
	case len(vm.TransparencyEntries) == 0:
		return nil, fail(ErrMalformed, nil, "PEP 740 attestation: no verification_material.transparency_entries")
	case env == nil || len(env.Statement) == 0 || len(env.Signature) == 0:
		return nil, fail(ErrMalformed, nil, "PEP 740 attestation: envelope needs a statement and a signature")
	}
	entries := make([]*protorekor.TransparencyLogEntry, len(vm.TransparencyEntries))
	for i, raw := range vm.TransparencyEntries {
		entries[i] = new(protorekor.TransparencyLogEntry)
		if err := protojson.Unmarshal(raw, entries[i]); err != nil {
			return nil, fail(ErrMalformed, err, "PEP 740 attestation: transparency entry %d", i)
		}
	}
	pb := &protobundle.Bundle{
		MediaType: bundleV03,
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{
				Certificate: &protocommon.X509Certificate{RawBytes: vm.Certificate},
			},
			TlogEntries: entries,
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload:     env.Statement,
			PayloadType: inTotoPayloadType,
			Signatures:  []*protodsse.Signature{{Sig: env.Signature}},
		}},
	}
	return newAttestation(pb, FormatPEP740)
}

// newAttestation validates a bundle as sigstore-go does, and further
// requires what an attestation of a package needs: an in-toto statement
// in a DSSE envelope with one signature, a Fulcio certificate (not a bare
// key) whose identity extensions parse, and a transparency log entry.
func newAttestation(pb *protobundle.Bundle, f Format) (*Attestation, error) {
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, fail(ErrMalformed, err, "invalid %s", f)
	}
	env := pb.GetDsseEnvelope()
	switch {
	case env == nil:
		return nil, fail(ErrMalformed, nil, "the %s signs no DSSE envelope (a bare message signature attests no statement)", f)
	case env.GetPayloadType() != inTotoPayloadType:
		return nil, fail(ErrMalformed, nil, "the envelope's payload type is %q, not an in-toto statement", env.GetPayloadType())
	case len(env.GetSignatures()) != 1:
		return nil, fail(ErrMalformed, nil, "the envelope has %d signatures, want exactly 1", len(env.GetSignatures()))
	case len(pb.GetVerificationMaterial().GetTlogEntries()) == 0:
		return nil, fail(ErrMalformed, nil, "the %s has no transparency log entry", f)
	}
	vc, err := b.VerificationContent()
	if err != nil {
		return nil, fail(ErrMalformed, err, "the %s's verification material", f)
	}
	leaf := vc.Certificate()
	if leaf == nil {
		return nil, fail(ErrMalformed, nil, "the %s is signed with a key, not a Fulcio certificate: it carries no workflow identity", f)
	}
	id, err := readIdentity(leaf)
	if err != nil {
		return nil, err
	}
	return &Attestation{format: f, b: b, leaf: leaf, id: id}, nil
}

// readIdentity reads the signing identity from a Fulcio certificate.
func readIdentity(cert *x509.Certificate) (Identity, error) {
	sum, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		return Identity{}, fail(ErrMalformed, err, "the signing certificate's identity")
	}
	if err := sameIssuer(cert); err != nil {
		return Identity{}, err
	}
	x := sum.Extensions
	return Identity{
		SubjectAlternativeName:          sum.SubjectAlternativeName,
		Issuer:                          x.Issuer,
		BuildSignerURI:                  x.BuildSignerURI,
		BuildSignerDigest:               x.BuildSignerDigest,
		RunnerEnvironment:               x.RunnerEnvironment,
		SourceRepositoryURI:             x.SourceRepositoryURI,
		SourceRepositoryDigest:          x.SourceRepositoryDigest,
		SourceRepositoryRef:             x.SourceRepositoryRef,
		SourceRepositoryIdentifier:      x.SourceRepositoryIdentifier,
		SourceRepositoryOwnerURI:        x.SourceRepositoryOwnerURI,
		SourceRepositoryOwnerIdentifier: x.SourceRepositoryOwnerIdentifier,
		BuildConfigURI:                  x.BuildConfigURI,
		BuildConfigDigest:               x.BuildConfigDigest,
		BuildTrigger:                    x.BuildTrigger,
		RunInvocationURI:                x.RunInvocationURI,
		SourceRepositoryVisibility:      x.SourceRepositoryVisibilityAtSigning,
	}, nil
}

// oidIssuerV1 is Fulcio's deprecated issuer extension, which certificates
// still carry beside its successor.
var oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}

// sameIssuer refuses a certificate whose deprecated issuer extension
// (1.3.6.1.4.1.57264.1.1, raw bytes) and current one (….1.8, a DER string)
// disagree: sigstore-go keeps whichever comes last, so the identity read
// would depend on the extensions' order.
func sameIssuer(cert *x509.Certificate) error {
	var v1, v2 string
	var has1, has2 bool
	for _, e := range cert.Extensions {
		switch {
		case e.Id.Equal(oidIssuerV1):
			v1, has1 = string(e.Value), true
		case e.Id.Equal(certificate.OIDIssuerV2):
			if _, err := asn1.Unmarshal(e.Value, &v2); err != nil {
				return fail(ErrMalformed, err, "the signing certificate's issuer extension")
			}
			has2 = true
		}
	}
	if has1 && has2 && v1 != v2 {
		return fail(ErrMalformed, errors.New("issuer extensions disagree"),
			"the signing certificate names two issuers, %q and %q", v1, v2)
	}
	return nil
}
