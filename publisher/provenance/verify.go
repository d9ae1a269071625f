package provenance

import (
	"crypto/x509"
	"errors"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// Options tune a Verifier. The zero value is what Sigstore's public-good
// instance warrants, and what npm and PyPI check.
type Options struct {
	// SkipSCT stops requiring a signed certificate timestamp (a CT log's
	// promise to publish the signing certificate) embedded in it. Only for
	// a private Sigstore instance without a CT log: Fulcio on public-good
	// embeds one in every certificate.
	SkipSCT bool
}

// Verifier verifies attestations against one trusted root. It is safe for
// concurrent use.
type Verifier struct {
	tm  root.TrustedMaterial
	sv  *verify.Verifier
	sct bool
}

// NewVerifier returns a Verifier that requires of every attestation: a
// transparency log entry that verifies against the root's log keys (at
// least one), the signing certificate's chain to a Fulcio CA valid at the
// log's integration time, a signed certificate timestamp (unless
// opts.SkipSCT) and the envelope's signature by the certificate's key.
func NewVerifier(tr *TrustedRoot, opts Options) (*Verifier, error) {
	if tr == nil || tr.tr == nil {
		return nil, fail(ErrTrustedRoot, nil, "no trusted root")
	}
	vo := []verify.VerifierOption{
		verify.WithTransparencyLog(1),
		verify.WithIntegratedTimestamps(1),
		// The predicate is returned as raw JSON; parsing it into protobuf
		// structs would cost more than the rest of the verification.
		verify.WithoutStatementPredicate(),
	}
	if !opts.SkipSCT {
		vo = append(vo, verify.WithSignedCertificateTimestamps(1))
	}
	sv, err := verify.NewVerifier(tr.tr, vo...)
	if err != nil {
		return nil, fail(ErrTrustedRoot, err, "configuring the verifier")
	}
	return &Verifier{tm: tr.tr, sv: sv, sct: !opts.SkipSCT}, nil
}

// Result is a verified attestation of an artifact.
type Result struct {
	// Format is the wire format the attestation was read from.
	Format Format
	// Statement is the verified in-toto statement.
	Statement Statement
	// Subject is the statement's subject that names the artifact, with the
	// digests compared.
	Subject Subject
	// Identity is the signing certificate's workload identity. Deciding
	// whether it is the publisher allowed to publish the artifact is the
	// caller's next step.
	Identity Identity
	// Certificate is the verified signing certificate. Do not modify it.
	Certificate *x509.Certificate
	// IntegratedTime is when the transparency log recorded the signature
	// (the earliest verified entry): the time the certificate was checked
	// at.
	IntegratedTime time.Time
}

// Verify verifies an attestation of an artifact: the transparency log
// entry, the certificate chain at the log's time, the signature, then that
// a subject of the verified statement names the artifact and carries its
// digest. It checks no identity: match Result.Identity against the
// publisher next.
//
// The error is an *Error wrapping one of ErrArtifact, ErrMalformed,
// ErrTlog, ErrCertificate, ErrSignature, ErrSubjectName or ErrDigest.
func (v *Verifier) Verify(att *Attestation, a Artifact) (*Result, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	if att == nil || att.b == nil {
		return nil, fail(ErrMalformed, nil, "no attestation")
	}
	att.mu.Lock()
	defer att.mu.Unlock()
	// No identity policy: the caller matches Identity against its own
	// publisher rules. No artifact policy: sigstore-go would accept any
	// subject with the digest whatever its name, and can only be given
	// digests of the algorithms the (not yet verified) statement uses;
	// matchSubject binds name and digest on the verified statement.
	policy := verify.NewPolicy(verify.WithoutArtifactUnsafe(), verify.WithoutIdentitiesUnsafe())
	res, err := v.sv.Verify(att.b, policy)
	if err != nil {
		return nil, v.diagnose(att, err)
	}
	st, err := statementOf(att, res)
	if err != nil {
		return nil, err
	}
	sub, err := matchSubject(st.Subjects, a)
	if err != nil {
		return nil, err
	}
	return &Result{
		Format:         att.format,
		Statement:      st,
		Subject:        sub,
		Identity:       att.id,
		Certificate:    att.leaf,
		IntegratedTime: earliest(res.VerifiedTimestamps),
	}, nil
}

// diagnose finds which check a failed verification broke, to wrap the
// right sentinel. A tampered statement or signature breaks the log entry
// first (it records both): when the entry does not verify, the envelope's
// signature says whether the bundle itself was altered.
func (v *Verifier) diagnose(att *Attestation, cause error) error {
	b := att.b
	logged, err := v.sv.VerifyTransparencyLogInclusion(b)
	if err != nil {
		sig, err1 := b.SignatureContent()
		vc, err2 := b.VerificationContent()
		if err := errors.Join(err1, err2); err != nil {
			return fail(ErrMalformed, err, "reading the bundle")
		}
		if serr := verify.VerifySignature(sig, vc, v.tm); serr != nil {
			return fail(ErrSignature, serr, "the envelope's signature does not verify with the signing certificate's key")
		}
		return fail(ErrTlog, err, "no transparency log entry of the signature verifies against the trusted root")
	}
	times, err := v.sv.VerifyObserverTimestamps(b, logged)
	if err != nil {
		return fail(ErrTlog, err, "no verified integration time")
	}
	for _, t := range times {
		chains, err := verify.VerifyLeafCertificate(t.Timestamp, att.leaf, v.tm)
		if err != nil {
			return fail(ErrCertificate, err, "the signing certificate does not chain to a trusted Fulcio CA at %s",
				t.Timestamp.UTC().Format(time.RFC3339))
		}
		if v.sct {
			if err := verify.VerifySignedCertificateTimestamp(chains, 1, v.tm); err != nil {
				return fail(ErrCertificate, err, "the signing certificate has no valid signed certificate timestamp")
			}
		}
	}
	// The log and the certificate hold: the signature is what failed.
	return fail(ErrSignature, cause, "the envelope's signature does not verify with the signing certificate's key")
}

// earliest returns the earliest verified log time, zero when none.
func earliest(ts []verify.TimestampVerificationResult) time.Time {
	var t time.Time
	for _, v := range ts {
		if v.Type == "Tlog" && (t.IsZero() || v.Timestamp.Before(t)) {
			t = v.Timestamp
		}
	}
	return t
}
