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
// ref, trigger, runner). Result.Match holds it to a registered trusted
// publisher (a publisher.GitHub or publisher.GitLab policy) with the
// policy's own rules, as if it were the claims of a token of the policy's
// issuer; Verifier.VerifyFor does both steps in one call, the one a
// registry makes for an upload with the publisher that authorised it.
// Rules whose claim the certificate does not carry (a deployment
// environment, a protected ref) are not checkable: the match fails unless
// the caller accepts them (MatchOptions.AcceptUnchecked).
//
// Every refusal of the attestation is an *Error wrapping one sentinel
// (ErrMalformed, ErrTlog, ErrCertificate, ErrSignature, ErrSubjectName,
// ErrDigest, …); a verified attestation signed by someone else than the
// publisher is a *MatchError wrapping ErrIdentity, listing every failed
// and unchecked rule.
//
// # Claims read from the certificate
//
// Fulcio copies each identity extension from the CI token it was given;
// Match reads them back into the token's claims (web is the issuer's web
// address: https://github.com for github.com's issuer, the instance's URL
// for GitLab):
//
//	extension (1.3.6.1.4.1.57264.1.n)   GitHub claim                      GitLab claim
//	8  Issuer                           must equal the policy's Issuer    same
//	12 Source Repository URI            repository (after web/)          project_path (after web/)
//	16 Source Repository Owner URI      repository_owner (after web/)     namespace_path (after web/)
//	15 Source Repository Identifier     repository_id                     project_id
//	17 Source Repository Owner Id.      repository_owner_id               namespace_id
//	18 Build Config URI                 workflow_ref (after web/)         ci_config_ref_uri (after https://)
//	19 Build Config Digest              workflow_sha                      ci_config_sha
//	9  Build Signer URI                 job_workflow_ref (after web/)     -
//	10 Build Signer Digest              job_workflow_sha                  -
//	14 Source Repository Ref            ref                               ref_path
//	13 Source Repository Digest         sha                               sha
//	20 Build Trigger                    event_name                        pipeline_source
//	11 Runner Environment               runner_environment                runner_environment
//	22 Source Repository Visibility     repository_visibility             project_visibility
//
// A URI that is not under web is kept whole, so it matches no policy. No
// extension carries environment or ref_protected.
//
// This is the only package of the module that imports sigstore-go; none of
// its types appear in this package's API.
package provenance
