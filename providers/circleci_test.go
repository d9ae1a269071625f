package providers_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
)

// The fixture's organization (providertest.CircleCIClaims) and another.
const (
	cciOrgA = "3f2b8c1e-5d4a-4e6b-9c7d-8a1b2c3d4e5f"
	cciOrgB = "0b7d2c4e-6f8a-4b1c-9d3e-5a7f9c1b3d5e"
)

// TestCircleCIFamilyForm: the real family's members are exactly
// https://oidc.circleci.com/org/<lower-case UUID>, nothing near it.
func TestCircleCIFamilyForm(t *testing.T) {
	t.Parallel()
	fam := providers.CircleCI.Family()
	if fam.Admit != nil {
		t.Error("the provider's Family has an Admit: admission is the verifier's")
	}
	if diff := cmp.Diff([]string{"RS256"}, fam.Algorithms); diff != "" {
		t.Errorf("Algorithms (-want +got):\n%s", diff)
	}
	if got, want := fam.String(), "https://oidc.circleci.com/org/<member>"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	member := "https://oidc.circleci.com/org/" + cciOrgA
	if got := providers.CircleCIIssuer(cciOrgA); got != member {
		t.Errorf("CircleCIIssuer = %q, want %q", got, member)
	}
	if got := fam.URL(cciOrgA); got != member {
		t.Errorf("URL = %q, want %q", got, member)
	}
	for _, iss := range []string{member, "https://oidc.circleci.com/org/" + cciOrgB,
		"https://oidc.circleci.com/org/00000000-0000-0000-0000-000000000000"} {
		if name, ok := fam.Member(iss); !ok || iss != providers.CircleCIIssuerPrefix+name {
			t.Errorf("Member(%q) = %q, %v; want its UUID", iss, name, ok)
		}
	}
	for _, iss := range []string{
		"https://oidc.circleci.com/org/" + strings.ToUpper(cciOrgA),
		"https://oidc.circleci.com/org/3F2b8c1e-5d4a-4e6b-9c7d-8a1b2c3d4e5f", // one upper-case letter
		member + "/",
		member + "/project/" + cciOrgB,
		member + "/.well-known/openid-configuration",
		member + "?org=" + cciOrgB,
		member + "#x",
		member + "%2f",
		providers.CircleCIRootIssuer,
		providers.CircleCIRootIssuer + "/",
		"https://oidc.circleci.com/org/",
		"https://oidc.circleci.com/org",
		"https://oidc.circleci.com/org/" + cciOrgA + cciOrgB,
		"https://oidc.circleci.com/org/3f2b8c1e5d4a4e6b9c7d8a1b2c3d4e5f",       // no hyphens
		"https://oidc.circleci.com/org/{3f2b8c1e-5d4a-4e6b-9c7d-8a1b2c3d4e5f}", // braces
		"https://oidc.circleci.com/org/3f2b8c1e-5d4a-4e6b-9c7d-8a1b2c3d4e5",    // short
		"https://oidc.circleci.com/org/3f2b8c1e-5d4a-4e6b-9c7d-8a1b2c3d4e5g",   // not hex
		"https://oidc.circleci.com/org/../org/" + cciOrgA,
		"https://oidc.circleci.com/org/%33f2b8c1e-5d4a-4e6b-9c7d-8a1b2c3d4e5f",
		"https://oidc.circleci.com/org/ " + cciOrgA,
		"https://oidc.circleci.com/org/" + cciOrgA + "\n",
		"https://oidc.circleci.com/orgs/" + cciOrgA,
		"https://oidc.circleci.com/ORG/" + cciOrgA,
		"http://oidc.circleci.com/org/" + cciOrgA,
		"https://OIDC.circleci.com/org/" + cciOrgA,
		"https://oidc.circleci.com:443/org/" + cciOrgA,
		"https://oidc.circleci.com./org/" + cciOrgA,
		"https://user@oidc.circleci.com/org/" + cciOrgA,
		"https://oidc.circleci.com.evil.example/org/" + cciOrgA,
		"https://evil.example/oidc.circleci.com/org/" + cciOrgA,
		"https://evil.example/org/" + cciOrgA,
		"https://app.circleci.com/org/" + cciOrgA,
		"https://circleci.com/org/" + cciOrgA,
		cciOrgA,
		"",
	} {
		if name, ok := fam.Member(iss); ok {
			t.Errorf("Member(%q) = %q: want no member", iss, name)
		}
	}
}

// TestCircleCIProviders: the family provider and the root provider, their
// kinds and issuers; the root decodes any organization's claims, since
// every organization shares it.
func TestCircleCIProviders(t *testing.T) {
	t.Parallel()
	if got := providers.CircleCI.Kind(); got != claims.KindCircleCI {
		t.Errorf("CircleCI.Kind = %q", got)
	}
	// A family has no single issuer: only the members' algorithms.
	if diff := cmp.Diff(oidc.Issuer{Algorithms: []string{"RS256"}}, providers.CircleCI.Issuer()); diff != "" {
		t.Errorf("CircleCI.Issuer (-want +got):\n%s", diff)
	}
	if _, ok := providers.CircleCIRoot.(providers.Family); ok {
		t.Error("CircleCIRoot is a family: its one issuer is shared by every organization")
	}
	good := circleCIPayload(t, providertest.CircleCIClaims())
	bad := strings.Replace(good, `"oidc.circleci.com/ssh-rerun":false`, `"oidc.circleci.com/ssh-rerun":"false"`, 1)
	if bad == good {
		t.Fatal("the fixture's payload has no ssh-rerun false to break")
	}
	checkProvider(t, providers.CircleCIRoot, claims.KindCircleCI, oidc.Issuer{URL: "https://oidc.circleci.com",
		Algorithms: []string{"RS256"}}, good, bad, claims.ErrType)
	other := providertest.CircleCIClaims()
	other.OrganizationID = cciOrgB
	set, err := providers.CircleCIRoot.Decode(&oidc.Token{Issuer: providers.CircleCIRootIssuer, Payload: circleCIPayload(t, other)})
	if c, ok := set.(*claims.CircleCI); err != nil || !ok || c.OrganizationID != cciOrgB {
		t.Errorf("root Decode of organization B = %v, %v", set, err)
	}
	test := providers.NewCircleCIRoot(oidc.Issuer{URL: "https://127.0.0.1:8443", Algorithms: []string{"ES256"}})
	checkProvider(t, test, claims.KindCircleCI, oidc.Issuer{URL: "https://127.0.0.1:8443", Algorithms: []string{"ES256"}},
		good, bad, claims.ErrType)
}

// circleCIPayload is the JSON claims set of c.
func circleCIPayload(t *testing.T, c *claims.CircleCI) string {
	t.Helper()
	b, err := c.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCircleCIFamilyDecode: a member's claims must name the member's own
// organization, whoever signed them.
func TestCircleCIFamilyDecode(t *testing.T) {
	t.Parallel()
	a := providertest.CircleCIClaims()
	b := providertest.CircleCIClaims()
	b.OrganizationID = cciOrgB
	for _, tc := range []struct {
		name  string
		iss   string
		c     *claims.CircleCI
		claim string // of the claims.ErrInvalid; "" accepted
	}{
		{"own organization", providers.CircleCIIssuer(cciOrgA), a, ""},
		{"organization B at B", providers.CircleCIIssuer(cciOrgB), b, ""},
		{"organization B at A", providers.CircleCIIssuer(cciOrgA), b, "oidc.circleci.com/org-id"},
		{"organization A at B", providers.CircleCIIssuer(cciOrgB), a, "oidc.circleci.com/org-id"},
		{"root issuer", providers.CircleCIRootIssuer, a, "iss"},
		{"upper-case member", providers.CircleCIIssuerPrefix + strings.ToUpper(cciOrgA), a, "iss"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := providers.CircleCI.Decode(&oidc.Token{Issuer: tc.iss, Payload: circleCIPayload(t, tc.c)})
			if tc.claim == "" {
				if err != nil || set == nil {
					t.Fatalf("Decode = %v, %v", set, err)
				}
				if got := providers.CircleCI.Member(set); got != tc.iss {
					t.Errorf("Member = %q, want %q", got, tc.iss)
				}
				return
			}
			var ce *claims.Error
			if set != nil || !errors.Is(err, claims.ErrInvalid) || !errors.As(err, &ce) || ce.Claim != tc.claim {
				t.Fatalf("Decode = %v, %v; want claims.ErrInvalid on %s", set, err, tc.claim)
			}
		})
	}
	if got := providers.CircleCI.Member(nil); got != "" {
		t.Errorf("Member(nil) = %q", got)
	}
	if got := providers.CircleCI.Member(providertest.SemaphoreClaims()); got != "" {
		t.Errorf("Member(Semaphore claims) = %q", got)
	}
}

// TestCircleCIKitOrgMismatch: through real verification, a token minted by
// organization A's own issuer that carries B's org-id verifies (A signed
// it) but does not decode: the claims must name the issuer's organization.
func TestCircleCIKitOrgMismatch(t *testing.T) {
	t.Parallel()
	kit := providertest.New(t, oidctest.Options{})
	prov := kit.CircleCI()
	orgA, err := kit.CircleCIOrg(cciOrgA)
	if err != nil {
		t.Fatal(err)
	}
	fam := prov.Family()
	fam.Admit = func(context.Context, string) (bool, error) { return true, nil }
	keys := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: kit.Client()})
	defer keys.Close()
	v, err := oidc.NewVerifier(oidc.Config{Families: []oidc.Family{fam}, Audience: oidctest.DefaultAudience, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	b := providertest.CircleCIClaims()
	b.OrganizationID = cciOrgB
	for _, tc := range []struct {
		name string
		c    *claims.CircleCI
		opts []oidctest.MintOption
		err  bool
	}{
		{"A's token", nil, nil, false},
		{"B's org-id from A's issuer", b, []oidctest.MintOption{oidctest.IssuerURL(orgA.URL()), oidctest.SignWith(orgA.Signer())}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := kit.MintCircleCI(tc.c, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := v.Verify(context.Background(), raw)
			if err != nil {
				t.Fatalf("Verify: %v (A's issuer signed it)", err)
			}
			if tok.Issuer != orgA.URL() {
				t.Fatalf("iss = %q, want A's %q", tok.Issuer, orgA.URL())
			}
			set, err := prov.Decode(tok)
			if !tc.err {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			var ce *claims.Error
			if set != nil || !errors.Is(err, claims.ErrInvalid) || !errors.As(err, &ce) || ce.Claim != "oidc.circleci.com/org-id" {
				t.Fatalf("Decode = %v, %v; want claims.ErrInvalid on oidc.circleci.com/org-id", set, err)
			}
			if !strings.Contains(err.Error(), cciOrgB) || !strings.Contains(err.Error(), cciOrgA) {
				t.Errorf("the error names neither organization: %v", err)
			}
		})
	}
}

// TestCircleCIWorkload: the issuer is the member's (the kit's or
// CircleCI's), the web pages CircleCI's app for CircleCI's issuers and the
// issuer itself for another.
func TestCircleCIWorkload(t *testing.T) {
	t.Parallel()
	c := providertest.CircleCIClaims()
	const web = "https://app.circleci.com"
	want := claims.Workload{
		Provider: claims.KindCircleCI, Issuer: providers.CircleCIIssuer(cciOrgA),
		Repository: "github.com/octo-org/hello-world", RepositoryID: "7c9e6a4b-2f1d-4b8a-a3e5-6d7f8091a2b3",
		RepositoryURL: "https://github.com/octo-org/hello-world",
		Ref:           "refs/tags/v1.2.0", Commit: "3a7f1c9e5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a",
		ActorID: "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
		RunURL:  web + "/workflow/e9f8a7b6-c5d4-4e3f-a2b1-0c9d8e7f6a5b",
	}
	kit := providertest.New(t, oidctest.Options{})
	member := kit.URL() + "/org/" + cciOrgA
	for _, tc := range []struct {
		name string
		prov providers.Provider
		want claims.Workload
	}{
		{"family", providers.CircleCI, want},
		{"root", providers.CircleCIRoot, with(want, func(w *claims.Workload) { w.Issuer = providers.CircleCIRootIssuer })},
		{"kit family", kit.CircleCI(), with(want, func(w *claims.Workload) {
			w.Issuer, w.RunURL = member, member+"/workflow/e9f8a7b6-c5d4-4e3f-a2b1-0c9d8e7f6a5b"
		})},
		{"kit root", kit.CircleCIRoot(), with(want, func(w *claims.Workload) {
			w.Issuer, w.RunURL = kit.URL(), kit.URL()+"/workflow/e9f8a7b6-c5d4-4e3f-a2b1-0c9d8e7f6a5b"
		})},
	} {
		if diff := cmp.Diff(tc.want, tc.prov.Workload(c)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	// Another organization's claims name their own member.
	b := providertest.CircleCIClaims()
	b.OrganizationID = cciOrgB
	if got := providers.CircleCI.Workload(b).Issuer; got != providers.CircleCIIssuer(cciOrgB) {
		t.Errorf("B's Workload.Issuer = %q", got)
	}
	if got := providers.CircleCI.Workload(nil); got != (claims.Workload{Provider: claims.KindCircleCI}) {
		t.Errorf("Workload(nil) = %+v", got)
	}
}
