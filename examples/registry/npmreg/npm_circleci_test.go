package npmreg_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/internal/npmtest"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
	"github.com/trustpub/trustpub/publisher/exchange"
)

// CircleCI organizations: hello's (providertest.CircleCIClaims'), other's,
// and one nobody registered.
const (
	cciHelloOrg = "3f2b8c1e-5d4a-4e6b-9c7d-8a1b2c3d4e5f"
	cciOtherOrg = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	cciNobody   = "9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a"
)

// newCircleCIWorld is CircleCI: the pipeline of the fixture's project
// publishes hello; the same project and pipeline ids under another
// organization publish other. The verifier trusts the family of every
// organization; the store admits the two registered.
func newCircleCIWorld(t *testing.T) *npmWorld {
	t.Helper()
	iss := providertest.New(t, oidctest.Options{})
	policy := func(org string) *publisher.CircleCI {
		member, err := iss.CircleCIOrg(org)
		if err != nil {
			t.Fatal(err)
		}
		c := providertest.CircleCIClaims()
		return &publisher.CircleCI{IssuerURL: member.URL(), OrganizationID: org, ProjectID: c.ProjectID,
			PipelineDefinitionID: c.PipelineDefinitionID, VCSOrigin: c.VCSOrigin}
	}
	return startNPMWorld(t, iss, iss.CircleCI(),
		publisher.Registered{ID: "hello-circleci", Policy: policy(cciHelloOrg), Packages: []string{"hello"}},
		publisher.Registered{ID: "other-circleci", Policy: policy(cciOtherOrg), Packages: []string{"other"}})
}

// circleCIJob is npm's environment in a CircleCI job whose step ran
// `export NPM_ID_TOKEN=$(circleci run oidc get --claims '{"aud":"npm:…"}')`:
// CircleCI's own variables, which ci-info reads, and a token of c. Nothing
// of GitHub Actions or GitLab: npmtest gives npm no other variable.
func (w *npmWorld) circleCIJob(t *testing.T, c *claims.CircleCI) []string {
	t.Helper()
	tok, err := w.iss.MintCircleCI(c, oidctest.Audience("npm:127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	return []string{"CIRCLECI=true", "CI=true", "NPM_ID_TOKEN=" + tok}
}

// cciJob is a job of hello's pipeline under org, re-run with SSH or not.
func cciJob(org string, sshRerun bool) *claims.CircleCI {
	c := providertest.CircleCIClaims()
	c.Subject = strings.Replace(c.Subject, cciHelloOrg, org, 1)
	c.OrganizationID, c.SSHRerun = org, &sshRerun
	return c
}

// In a CircleCI job, npm exchanges NPM_ID_TOKEN, a token of the job's
// organization's own issuer, and publishes with what it gets; tokens of
// another organization, of an SSH re-run, or of an organization nobody
// registered are refused, and npm falls back to its other credentials.
func TestNPMTrustedPublishingCircleCI(t *testing.T) {
	w := newCircleCIWorld(t)
	fetches := func(org string) int { // of the organization's issuer: discovery and keys
		m, err := w.iss.CircleCIOrg(org)
		if err != nil {
			t.Fatal(err)
		}
		return m.Requests("/.well-known/openid-configuration") + m.JWKSRequests()
	}
	static := []string{npmtest.AuthToken(w.opts.Registry, staticToken)}
	// npm's log redacts every UUID, so CircleCI's ids in a refusal read
	// "***": the rule that failed, and the issuer's host, still tell.
	tests := []struct {
		name    string
		version string
		job     *claims.CircleCI
		npmrc   []string // a fallback credential
		message string   // the exchange's refusal, or "" when it succeeds
		put     string   // how the PUT was authorized, or "" when there was none
	}{
		{"the registered pipeline", "1.0.0", cciJob(cciHelloOrg, false), nil, "", "oidc"},
		{"another organization's pipeline", "1.0.1", cciJob(cciOtherOrg, false), static,
			`No trusted publisher of "hello" is registered for "***/***" on ` + w.iss.URL() + "/org/***.", "static"},
		{"an SSH re-run", "1.0.2", cciJob(cciHelloOrg, true), nil,
			`No trusted publisher of "hello" accepts this token of "***/***" on ` + w.iss.URL() + "/org/***; publisher 1 of 1: " +
				"allow_ssh_rerun: the publisher expects a job not re-run with SSH", ""},
		{"an organization nobody registered", "1.0.3", cciJob(cciNobody, false), nil,
			"The token's issuer is not trusted here.", ""},
	}
	var puts, asked []string
	for _, tt := range tests {
		asked = append(asked, exchange.NPMPattern+"hello")
		t.Run(tt.name, func(t *testing.T) {
			if tt.put != "" {
				puts = append(puts, tt.put)
			}
			o := w.opts
			o.Env, o.Npmrc = w.circleCIJob(t, tt.job), tt.npmrc
			res := w.cli.Publish(t, npmtest.WritePackage(t, "hello", tt.version), o)
			switch {
			case tt.message == "":
				if res.ExitCode != 0 || !strings.Contains(res.Stderr, oidcUsed) {
					t.Fatalf("the exchange was not used:\n%s", res)
				}
			case !strings.Contains(res.Stderr, oidcFailed+tt.message) || strings.Contains(res.Stderr, oidcUsed):
				t.Fatalf("want a refusal with %q:\n%s", tt.message, res)
			case tt.put == "" && (res.ExitCode == 0 || !strings.Contains(res.Stderr, "ENEEDAUTH")):
				t.Errorf("want ENEEDAUTH after the refusal:\n%s", res)
			case tt.put != "" && res.ExitCode != 0:
				t.Errorf("want a publish with the fallback credential:\n%s", res)
			}
			if got := w.published("hello", tt.version); got != (tt.put != "") {
				t.Errorf("published: %v", got)
			}
			if diff := cmp.Diff(puts, w.authorized()); diff != "" {
				t.Errorf("PUTs authorized by (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff(asked, w.exchange.asked()); diff != "" {
		t.Errorf("exchange requests (-want +got):\n%s", diff)
	}
	// Registered organizations were admitted and their keys fetched; the
	// unregistered one cost nothing.
	if fetches(cciHelloOrg) == 0 || fetches(cciOtherOrg) == 0 {
		t.Errorf("keys fetched: hello's organization %d, other's %d", fetches(cciHelloOrg), fetches(cciOtherOrg))
	}
	if n := fetches(cciNobody); n != 0 {
		t.Errorf("%d requests to the issuer of an organization nobody registered", n)
	}
}
