package providers

// The issuers of CircleCI, Semaphore and Buildkite. CircleCI and Semaphore
// give each organization its own issuer: CircleCIIssuer and
// SemaphoreIssuer build one member's URL.
const (
	// CircleCIIssuerPrefix is followed by the organization's id (a UUID)
	// in a CircleCI issuer: https://oidc.circleci.com/org/<organization id>.
	CircleCIIssuerPrefix = "https://oidc.circleci.com/org/"
	// SemaphoreIssuerSuffix follows the organization's name (one DNS
	// label) in a Semaphore issuer: https://<organization>.semaphoreci.com.
	SemaphoreIssuerSuffix = ".semaphoreci.com"
	// BuildkiteIssuer is the one issuer of Buildkite's tokens, for every
	// organization: the claims tell organizations apart.
	BuildkiteIssuer = "https://agent.buildkite.com"
)

// CircleCIIssuer is the issuer of the CircleCI organization with this id.
func CircleCIIssuer(orgID string) string { return CircleCIIssuerPrefix + orgID }

// SemaphoreIssuer is the issuer of the Semaphore organization of this name.
func SemaphoreIssuer(org string) string { return "https://" + org + SemaphoreIssuerSuffix }
