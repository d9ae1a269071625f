package claims

// Kind names a kind of CI provider: the schema of its tokens' claims. It is
// what Set.Provider returns, what a provider and a policy are for, and the
// "provider" of a publisher in a registry's configuration file.
type Kind string

// The provider kinds this module knows.
const (
	// KindGitHub is GitHub Actions, on any GitHub issuer; claims *GitHub.
	KindGitHub Kind = "github"
	// KindGitLab is GitLab CI/CD, on gitlab.com or a self-managed
	// instance; claims *GitLab.
	KindGitLab Kind = "gitlab"
	// KindGoogle is Google Cloud service-account identity tokens; claims
	// *Google.
	KindGoogle Kind = "google"
	// KindActiveState is the ActiveState Platform; claims *ActiveState.
	KindActiveState Kind = "activestate"
	// KindCircleCI is CircleCI, one issuer per organization; claims
	// *CircleCI.
	KindCircleCI Kind = "circleci"
	// KindSemaphore is Semaphore, one issuer per organization; claims
	// *Semaphore.
	KindSemaphore Kind = "semaphore"
	// KindBuildkite is Buildkite, one issuer for every organization;
	// claims *Buildkite.
	KindBuildkite Kind = "buildkite"
)
