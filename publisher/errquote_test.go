package publisher_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/internal/quote"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// Hostile claim values: one forges a log line, one is 8 KB.
var (
	forged = "main\nINFO publisher: token accepted"
	huge   = strings.Repeat("A", 8<<10)
	digits = strings.Repeat("9", 8<<10) // a JSON number can hold no newline, only length
)

// hostileCase mints a token carrying v where one error type reports it.
type hostileCase struct {
	name    string
	numeric bool // v must be a JSON number: only the long value applies
	prov    func(*providertest.Issuer) providers.Provider
	pubs    func(*providertest.Issuer) []publisher.Registered
	mint    func(iss *providertest.Issuer, v string) (string, error)
	want    error
}

func githubRun() *claims.GitHub {
	return providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0")
}

func githubPubs(env string) func(*providertest.Issuer) []publisher.Registered {
	return func(iss *providertest.Issuer) []publisher.Registered {
		return []publisher.Registered{{ID: "hello", Policy: &publisher.GitHub{IssuerURL: iss.URL(),
			Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml", Environment: env}}}
	}
}

func mintGitHub(edit func(c *claims.GitHub, v string), opts ...func(v string) oidctest.MintOption) func(*providertest.Issuer, string) (string, error) {
	return func(iss *providertest.Issuer, v string) (string, error) {
		c := githubRun()
		if edit != nil {
			edit(c, v)
		}
		var mo []oidctest.MintOption
		for _, o := range opts {
			mo = append(mo, o(v))
		}
		return iss.MintGitHub(c, mo...)
	}
}

// semaphoreProv trusts the kit's Semaphore family.
func semaphoreProv(iss *providertest.Issuer) providers.Provider { return iss.Semaphore() }

// semaphorePubs registers the fixture's publisher on acme's member issuer
// (admitting it), with a refs rule when refs is set.
func semaphorePubs(refs bool) func(*providertest.Issuer) []publisher.Registered {
	return func(iss *providertest.Issuer) []publisher.Registered {
		acme, err := iss.SemaphoreOrg("acme")
		if err != nil {
			panic(err)
		}
		p := &publisher.Semaphore{IssuerURL: acme.URL(), Organization: "acme", OrganizationID: "d7dd33ad-9317-498c-9cc6-51c250749be7",
			Project: "hello-py", ProjectID: "936a5312-a3b8-4921-8b3f-2cec8baac574", RepoSlug: "acme-labs/hello-py"}
		if refs {
			pat, err := publisher.ParseRefPattern("refs/tags/v*")
			if err != nil {
				panic(err)
			}
			p.Refs = []publisher.RefPattern{pat}
		}
		return []publisher.Registered{{ID: "hello-py", Policy: p}}
	}
}

// mintSemaphore mints the fixture's claims, edited, signed by acme's member
// issuer whatever org the edit leaves.
func mintSemaphore(edit func(c *claims.Semaphore, v string), opts ...func(v string) oidctest.MintOption) func(*providertest.Issuer, string) (string, error) {
	return func(iss *providertest.Issuer, v string) (string, error) {
		c := providertest.SemaphoreClaims()
		if edit != nil {
			edit(c, v)
		}
		acme, err := iss.SemaphoreOrg("acme")
		if err != nil {
			return "", err
		}
		mo := []oidctest.MintOption{oidctest.Lifetime(providers.SemaphoreLifetime), oidctest.NotBefore(0)}
		for _, o := range opts {
			mo = append(mo, o(v))
		}
		return acme.Mint(c, mo...)
	}
}

// cciFamily is the kit's CircleCI family, as a Provider.
func cciFamily(iss *providertest.Issuer) providers.Provider { return iss.CircleCI() }

// cciPubs registers the fixture's publisher (cciPolicy, edited) on the
// kit's member for its organization.
func cciPubs(edit func(*publisher.CircleCI)) func(*providertest.Issuer) []publisher.Registered {
	return func(iss *providertest.Issuer) []publisher.Registered {
		org, err := iss.CircleCIOrg(cciOrg)
		if err != nil {
			panic(err)
		}
		p := cciPolicy()
		p.IssuerURL = org.URL()
		if edit != nil {
			edit(p)
		}
		return []publisher.Registered{{ID: "hello-world", Policy: p}}
	}
}

func mintCircleCI(edit func(c *claims.CircleCI, v string), opts ...func(v string) oidctest.MintOption) func(*providertest.Issuer, string) (string, error) {
	return func(iss *providertest.Issuer, v string) (string, error) {
		c := providertest.CircleCIClaims()
		if edit != nil {
			edit(c, v)
		}
		var mo []oidctest.MintOption
		for _, o := range opts {
			mo = append(mo, o(v))
		}
		return iss.MintCircleCI(c, mo...)
	}
}

var hostileCases = []hostileCase{
	// oidc.Error: the value at fault.
	{name: "iss", mint: mintGitHub(nil, func(v string) oidctest.MintOption { return oidctest.IssuerURL(v) }), want: oidc.ErrIssuer},
	{name: "aud", mint: mintGitHub(nil, func(v string) oidctest.MintOption { return oidctest.Audience(v) }), want: oidc.ErrAudience},
	{name: "kid", mint: mintGitHub(nil, func(v string) oidctest.MintOption { return oidctest.Header("kid", v) }), want: oidc.ErrUnknownKey},
	{name: "alg", mint: mintGitHub(nil, func(v string) oidctest.MintOption { return oidctest.Header("alg", v) }), want: oidc.ErrAlgorithm},
	// oidc.Error: a reason built by the JSON decoder.
	{name: "exp", numeric: true, mint: mintGitHub(nil, func(v string) oidctest.MintOption {
		return oidctest.Claim("exp", json.RawMessage(v))
	}), want: oidc.ErrMalformed},
	{name: "duplicate claim name", mint: mintGitHub(nil, func(v string) oidctest.MintOption {
		return oidctest.EditPayload(func(js []byte) []byte {
			k, _ := json.Marshal(v)
			dup := append(append([]byte("{"), k...), ":1,"...)
			dup = append(append(dup, k...), ":2,"...)
			return append(dup, js[1:]...)
		})
	}), want: oidc.ErrMalformed},
	// claims.Error, wrapped in ErrClaims.
	{name: "repository", mint: mintGitHub(func(c *claims.GitHub, v string) { c.Repository = v }), want: publisher.ErrClaims},
	{name: "repository_owner", mint: mintGitHub(func(c *claims.GitHub, v string) { c.RepositoryOwner = v }), want: publisher.ErrClaims},
	{name: "repository_owner_id", mint: mintGitHub(func(c *claims.GitHub, v string) { c.RepositoryOwnerID = v }), want: publisher.ErrClaims},
	{name: "gitlab namespace_path", prov: (*providertest.Issuer).GitLab, mint: func(iss *providertest.Issuer, v string) (string, error) {
		c := providertest.GitLabProject(iss.BareURL(), "octocat/hello-world", ".gitlab-ci.yml", "refs/heads/main")
		c.NamespacePath = v
		return iss.MintGitLab(c)
	}, want: publisher.ErrClaims},
	{name: "gitlab runner_id", numeric: true, prov: (*providertest.Issuer).GitLab, mint: func(iss *providertest.Issuer, v string) (string, error) {
		c := providertest.GitLabProject(iss.BareURL(), "octocat/hello-world", ".gitlab-ci.yml", "refs/heads/main")
		return iss.MintGitLab(c, oidctest.Claim("runner_id", json.RawMessage(v)))
	}, want: publisher.ErrClaims},
	// NoMatchError: what the token carries, and the publisher's expectation
	// built from it.
	{name: "environment", pubs: githubPubs("pypi"), mint: mintGitHub(func(c *claims.GitHub, v string) { c.Environment = v }), want: publisher.ErrNoPublisher},
	{name: "workflow_ref", pubs: githubPubs(""), mint: mintGitHub(func(c *claims.GitHub, v string) { c.WorkflowRef = v }), want: publisher.ErrNoPublisher},
	{name: "ref, in the expectation", pubs: githubPubs(""), mint: mintGitHub(func(c *claims.GitHub, v string) { c.Ref = v }), want: publisher.ErrNoPublisher},
	{name: "gitlab ci_config_ref_uri", prov: (*providertest.Issuer).GitLab, pubs: func(iss *providertest.Issuer) []publisher.Registered {
		return []publisher.Registered{{ID: "hello-world", Policy: &publisher.GitLab{IssuerURL: iss.URL(),
			Namespace: "octocat", Project: "hello-world", CIConfigPath: ".gitlab-ci.yml"}}}
	}, mint: func(iss *providertest.Issuer, v string) (string, error) {
		c := providertest.GitLabProject(iss.BareURL(), "octocat/hello-world", ".gitlab-ci.yml", "refs/heads/main")
		c.CIConfigRefURI = v
		return iss.MintGitLab(c)
	}, want: publisher.ErrNoPublisher},
	{name: "activestate sub", prov: (*providertest.Issuer).ActiveState, pubs: func(iss *providertest.Issuer) []publisher.Registered {
		c := providertest.ActiveStateClaims()
		return []publisher.Registered{{ID: "example", Policy: &publisher.ActiveState{IssuerURL: iss.URL(),
			Organization: c.Organization, Project: c.Project, ActorID: c.ActorID, Builder: c.Builder}}}
	}, mint: func(iss *providertest.Issuer, v string) (string, error) {
		c := providertest.ActiveStateClaims()
		c.Subject = v
		return iss.MintActiveState(c)
	}, want: publisher.ErrNoPublisher},
	{name: "buildkite sub", prov: (*providertest.Issuer).Buildkite, pubs: func(iss *providertest.Issuer) []publisher.Registered {
		return []publisher.Registered{{ID: "super-duper", Policy: &publisher.Buildkite{IssuerURL: iss.URL(),
			OrganizationSlug: "acme-inc", PipelineSlug: "super-duper-app"}}}
	}, mint: func(iss *providertest.Issuer, v string) (string, error) {
		c := providertest.BuildkiteClaims()
		c.Subject = v
		return iss.MintBuildkite(c)
	}, want: publisher.ErrNoPublisher},
	{name: "buildkite build_branch, in a pinned rule", prov: (*providertest.Issuer).Buildkite, pubs: func(iss *providertest.Issuer) []publisher.Registered {
		return []publisher.Registered{{ID: "super-duper", Policy: &publisher.Buildkite{IssuerURL: iss.URL(),
			OrganizationSlug: "acme-inc", PipelineSlug: "super-duper-app", Branch: "main"}}}
	}, mint: func(iss *providertest.Issuer, v string) (string, error) {
		c := providertest.BuildkiteClaims()
		c.BuildBranch = v
		return iss.MintBuildkite(c)
	}, want: publisher.ErrNoPublisher},
	// claims.Error of a Buildkite token: a slug that could shift sub, a
	// number that is no build number.
	{name: "buildkite organization_slug", prov: (*providertest.Issuer).Buildkite, mint: func(iss *providertest.Issuer, v string) (string, error) {
		c := providertest.BuildkiteClaims()
		c.OrganizationSlug = v
		return iss.MintBuildkite(c)
	}, want: publisher.ErrClaims},
	{name: "buildkite build_number", numeric: true, prov: (*providertest.Issuer).Buildkite, mint: func(iss *providertest.Issuer, v string) (string, error) {
		return iss.MintBuildkite(nil, oidctest.Claim("build_number", json.RawMessage(v)))
	}, want: publisher.ErrClaims},
	// Semaphore: an organization's member issuer, admitted because a
	// publisher names it. claims.Error: a value that could shift the
	// lookup or the organization; NoMatchError: what the token carries.
	{name: "semaphore org", prov: semaphoreProv, pubs: semaphorePubs(false), mint: mintSemaphore(func(c *claims.Semaphore, v string) { c.Organization = v }), want: publisher.ErrClaims},
	{name: "semaphore repo_slug", prov: semaphoreProv, pubs: semaphorePubs(false), mint: mintSemaphore(func(c *claims.Semaphore, v string) { c.RepoSlug = v }), want: publisher.ErrClaims},
	{name: "semaphore prj_id, the lookup key", prov: semaphoreProv, pubs: semaphorePubs(false), mint: mintSemaphore(func(c *claims.Semaphore, v string) { c.ProjectID = v }), want: publisher.ErrClaims},
	{name: "semaphore sub", prov: semaphoreProv, pubs: semaphorePubs(false), mint: mintSemaphore(func(c *claims.Semaphore, v string) { c.Subject = v }), want: publisher.ErrNoPublisher},
	{name: "semaphore job_type", prov: semaphoreProv, pubs: semaphorePubs(false), mint: mintSemaphore(func(c *claims.Semaphore, v string) { c.JobType = v }), want: publisher.ErrNoPublisher},
	{name: "semaphore ref, in a refs rule", prov: semaphoreProv, pubs: semaphorePubs(true), mint: mintSemaphore(func(c *claims.Semaphore, v string) { c.Ref = v }), want: publisher.ErrNoPublisher},
	// CircleCI, through the kit's family: the organization's publisher
	// admits its issuer, so every value reaches the claims or the policy.
	{name: "circleci vcs-origin", prov: cciFamily, pubs: cciPubs(nil), mint: mintCircleCI(func(c *claims.CircleCI, v string) {
		c.VCSOrigin = v
	}), want: publisher.ErrNoPublisher},
	{name: "circleci vcs-ref, in a refs rule", prov: cciFamily, pubs: cciPubs(func(p *publisher.CircleCI) {
		tags, err := publisher.ParseRefPattern("refs/tags/v*")
		if err != nil {
			panic(err)
		}
		p.Refs = []publisher.RefPattern{tags}
	}), mint: mintCircleCI(func(c *claims.CircleCI, v string) { c.VCSRef = v }), want: publisher.ErrNoPublisher},
	{name: "circleci project-id", prov: cciFamily, pubs: cciPubs(nil), mint: mintCircleCI(func(c *claims.CircleCI, v string) {
		c.ProjectID = v
	}), want: publisher.ErrClaims},
	{name: "circleci org-id", prov: cciFamily, pubs: cciPubs(nil), mint: mintCircleCI(nil, func(v string) oidctest.MintOption {
		return oidctest.Claim("oidc.circleci.com/org-id", v)
	}), want: publisher.ErrClaims},
	{name: "circleci context-ids", prov: cciFamily, pubs: cciPubs(nil), mint: mintCircleCI(func(c *claims.CircleCI, v string) {
		c.ContextIDs = []string{cciContext, v}
	}), want: publisher.ErrClaims},
	// NoMatchError: the lookup key, when nothing is registered for it.
	{name: "google email", prov: (*providertest.Issuer).Google, mint: func(iss *providertest.Issuer, v string) (string, error) {
		c := providertest.GoogleClaims()
		c.Email = v
		return iss.MintGoogle(c)
	}, want: publisher.ErrNoPublisher},
	{name: "activestate organization", prov: (*providertest.Issuer).ActiveState, mint: func(iss *providertest.Issuer, v string) (string, error) {
		c := providertest.ActiveStateClaims()
		c.Organization = v
		return iss.MintActiveState(c)
	}, want: publisher.ErrNoPublisher},
}

// TestErrorsQuoteAndClipClaims: a claim value with a newline, or of 8 KB,
// never appears raw in the error of a verification, whichever error type
// reports it; end to end through publisher.Verifier.
func TestErrorsQuoteAndClipClaims(t *testing.T) {
	iss := providertest.New(t, oidctest.Options{}) // one key for every case: RSA keys are slow to make
	for _, tc := range hostileCases {
		values := map[string]string{"newline": forged, "8 KB": huge}
		if tc.numeric {
			values = map[string]string{"8 KB": digits}
		}
		for vname, v := range values {
			t.Run(tc.name+"/"+vname, func(t *testing.T) {
				prov := (*providertest.Issuer).GitHub
				if tc.prov != nil {
					prov = tc.prov
				}
				var pubs []publisher.Registered
				if tc.pubs != nil {
					pubs = tc.pubs(iss)
				}
				store, err := publisher.NewMemoryStore(pubs...)
				if err != nil {
					t.Fatal(err)
				}
				// Room for two copies of the value (sub repeats the repository).
				ver, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, MaxTokenSize: 64 << 10,
					Providers: []providers.Provider{prov(iss)}, Publishers: store, HTTPClient: iss.Client()})
				if err != nil {
					t.Fatal(err)
				}
				defer ver.Close()
				tok, err := tc.mint(iss, v)
				if err != nil {
					t.Fatal(err)
				}
				_, err = ver.Verify(context.Background(), tok)
				if !errors.Is(err, tc.want) {
					t.Fatalf("Verify = %v, want %v", err, tc.want)
				}
				checkQuoted(t, err.Error(), v)
			})
		}
	}
}

var clipMark = regexp.MustCompile(`… \(\d{4,} bytes\)`)

// checkQuoted fails if msg holds v raw, and checks that v was reported,
// escaped and clipped, rather than dropped.
func checkQuoted(t *testing.T, msg, v string) {
	t.Helper()
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("the message holds a raw line break:\n%s", msg)
	}
	if len(v) > quote.Limit && strings.Contains(msg, v[:quote.Limit+1]) {
		t.Errorf("the message holds more than %d bytes of the %d-byte value", quote.Limit, len(v))
	}
	if len(msg) > 3000 {
		t.Errorf("the message is %d bytes long", len(msg))
	}
	lower := strings.ToLower(msg) // lookup keys are lower-cased
	switch {
	case v == forged:
		if !strings.Contains(lower, `main\ninfo publisher: token accepted`) {
			t.Errorf("the message does not report the value, escaped:\n%s", msg)
		}
	case len(v) > quote.Limit:
		if !strings.Contains(lower, strings.ToLower(v[:quote.Limit-20])) || !clipMark.MatchString(msg) {
			t.Errorf("the message does not report the value, clipped and marked:\n%.600s", msg)
		}
	}
}

// TestErrorTypesQuoteAndClip: the same for each error type built by hand,
// with the value in every field that can hold one.
func TestErrorTypesQuoteAndClip(t *testing.T) {
	for _, v := range []string{forged, huge} {
		for name, err := range map[string]error{
			"Mismatch.Got": &publisher.NoMatchError{Issuer: providers.GitHubIssuer, Key: "octo-org/hello",
				Rejected: []publisher.Rejection{{ID: "hello", Mismatches: []publisher.Mismatch{{Rule: "environment", Claim: "environment", Want: "pypi", Got: v}}}}},
			"Mismatch.Want": &publisher.NoMatchError{Issuer: providers.GitHubIssuer, Key: "octo-org/hello",
				Rejected: []publisher.Rejection{{ID: "hello", Mismatches: []publisher.Mismatch{{Rule: "workflow", Claim: "workflow_ref", Want: "release.yml@" + v, Got: "x"}}}}},
			"NoMatchError.Key":      &publisher.NoMatchError{Issuer: providers.GitHubIssuer, Key: v},
			"NoMatchError.ID":       &publisher.NoMatchError{Issuer: providers.GitHubIssuer, Key: "k", Rejected: []publisher.Rejection{{ID: v}}},
			"oidc.Error.Value":      &oidc.Error{Err: oidc.ErrIssuer, Field: "iss", Value: v},
			"UnservedError.ID":      &publisher.UnservedError{Publishers: []publisher.Registered{{ID: v}}},
			"UnservedError.Issuer":  &publisher.UnservedError{Publishers: []publisher.Registered{{ID: "x", Policy: &publisher.GitHub{IssuerURL: v}}}},
			"CheckIssuers":          publisher.CheckIssuers(nil, publisher.Registered{ID: v, Policy: &publisher.GitHub{IssuerURL: v}}),
			"claims: invalid value": claimsError(t, v),
		} {
			t.Run(name, func(t *testing.T) {
				if err == nil {
					t.Fatal("no error")
				}
				checkQuoted(t, err.Error(), v)
			})
		}
	}
}

// claimsError decodes a GitHub claims set whose repository_owner_id is v.
func claimsError(t *testing.T, v string) error {
	c := githubRun()
	c.RepositoryOwnerID = v
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(c); err != nil {
		t.Fatal(err)
	}
	_, err := claims.DecodeGitHub(b.String())
	return err
}
