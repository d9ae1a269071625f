// Package provenance verifies the Sigstore attestations that come with a
// package upload, so that a registry can hold a file to the same trusted
// publisher that uploaded it: "this file was built and signed by the very
// workflow that was allowed to publish it".
//
// Two wire formats are read: a Sigstore bundle (npm's --provenance, GitHub
// artifact attestations; ParseBundle) and a PEP 740 attestation (PyPI;
// ParsePEP740, converted to the bundle it stands for). Verifier.Verify then
// checks, offline, against a trusted root the caller supplies
// (ParseTrustedRoot):
//
//   - a transparency log (Rekor) entry that verifies with the root's log
//     keys and records this very signature;
//   - the signing certificate's chain to a Fulcio CA at the log's
//     integration time, and its signed certificate timestamp;
//   - the DSSE envelope's signature with the certificate's key;
//   - that a subject of the verified in-toto statement names the artifact
//     and carries its digest (sha256 or sha512, whichever it has).
//
// The Result carries the certificate's workload identity (Identity: issuer,
// repository and owner with their stable ids, calling and job workflow,
// ref, trigger, runner) for the caller to match against the publisher's
// policy. Every refusal is an *Error wrapping one sentinel (ErrMalformed,
// ErrTlog, ErrCertificate, ErrSignature, ErrSubjectName, ErrDigest, …).
//
// This is the only package of the module that imports sigstore-go; none of
// its types appear in this package's API.
package provenance
