package provenance

// Identity is the signing identity a Fulcio certificate carries: the CI
// workload whose OIDC token Fulcio exchanged for the certificate, read from
// the certificate's extensions (OID arc 1.3.6.1.4.1.57264.1). Fulcio copies
// each value from the token, so each maps to one claim of the provider;
// the field comments name GitHub Actions' and GitLab CI/CD's.
//
// A value is empty when the certificate lacks its extension (certificates
// issued before mid-2023 carry fewer). Fulcio has no extension for a
// deployment environment, a protected ref or a workflow's name: rules on
// them cannot be checked against an attestation.
type Identity struct {
	// SubjectAlternativeName is the certificate's identity as cosign shows
	// it: for GitHub the Build Signer URI, for GitLab the same URI.
	SubjectAlternativeName string `json:"subjectAlternativeName"`
	// Issuer is the OIDC issuer of the token (….1.8, or the deprecated ….1.1
	// in older certificates), e.g. "https://token.actions.githubusercontent.com".
	Issuer string `json:"issuer"`
	// BuildSignerURI (….1.9) is the workflow that ran the job: GitHub
	// "https://github.com/" + job_workflow_ref (a reusable workflow when
	// one ran the job); GitLab "https://" + ci_config_ref_uri.
	BuildSignerURI string `json:"buildSignerURI,omitempty"`
	// BuildSignerDigest (….1.10) is that workflow's commit: GitHub
	// job_workflow_sha, GitLab ci_config_sha.
	BuildSignerDigest string `json:"buildSignerDigest,omitempty"`
	// RunnerEnvironment (….1.11): "github-hosted", "gitlab-hosted" or
	// "self-hosted".
	RunnerEnvironment string `json:"runnerEnvironment,omitempty"`
	// SourceRepositoryURI (….1.12) is the repository's web URL, e.g.
	// "https://github.com/owner/repo" (claims repository, project_path).
	SourceRepositoryURI string `json:"sourceRepositoryURI,omitempty"`
	// SourceRepositoryDigest (….1.13) is the commit built (claim sha).
	SourceRepositoryDigest string `json:"sourceRepositoryDigest,omitempty"`
	// SourceRepositoryRef (….1.14) is the full git ref, e.g.
	// "refs/tags/v1.0.0" (GitHub ref, GitLab ref_path).
	SourceRepositoryRef string `json:"sourceRepositoryRef,omitempty"`
	// SourceRepositoryIdentifier (….1.15) is the repository's stable id
	// (GitHub repository_id, GitLab project_id).
	SourceRepositoryIdentifier string `json:"sourceRepositoryIdentifier,omitempty"`
	// SourceRepositoryOwnerURI (….1.16) is the owner's web URL, e.g.
	// "https://github.com/owner" (repository_owner, namespace_path).
	SourceRepositoryOwnerURI string `json:"sourceRepositoryOwnerURI,omitempty"`
	// SourceRepositoryOwnerIdentifier (….1.17) is the owner's stable id
	// (GitHub repository_owner_id, GitLab namespace_id).
	SourceRepositoryOwnerIdentifier string `json:"sourceRepositoryOwnerIdentifier,omitempty"`
	// BuildConfigURI (….1.18) is the top-level build configuration: GitHub
	// "https://github.com/" + workflow_ref (the calling workflow); GitLab
	// "https://" + ci_config_ref_uri.
	BuildConfigURI string `json:"buildConfigURI,omitempty"`
	// BuildConfigDigest (….1.19) is its commit (GitHub workflow_sha,
	// GitLab ci_config_sha).
	BuildConfigDigest string `json:"buildConfigDigest,omitempty"`
	// BuildTrigger (….1.20) is what started the run (GitHub event_name,
	// GitLab pipeline_source), e.g. "push", "release".
	BuildTrigger string `json:"buildTrigger,omitempty"`
	// RunInvocationURI (….1.21) is the run's URL.
	RunInvocationURI string `json:"runInvocationURI,omitempty"`
	// SourceRepositoryVisibility (….1.22) is the repository's visibility
	// when the certificate was issued: "public", "private" or "internal".
	SourceRepositoryVisibility string `json:"sourceRepositoryVisibilityAtSigning,omitempty"`
}
