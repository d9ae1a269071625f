package publisher_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// ghLeakyStore ignores the issuer and key it is asked for and hands back
// every policy it holds: the verifier must not widen trust because of it.
type ghLeakyStore []publisher.Registered

func (s ghLeakyStore) Lookup(context.Context, string, string) ([]publisher.Registered, error) {
	return slices.Clone(s), nil
}

// ghStoreFunc is a Store in a function.
type ghStoreFunc func(ctx context.Context, issuer, key string) ([]publisher.Registered, error)

func (f ghStoreFunc) Lookup(ctx context.Context, issuer, key string) ([]publisher.Registered, error) {
	return f(ctx, issuer, key)
}

func ghIDs(res *publisher.Result) []string {
	var ids []string
	for _, r := range res.Publishers {
		ids = append(ids, r.ID)
	}
	return ids
}

// ghIssuers imitates four GitHub trust domains, each its own local issuer:
// a github.com-like root issuer, an enterprise's customised issuer
// ("/acme"), a second enterprise on the same layout ("/acme2"), and a
// GitHub Enterprise Server ("/_services/token", built with
// providers.NewGitHubServer). Every issuer signs with the same key, as
// GitHub's issuers may: only iss tells them apart.
func ghIssuers(t *testing.T) (names []string, iss []*providertest.Issuer, provs []providers.Provider, sign oidctest.MintOption) {
	t.Helper()
	names = []string{"root", "acme", "acme2", "server"}
	for _, path := range []string{"", "/acme", "/acme2", "/_services/token"} {
		iss = append(iss, providertest.New(t, oidctest.Options{Path: path}))
	}
	key := iss[0].Signer()
	jwks, err := oidctest.PublicJWKS(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range iss {
		i.ServeJWKS(jwks)
		provs = append(provs, i.GitHub())
	}
	host := strings.TrimSuffix(strings.TrimPrefix(iss[3].URL(), "https://"), "/_services/token")
	ghes, err := providers.NewGitHubServer(host)
	if err != nil {
		t.Fatal(err)
	}
	if ghes.Issuer().URL != iss[3].URL() {
		t.Fatalf("NewGitHubServer(%q) = %s, want %s", host, ghes.Issuer().URL, iss[3].URL())
	}
	provs[3] = ghes
	return names, iss, provs, oidctest.SignWith(key)
}

// TestGitHubIssuerIsolation: the same claims from each issuer match exactly
// that issuer's policy, for every pair, even with shared keys, even when
// the store returns every policy, and never the github.com policy.
func TestGitHubIssuerIsolation(t *testing.T) {
	t.Parallel()
	names, iss, provs, sign := ghIssuers(t)
	policy := func(issuer string) *publisher.GitHub {
		p := ghMinimal()
		p.IssuerURL = issuer
		return p
	}
	all := ghLeakyStore{{ID: "github.com", Policy: policy("")}}
	for i, n := range names {
		all = append(all, publisher.Registered{ID: n, Policy: policy(iss[i].URL())})
	}
	mem, err := publisher.NewMemoryStore(all...)
	if err != nil {
		t.Fatal(err)
	}
	var store publisher.Store
	v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: provs,
		Publishers: ghStoreFunc(func(ctx context.Context, issuer, key string) ([]publisher.Registered, error) {
			return store.Lookup(ctx, issuer, key)
		}), HTTPClient: iss[0].Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	verify := func(t *testing.T, from int) (*publisher.Result, error) {
		t.Helper()
		tok, err := iss[from].MintGitHub(ghRelease(), sign)
		if err != nil {
			t.Fatal(err)
		}
		return v.Verify(context.Background(), tok)
	}

	for _, s := range []struct {
		name  string
		store publisher.Store
	}{{"memory store", mem}, {"store ignoring the issuer", all}} {
		store = s.store
		for i, n := range names {
			res, err := verify(t, i)
			if err != nil {
				t.Fatalf("%s: token of %s: %v", s.name, n, err)
			}
			if diff := cmp.Diff([]string{n}, ghIDs(res)); diff != "" {
				t.Errorf("%s: token of %s matched (-want +got):\n%s", s.name, n, diff)
			}
		}
	}

	// Each ordered pair: a store holding only the other issuer's policy
	// (and handing it out for any issuer) never lets the token through.
	for i, from := range names {
		for j, to := range names {
			if i == j {
				continue
			}
			store = ghLeakyStore{{ID: to, Policy: policy(iss[j].URL())}, {ID: "github.com", Policy: policy("")}}
			res, err := verify(t, i)
			var nm *publisher.NoMatchError
			if !errors.As(err, &nm) || !errors.Is(err, publisher.ErrNoPublisher) {
				t.Fatalf("token of %s, policy of %s: Verify = %v, %v; want ErrNoPublisher", from, to, res, err)
			}
			if nm.Issuer != iss[i].URL() || len(nm.Rejected) != 0 {
				t.Errorf("token of %s, policy of %s: %+v", from, to, nm)
			}
		}
	}
}

// TestGitHubReusableEndToEnd: same-repository and cross-repository reusable
// workflows, through the whole verifier.
func TestGitHubReusableEndToEnd(t *testing.T) {
	t.Parallel()
	iss := providertest.New(t, oidctest.Options{})
	pol := func(reusable string) *publisher.GitHub {
		p := ghMinimal()
		p.IssuerURL, p.ReusableWorkflow = iss.URL(), reusable
		return p
	}
	store, err := publisher.NewMemoryStore(
		publisher.Registered{ID: "caller", Policy: pol("")},
		publisher.Registered{ID: "same-repo", Policy: pol("octo-org/hello/.github/workflows/_publish.yml")},
		publisher.Registered{ID: "cross-repo", Policy: pol("octo-org/workflows/.github/workflows/publish.yml@refs/tags/v2")},
	)
	if err != nil {
		t.Fatal(err)
	}
	v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: []providers.Provider{iss.GitHub()},
		Publishers: store, HTTPClient: iss.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()

	build := providertest.GitHubWorkflow("octo-org/hello", ghOwnerID, "build.yml", ghTag)
	tests := []struct {
		name string
		c    *claims.GitHub
		want []string // accepted publisher ids; nil: refused
	}{
		{"no reusable workflow", ghRelease(), []string{"caller"}},
		{"same repository", providertest.GitHubReusable(ghRelease(), "", "_publish.yml", ""), []string{"caller", "same-repo"}},
		{"same repository, other file", providertest.GitHubReusable(ghRelease(), "", "other.yml", ""), []string{"caller"}},
		{"cross repository at v2", providertest.GitHubReusable(ghRelease(), "octo-org/workflows", "publish.yml", "refs/tags/v2"), []string{"caller", "cross-repo"}},
		{"cross repository at v1", providertest.GitHubReusable(ghRelease(), "octo-org/workflows", "publish.yml", "refs/tags/v1"), []string{"caller"}},
		{"cross repository fork", providertest.GitHubReusable(ghRelease(), "evil/workflows", "publish.yml", "refs/tags/v2"), []string{"caller"}},
		{"another caller", providertest.GitHubReusable(build, "octo-org/workflows", "publish.yml", "refs/tags/v2"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := iss.MintGitHub(tt.c)
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(context.Background(), tok)
			if tt.want == nil {
				var nm *publisher.NoMatchError
				if !errors.As(err, &nm) {
					t.Fatalf("Verify = %v, want a NoMatchError", err)
				}
				for _, r := range nm.Rejected {
					if !slices.ContainsFunc(r.Mismatches, func(m publisher.Mismatch) bool { return m.Rule == "workflow" }) {
						t.Errorf("publisher %s refused without the workflow rule: %v", r.ID, r.Mismatches)
					}
				}
				if len(nm.Rejected) != 3 {
					t.Errorf("rejections %+v, want all three", nm.Rejected)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ghIDs(res)
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("accepted (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGitHubShaRequired: the README calls sha required; a token without it,
// even one whose workflow_ref is pinned to the ref and so never compares
// sha, is refused as malformed, and one with it is accepted.
func TestGitHubShaRequired(t *testing.T) {
	iss := providertest.New(t, oidctest.Options{})
	p := ghMinimal()
	p.IssuerURL = iss.URL()
	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "hello", Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	v, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: []providers.Provider{iss.GitHub()},
		Publishers: store, HTTPClient: iss.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	c := ghRelease()
	if !strings.HasSuffix(c.WorkflowRef, "@"+c.Ref) {
		t.Fatalf("workflow_ref %s is not pinned to the ref %s: the test would prove nothing", c.WorkflowRef, c.Ref)
	}
	for name, tc := range map[string]struct {
		opt  oidctest.MintOption
		want error
	}{
		"with sha":    {oidctest.Claim("sha", c.SHA), nil},
		"without sha": {oidctest.Claim("sha", nil), claims.ErrMissing},
		"empty sha":   {oidctest.Claim("sha", ""), claims.ErrMissing},
		"short sha":   {oidctest.Claim("sha", c.SHA[:7]), claims.ErrInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			tok, err := iss.MintGitHub(c, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(context.Background(), tok)
			var ce *claims.Error
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("Verify = %v", err)
			case tc.want != nil && (!errors.Is(err, publisher.ErrClaims) || !errors.Is(err, tc.want) || !errors.As(err, &ce) || ce.Claim != "sha"):
				t.Fatalf("Verify = %v, want ErrClaims and %v naming sha", err, tc.want)
			}
		})
	}
}
