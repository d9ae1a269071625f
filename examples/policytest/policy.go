// Package policytest is a registry's own publishing policy, with the unit
// tests a registry writes for it on trustpub's test kit (policy_test.go):
// "this workflow may publish, that one may not", with tokens of the very
// claims GitHub Actions issues, verified exactly as in production.
package policytest

import (
	"fmt"

	"github.com/trustpub/trustpub/publisher"
)

// Registration is what a maintainer enters to trust a GitHub Actions
// workflow with a package.
type Registration struct {
	Package     string // the registry's package
	Owner       string // the repository owner's login
	OwnerID     string // their numeric id, looked up by the registry at registration
	Repository  string // the repository's name
	Workflow    string // the workflow's file name, e.g. release.yml
	Environment string // optional
}

// releaseTags is this registry's rule for every publisher: only runs of a
// version tag publish.
var releaseTags = mustRefs("refs/tags/v*")

// Publisher is the trusted publisher this registry registers for r on
// issuer (empty for github.com): the workflow as the maintainer entered it,
// plus the registry's own rules, release tags and GitHub-hosted runners
// only.
func Publisher(issuer string, r Registration) (publisher.Registered, error) {
	reg := publisher.Registered{
		ID: fmt.Sprintf("%s:github:%s/%s:%s", r.Package, r.Owner, r.Repository, r.Workflow),
		Policy: &publisher.GitHub{
			IssuerURL: issuer, Owner: r.Owner, OwnerID: r.OwnerID, Repository: r.Repository,
			Workflow: r.Workflow, Environment: r.Environment,
			Refs: releaseTags, RequireHostedRunner: true,
		},
		Packages: []string{r.Package},
	}
	// Refused now, when the maintainer enters it, rather than at publish
	// time: a MemoryStore's Add validates the same way.
	if _, err := publisher.NewMemoryStore(reg); err != nil {
		return publisher.Registered{}, err
	}
	return reg, nil
}

func mustRefs(patterns ...string) []publisher.RefPattern {
	var out []publisher.RefPattern
	for _, p := range patterns {
		rp, err := publisher.ParseRefPattern(p)
		if err != nil {
			panic(err)
		}
		out = append(out, rp)
	}
	return out
}
