package provenance

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels for every refusal. Each error this package returns is an
// *Error wrapping exactly one of them; none is ever an accept.
var (
	// ErrTrustedRoot: the trusted root given to the verifier is unreadable
	// or unusable.
	ErrTrustedRoot = errors.New("invalid trusted root")
	// ErrMalformed: the attestation is not a well-formed Sigstore bundle or
	// PEP 740 attestation of an in-toto statement signed with a Fulcio
	// certificate.
	ErrMalformed = errors.New("malformed attestation")
	// ErrTlog: the transparency log entry is missing, does not verify
	// against the trusted root's log keys, or does not match the bundle.
	ErrTlog = errors.New("transparency log verification failed")
	// ErrCertificate: the signing certificate does not chain to a trusted
	// Fulcio CA at the log's integration time, or lacks a valid signed
	// certificate timestamp.
	ErrCertificate = errors.New("untrusted signing certificate")
	// ErrSignature: the envelope's signature does not verify with the
	// certificate's key (a tampered statement or signature).
	ErrSignature = errors.New("invalid signature")
	// ErrSubjectName: no subject of the verified statement names the
	// artifact.
	ErrSubjectName = errors.New("statement subject does not name the artifact")
	// ErrDigest: the statement's subject names the artifact with another
	// digest, or with no digest the caller could compare.
	ErrDigest = errors.New("artifact digest does not match the statement")
	// ErrArtifact: the caller's description of the artifact is unusable
	// (no name, no digest, a digest of the wrong length).
	ErrArtifact = errors.New("invalid artifact")
)

// Error is why an attestation or a trusted root was refused.
type Error struct {
	// Reason is the sentinel the error wraps, e.g. ErrDigest.
	Reason error
	// Detail says what was found, for the maintainer who must fix it.
	Detail string
	// Subjects lists the verified statement's subjects when the refusal is
	// about them (ErrSubjectName, ErrDigest); nil otherwise.
	Subjects []Subject
	// Err is the underlying error (often sigstore-go's), nil when none.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("provenance: ")
	b.WriteString(e.Reason.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel and the underlying error, so that both
// errors.Is(err, ErrDigest) and errors.As on the cause work.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Reason}
	}
	return []error{e.Reason, e.Err}
}

// fail builds an *Error.
func fail(reason error, cause error, format string, args ...any) *Error {
	return &Error{Reason: reason, Detail: fmt.Sprintf(format, args...), Err: cause}
}
