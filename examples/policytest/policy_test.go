package policytest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

const audience = "example-registry"

// hello is the maintainers' registration: octo-org/hello's release.yml,
// in its "release" environment, publishes the package hello.
var hello = Registration{Package: "hello", Owner: "octo-org", OwnerID: "9919", Repository: "hello",
	Workflow: "release.yml", Environment: "release"}

// newVerifier registers regs on a local issuer playing GitHub Actions and
// returns the issuer and a verifier of this registry's audience.
func newVerifier(t *testing.T, regs ...Registration) (*providertest.Issuer, *publisher.Verifier) {
	t.Helper()
	gh := providertest.New(t, oidctest.Options{Audience: audience})
	store := new(publisher.MemoryStore)
	for _, r := range regs {
		pub, err := Publisher(gh.URL(), r)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Add(pub); err != nil {
			t.Fatal(err)
		}
	}
	v, err := publisher.New(publisher.Config{Audience: audience, Providers: []providers.Provider{gh.GitHub()},
		Publishers: store, HTTPClient: gh.Client()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return gh, v
}

// run is a GitHub Actions run of file in repo on ref, in the release
// environment, on a GitHub-hosted runner, pushed: what passes, unless a
// test edits it.
func run(repo, ownerID, file, ref string, edit ...func(*claims.GitHub)) *claims.GitHub {
	c := providertest.GitHubWorkflow(repo, ownerID, file, ref)
	c.Environment, c.RunnerEnvironment, c.EventName = "release", "github-hosted", "push"
	for _, e := range edit {
		e(c)
	}
	return c
}

// refusedRules returns the rules each candidate failed, or why nobody was
// a candidate.
func refusedRules(t *testing.T, err error) []string {
	t.Helper()
	var nm *publisher.NoMatchError
	if !errors.As(err, &nm) {
		return []string{"class " + publisher.Classify(err).Name}
	}
	if len(nm.Rejected) == 0 {
		return []string{"no publisher registered for " + nm.Key}
	}
	var rules []string
	for _, r := range nm.Rejected {
		for _, m := range r.Mismatches {
			rules = append(rules, m.Rule)
		}
	}
	return rules
}

// This registry's policy: which runs may publish hello, and the rule that
// stops each of the others.
func TestWhoMayPublish(t *testing.T) {
	gh, v := newVerifier(t, hello)
	tests := []struct {
		name    string
		claims  *claims.GitHub
		opts    []oidctest.MintOption
		refused []string // the rules failed; none: may publish
	}{
		{name: "release.yml on a version tag", claims: run("octo-org/hello", "9919", "release.yml", "refs/tags/v1.2.0")},
		{name: "the owner's login in another case", claims: run("Octo-Org/Hello", "9919", "release.yml", "refs/tags/v1.2.0")},
		{name: "on a branch", claims: run("octo-org/hello", "9919", "release.yml", "refs/heads/main"),
			refused: []string{"refs"}},
		{name: "another workflow", claims: run("octo-org/hello", "9919", "ci.yml", "refs/tags/v1.2.0"),
			refused: []string{"workflow"}},
		{name: "outside the environment", claims: run("octo-org/hello", "9919", "release.yml", "refs/tags/v1.2.0",
			func(c *claims.GitHub) { c.Environment = "" }), refused: []string{"environment"}},
		{name: "a self-hosted runner", claims: run("octo-org/hello", "9919", "release.yml", "refs/tags/v1.2.0",
			func(c *claims.GitHub) { c.RunnerEnvironment = "self-hosted" }), refused: []string{"require_hosted_runner"}},
		{name: "pull_request_target", claims: run("octo-org/hello", "9919", "release.yml", "refs/tags/v1.2.0",
			func(c *claims.GitHub) { c.EventName = "pull_request_target" }), refused: []string{"event"}},
		{name: "octo-org deleted and registered again by someone else", claims: run("octo-org/hello", "4242", "release.yml", "refs/tags/v1.2.0"),
			refused: []string{"owner_id"}},
		{name: "a fork", claims: run("mallory/hello", "666", "release.yml", "refs/tags/v1.2.0"),
			refused: []string{"no publisher registered for mallory/hello"}},
		{name: "a token for another registry", claims: run("octo-org/hello", "9919", "release.yml", "refs/tags/v1.2.0"),
			opts: []oidctest.MintOption{oidctest.Audience("pypi")}, refused: []string{"class wrong-audience"}},
		{name: "an expired token", claims: run("octo-org/hello", "9919", "release.yml", "refs/tags/v1.2.0"),
			opts: []oidctest.MintOption{oidctest.Expired()}, refused: []string{"class token-expired"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := gh.MintGitHub(tt.claims, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(context.Background(), tok)
			if tt.refused == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got := res.Publishers[0].ID; got != "hello:github:octo-org/hello:release.yml" {
					t.Errorf("publisher %q", got)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted as %v", res.Publishers)
			}
			if diff := cmp.Diff(tt.refused, refusedRules(t, err)); diff != "" {
				t.Errorf("refused rules (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

// npm's flow names the package: a workflow trusted with one package may
// not publish another, even from the same repository, and asking for the
// wrong one does not use its token up.
func TestWhichPackage(t *testing.T) {
	cli := Registration{Package: "hello-cli", Owner: "octo-org", OwnerID: "9919", Repository: "hello",
		Workflow: "release-cli.yml", Environment: "release"}
	gh, v := newVerifier(t, hello, cli)
	tok, err := gh.MintGitHub(run("octo-org/hello", "9919", "release.yml", "refs/tags/v1.2.0"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.VerifyPackage(context.Background(), tok, "hello-cli")
	if diff := cmp.Diff([]string{"workflow"}, refusedRules(t, err)); diff != "" {
		t.Errorf("release.yml publishing hello-cli: refused rules (-want +got):\n%s\n%v", diff, err)
	}
	_, err = v.VerifyPackage(context.Background(), tok, "unknown")
	if diff := cmp.Diff([]string{"no publisher registered for octo-org/hello"}, refusedRules(t, err)); diff != "" {
		t.Errorf("release.yml publishing a package nobody registered (-want +got):\n%s", diff)
	}
	res, err := v.VerifyPackage(context.Background(), tok, "hello")
	if err != nil {
		t.Fatalf("the same token for hello: %v", err)
	}
	if diff := cmp.Diff([]string{"hello"}, res.Packages()); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	// PyPI's flow names none: every package of the workflow's publishers.
	tok, err = gh.MintGitHub(run("octo-org/hello", "9919", "release-cli.yml", "refs/tags/v1.2.0"))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := v.Verify(context.Background(), tok); err != nil || !cmp.Equal(res.Packages(), []string{"hello-cli"}) {
		t.Errorf("release-cli.yml: %v, %v", res.Packages(), err)
	}
}

// A registration that could never match, or would match too much, is
// refused when the maintainer enters it, not at publish time.
func TestRegistrationRefused(t *testing.T) {
	for name, edit := range map[string]func(*Registration){
		"owner id not numeric": func(r *Registration) { r.OwnerID = "octo-org" },
		"no workflow":          func(r *Registration) { r.Workflow = "" },
		"workflow with an @":   func(r *Registration) { r.Workflow = "release.yml@main" },
		"environment padded":   func(r *Registration) { r.Environment = " release" },
		"no package":           func(r *Registration) { r.Package = "" },
	} {
		r := hello
		edit(&r)
		if _, err := Publisher("", r); !errors.Is(err, publisher.ErrPolicy) {
			t.Errorf("%s: Publisher = %v, want ErrPolicy", name, err)
		}
	}
}
