package publisher_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// scoped is a publisher of release.yml in repo, limited to packages.
func scoped(id, env string, pending bool, packages ...string) func(*providertest.Issuer) publisher.Registered {
	return func(iss *providertest.Issuer) publisher.Registered {
		return publisher.Registered{ID: id, Policy: ghPolicy(iss, "release.yml", env), Packages: packages, Pending: pending}
	}
}

// TestVerifyReturnsEveryPackage is PyPI's flow: the token names no package,
// and every publisher it satisfies comes back with its packages, pending or
// not, the environment-pinned one first; a publisher without packages (a
// gateway's) too.
func TestVerifyReturnsEveryPackage(t *testing.T) {
	t.Parallel()
	k := newKit(t, nil,
		scoped("alpha", "", false, "alpha"),
		scoped("prod", "production", false, "beta", "gamma"), // serves two packages
		scoped("gateway", "", false),
		scoped("pending", "", true, "delta"),
		scoped("also-alpha", "", false, "alpha", "beta"))
	res, err := k.v.Verify(context.Background(), k.mint(t, release()))
	if err != nil {
		t.Fatal(err)
	}
	want := []publisher.Registered{
		{ID: "prod", Policy: ghPolicy(k.iss, "release.yml", "production"), Packages: []string{"beta", "gamma"}},
		{ID: "alpha", Policy: ghPolicy(k.iss, "release.yml", ""), Packages: []string{"alpha"}},
		{ID: "also-alpha", Policy: ghPolicy(k.iss, "release.yml", ""), Packages: []string{"alpha", "beta"}},
		{ID: "gateway", Policy: ghPolicy(k.iss, "release.yml", "")},
		{ID: "pending", Policy: ghPolicy(k.iss, "release.yml", ""), Packages: []string{"delta"}, Pending: true},
	}
	if diff := cmp.Diff(want, res.Publishers); diff != "" {
		t.Errorf("publishers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"alpha", "beta", "delta", "gamma"}, res.Packages()); diff != "" {
		t.Errorf("Packages (-want +got):\n%s", diff)
	}
}

// TestVerifyPackage is npm's flow: only the named package's publishers are
// candidates.
func TestVerifyPackage(t *testing.T) {
	t.Parallel()
	k := newKit(t, nil,
		scoped("alpha", "", false, "alpha"),
		scoped("prod", "production", false, "beta", "gamma"),
		scoped("gateway", "", false),
		scoped("pending", "", true, "delta"),
		scoped("also-alpha", "", false, "alpha", "beta"))
	for _, tc := range []struct {
		pkg      string
		ids      []string
		packages []string // Result.Packages: all the matched publishers'
	}{
		{"alpha", []string{"alpha", "also-alpha"}, []string{"alpha", "beta"}},
		{"beta", []string{"prod", "also-alpha"}, []string{"alpha", "beta", "gamma"}},
		{"gamma", []string{"prod"}, []string{"beta", "gamma"}},
		{"delta", []string{"pending"}, []string{"delta"}},
	} {
		res, err := k.v.VerifyPackage(context.Background(), k.mint(t, release()), tc.pkg)
		if err != nil {
			t.Errorf("%s: %v", tc.pkg, err)
			continue
		}
		if diff := cmp.Diff(tc.ids, ids(res.Publishers)); diff != "" {
			t.Errorf("%s: publishers (-want +got):\n%s", tc.pkg, diff)
		}
		if diff := cmp.Diff(tc.packages, res.Packages()); diff != "" {
			t.Errorf("%s: Packages (-want +got):\n%s", tc.pkg, diff)
		}
		if tc.pkg == "delta" && !res.Publishers[0].Pending {
			t.Errorf("the pending publisher lost its mark: %+v", res.Publishers[0])
		}
	}
	// Names are compared exactly: normalising them is the registry's job.
	for _, pkg := range []string{"Alpha", "alpha ", "", "alp"} {
		_, err := k.v.VerifyPackage(context.Background(), k.mint(t, release()), pkg)
		var nm *publisher.NoMatchError
		if !errors.As(err, &nm) || nm.Package != pkg || len(nm.Rejected) != 0 {
			t.Errorf("VerifyPackage(%q) = %v, want a *NoMatchError naming it, no candidate", pkg, err)
		}
	}
}

// TestVerifyPackageRefusalKeepsTheToken: a workflow asking for the wrong
// package is refused without burning its token, and the refusal names only
// the asked package's publishers.
func TestVerifyPackageRefusalKeepsTheToken(t *testing.T) {
	t.Parallel()
	k := newKit(t, nil,
		scoped("left", "", false, "left-pad"),
		func(iss *providertest.Issuer) publisher.Registered { // right-pad's, for another workflow
			return publisher.Registered{ID: "right", Policy: ghPolicy(iss, "build.yml", ""), Packages: []string{"right-pad"}}
		})
	tok := k.mint(t, release())
	ctx := context.Background()

	res, err := k.v.VerifyPackage(ctx, tok, "right-pad")
	var nm *publisher.NoMatchError
	if res != nil || !errors.As(err, &nm) || !errors.Is(err, publisher.ErrNoPublisher) {
		t.Fatalf("VerifyPackage = %v, %v; want a *NoMatchError", res, err)
	}
	want := &publisher.NoMatchError{Issuer: k.iss.URL(), Key: repo, Package: "right-pad", Rejected: []publisher.Rejection{
		{ID: "right", Mismatches: []publisher.Mismatch{
			{Rule: "workflow", Claim: "workflow_ref", Want: "build.yml", Got: ".github/workflows/release.yml"},
		}},
	}}
	if diff := cmp.Diff(want, nm); diff != "" {
		t.Errorf("NoMatchError (-want +got):\n%s", diff)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, `publisher: no trusted publisher of package "right-pad" for "`+repo+`" on issuer `) {
		t.Errorf("message %q does not name the package", msg)
	}
	for _, other := range []string{"left", "left-pad"} {
		if strings.Contains(msg, `"`+other+`"`) {
			t.Errorf("message %q names another package's publisher (%s)", msg, other)
		}
	}
	if c := publisher.Classify(err); c.Name != "no-publisher" || c.Status != 403 {
		t.Errorf("Classify = %+v", c)
	}

	// A package nobody registered: no candidate at all.
	_, err = k.v.VerifyPackage(ctx, tok, "nobody")
	wantMsg := `publisher: no trusted publisher of package "nobody" is registered for "` + repo + `" on issuer ` + k.iss.URL()
	if !errors.As(err, &nm) || err.Error() != wantMsg {
		t.Errorf("err = %v, want %q", err, wantMsg)
	}
	if k.replay.count() != 0 {
		t.Fatalf("%d tokens recorded as used by refusals", k.replay.count())
	}

	// The same token, for the package its workflow may publish: accepted,
	// once.
	res, err = k.v.VerifyPackage(ctx, tok, "left-pad")
	if err != nil {
		t.Fatalf("the right package after refusals: %v", err)
	}
	if diff := cmp.Diff([]string{"left"}, ids(res.Publishers)); diff != "" {
		t.Errorf("publishers (-want +got):\n%s", diff)
	}
	if _, err := k.v.VerifyPackage(ctx, tok, "left-pad"); !errors.Is(err, oidc.ErrReplayed) {
		t.Errorf("second use: %v, want ErrReplayed", err)
	}
	if _, err := k.v.Verify(ctx, tok); !errors.Is(err, oidc.ErrReplayed) {
		t.Errorf("second use, unscoped: %v, want ErrReplayed", err)
	}
}

// plainPolicy is a registry's own policy kind: it implements Policy and
// nothing more, so its specificity is 0.
type plainPolicy struct{ p *publisher.GitHub }

func (p plainPolicy) Provider() claims.Kind                   { return p.p.Provider() }
func (p plainPolicy) Issuer() string                          { return p.p.Issuer() }
func (p plainPolicy) LookupKey() string                       { return p.p.LookupKey() }
func (p plainPolicy) Check(c claims.Set) []publisher.Mismatch { return p.p.Check(c) }
func (p plainPolicy) Validate() error                         { return p.p.Validate() }

// rankedPolicy is a registry's own policy that reports its specificity.
type rankedPolicy struct {
	plainPolicy
	rank int
}

func (p rankedPolicy) Specificity() int { return p.rank }

// TestVerifyOrdersMostSpecificFirst: an environment-pinned publisher before
// any without, then more optional rules before fewer, then by id; a custom
// policy counts as 0 unless it implements Specific.
func TestVerifyOrdersMostSpecificFirst(t *testing.T) {
	t.Parallel()
	with := func(id string, edit func(*publisher.GitHub)) func(*providertest.Issuer) publisher.Registered {
		return func(iss *providertest.Issuer) publisher.Registered {
			p := ghPolicy(iss, "release.yml", "")
			edit(p)
			return publisher.Registered{ID: id, Policy: p}
		}
	}
	custom := func(id string, rank int) func(*providertest.Issuer) publisher.Registered {
		return func(iss *providertest.Issuer) publisher.Registered {
			plain := plainPolicy{ghPolicy(iss, "release.yml", "")}
			if rank == 0 {
				return publisher.Registered{ID: id, Policy: plain}
			}
			return publisher.Registered{ID: id, Policy: rankedPolicy{plain, rank}}
		}
	}
	k := newKit(t, nil,
		with("b-none", func(*publisher.GitHub) {}),
		custom("a-custom", 0),
		with("refs-protected", func(p *publisher.GitHub) {
			p.Refs, p.RequireProtectedRef = ghPats(t, "refs/tags/*"), true
		}),
		with("env", func(p *publisher.GitHub) { p.Environment = "Production" }),
		with("repo-id", func(p *publisher.GitHub) { p.RepositoryID = "860122172" }),
		custom("custom-ranked", 1<<20),
		with("env-refs", func(p *publisher.GitHub) { p.Environment, p.Refs = "production", ghPats(t, "refs/tags/v*") }),
		with("a-none", func(*publisher.GitHub) {}))
	c := release()
	c.RepositoryID, c.RefProtected = "860122172", "true"
	res, err := k.v.Verify(context.Background(), k.mint(t, c))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"custom-ranked", "env-refs", "env", "refs-protected", "repo-id", "a-custom", "a-none", "b-none"}
	if diff := cmp.Diff(want, ids(res.Publishers)); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestSpecificity(t *testing.T) {
	t.Parallel()
	env := publisher.SpecificEnvironment
	full := ghFull(t)
	for _, tc := range []struct {
		name string
		p    publisher.Specific
		want int
	}{
		{"GitHub, required rules only", ghMinimal(), 0},
		{"GitHub, every rule", full, env + 6},
		{"GitHub, environment", &publisher.GitHub{Environment: "x"}, env + 1},
		{"GitHub, repository id", &publisher.GitHub{RepositoryID: "1"}, 1},
		{"GitHub, hosted runner and refs", &publisher.GitHub{RequireHostedRunner: true, Refs: ghPats(t, "refs/tags/*")}, 2},
		{"GitLab, required rules only", glPolicy(), 0},
		{"GitLab, every rule", &publisher.GitLab{Environment: "prod", NamespaceID: "1", ProjectID: "2",
			Refs: ghPats(t, "refs/tags/*"), RequireProtectedRef: true, RequireHostedRunner: true}, env + 6},
		{"GitLab, project id", &publisher.GitLab{ProjectID: "2"}, 1},
		{"Google", googPolicy(), 0},
		{"Google, subject", &publisher.Google{Subject: "1"}, 1},
		{"ActiveState", &publisher.ActiveState{}, 0},
		{"Semaphore", semPolicy(), 0},
		{"Semaphore, refs", semFull(t), 1},
		{"Buildkite", bkPolicy(), 0},
		{"Buildkite, every rule", bkFull(), 5},
		{"Buildkite, step key", &publisher.Buildkite{StepKey: "publish"}, 1},
		{"CircleCI", cciPolicy(), 0},
		{"CircleCI, SSH re-run allowed", &publisher.CircleCI{AllowSSHRerun: true}, 0},
		{"CircleCI, contexts", &publisher.CircleCI{ContextIDs: []string{cciContext}}, 1},
		{"CircleCI, contexts and refs", &publisher.CircleCI{ContextIDs: []string{cciContext}, Refs: ghPats(t, "refs/tags/*")}, 2},
	} {
		if got := tc.p.Specificity(); got != tc.want {
			t.Errorf("%s: Specificity = %d, want %d", tc.name, got, tc.want)
		}
	}
	// Every optional rule together does not outrank an environment.
	if full.Specificity()-env >= env {
		t.Errorf("the rules besides the environment add up to %d, not below SpecificEnvironment", full.Specificity()-env)
	}
}

func TestResultPackages(t *testing.T) {
	t.Parallel()
	var nilRes *publisher.Result
	if got := nilRes.Packages(); len(got) != 0 {
		t.Errorf("nil Result: %q", got)
	}
	none := &publisher.Result{Publishers: []publisher.Registered{{ID: "gateway"}}}
	if got := none.Packages(); len(got) != 0 {
		t.Errorf("no packages: %q", got)
	}
	r := &publisher.Result{Publishers: []publisher.Registered{
		{ID: "a", Packages: []string{"zeta", "alpha"}},
		{ID: "b"},
		{ID: "c", Packages: []string{"alpha", "@scope/beta", "zeta"}},
	}}
	if diff := cmp.Diff([]string{"@scope/beta", "alpha", "zeta"}, r.Packages()); diff != "" {
		t.Errorf("Packages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"zeta", "alpha"}, r.Publishers[0].Packages); diff != "" {
		t.Errorf("Packages changed a publisher's list (-want +got):\n%s", diff)
	}
}

func TestRegisteredPackagesJSON(t *testing.T) {
	t.Parallel()
	const policy = `"policy":{"owner":"octo-org","owner_id":"9919","repository":"hello","workflow":"release.yml"}`
	r := publisher.Registered{ID: "p", Policy: ghMinimal(), Packages: []string{"hello", "@octo/hello"}, Pending: true}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"p","provider":"github",` + policy + `,"packages":["hello","@octo/hello"],"pending":true}`
	if string(b) != want {
		t.Errorf("Marshal = %s\nwant      %s", b, want)
	}
	var back publisher.Registered
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// Without packages, neither field is written, and none comes back.
	b, err = json.Marshal(publisher.Registered{ID: "p", Policy: ghMinimal()})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"p","provider":"github",` + policy + `}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	back = publisher.Registered{}
	if err := json.Unmarshal([]byte(`{"id":"p","provider":"github",`+policy+`,"pending":false}`), &back); err != nil ||
		back.Packages != nil || back.Pending {
		t.Errorf("explicit false pending: %+v, %v", back, err)
	}

	for name, tc := range map[string]struct{ tail, says string }{
		"null packages":     {`,"packages":null`, `"packages"`},
		"empty list":        {`,"packages":[]`, `"packages" is an empty list`},
		"empty name":        {`,"packages":[""]`, "not a package name"},
		"null name":         {`,"packages":[null]`, "not a package name"},
		"name twice":        {`,"packages":["a","a"]`, "listed twice"},
		"control character": {`,"packages":["a\u0007"]`, "not a package name"},
		"a string":          {`,"packages":"hello"`, "packages"},
		"a number":          {`,"packages":[1]`, "packages"},
		"null pending":      {`,"packages":["a"],"pending":null`, `"pending"`},
		"string pending":    {`,"packages":["a"],"pending":"true"`, "pending"},
		"pending alone":     {`,"pending":true`, "pending but names no package"},
		"misspelt":          {`,"package":["a"]`, `unknown field "package"`},
		"repeated":          {`,"packages":["a"],"packages":["b"]`, "packages"},
		"other case":        {`,"Packages":["a"]`, "Packages"},
		"empty id":          {`,"id":""`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			src := `{"id":"p","provider":"github",` + policy + tc.tail + `}`
			if name == "empty id" {
				src = `{"provider":"github",` + policy + tc.tail + `}`
			}
			var r publisher.Registered
			err := json.Unmarshal([]byte(src), &r)
			if !errors.Is(err, publisher.ErrPolicy) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Unmarshal(%s) = %v, want ErrPolicy saying %q", src, err, tc.says)
			}
		})
	}
}
