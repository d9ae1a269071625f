package publisher_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// More CircleCI organizations beside the fixture's (cciOrg).
const (
	cciOrgB = "0b7d2c4e-6f8a-4b1c-9d3e-5a7f9c1b3d5e"
	cciOrgC = "6a1f3e5d-7c9b-4d2f-8e4a-1b3c5d7f9e2a"
	cciOrgM = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a" // made up: served by the kit, named by no publisher
)

const cciDiscovery = "/.well-known/openid-configuration"

// cciKit is a local server serving CircleCI's family of organizations at
// <URL>/org/<id>, and a client that counts every request the verifier
// sends it.
type cciKit struct {
	*providertest.Issuer
	fetches atomic.Int64
	jobs    atomic.Int64
	client  *http.Client
}

// cciCounter counts requests on their way to next; a nil next refuses them.
type cciCounter struct {
	n    *atomic.Int64
	next http.RoundTripper
}

func (c cciCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	if c.next == nil {
		return nil, errors.New("no request may leave this test")
	}
	return c.next.RoundTrip(r)
}

func newCCIKit(t *testing.T) *cciKit {
	t.Helper()
	k := &cciKit{Issuer: providertest.New(t, oidctest.Options{})}
	k.client = &http.Client{Transport: cciCounter{&k.fetches, k.Client().Transport}}
	return k
}

// org is the issuer of an organization, served from now on.
func (k *cciKit) org(t *testing.T, id string) *providertest.Issuer {
	t.Helper()
	o, err := k.CircleCIOrg(id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// policy is cciPolicy for organization id, trusting the kit's member.
func (k *cciKit) policy(t *testing.T, id string) *publisher.CircleCI {
	p := cciPolicy()
	p.OrganizationID, p.IssuerURL = id, k.org(t, id).URL()
	return p
}

// cciClaimsOf is the fixture's job in organization id, every other id the
// same.
func cciClaimsOf(id string) *claims.CircleCI {
	c := providertest.CircleCIClaims()
	c.OrganizationID = id
	c.Subject = strings.Replace(c.Subject, "org/"+cciOrg+"/", "org/"+id+"/", 1)
	return c
}

// mint mints c (nil: the fixture) from its organization's issuer, as a
// job of its own: CircleCI's tokens carry no jti, and two of one job
// issued in the same second are one token to the replay store.
func (k *cciKit) mint(t *testing.T, c *claims.CircleCI, opts ...oidctest.MintOption) string {
	t.Helper()
	job := fmt.Sprintf("2d4f6a8c-1e3b-4d5f-9a7c-%012x", k.jobs.Add(1))
	tok, err := k.MintCircleCI(c, append([]oidctest.MintOption{oidctest.Claim("oidc.circleci.com/job-id", job)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// verifier trusts the kit's CircleCI family (and provs), fetching through
// the counting client.
func (k *cciKit) verifier(t *testing.T, store publisher.Store, edit func(*publisher.Config), provs ...providers.Provider) *publisher.Verifier {
	t.Helper()
	cfg := publisher.Config{Audience: oidctest.DefaultAudience, Providers: append([]providers.Provider{k.CircleCI()}, provs...),
		Publishers: store, HTTPClient: k.client}
	if edit != nil {
		edit(&cfg)
	}
	v, err := publisher.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func cciStore(t *testing.T, pubs ...publisher.Registered) *publisher.MemoryStore {
	t.Helper()
	s, err := publisher.NewMemoryStore(pubs...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// cciAccepted verifies tok and wants exactly these publishers.
func cciAccepted(t *testing.T, v *publisher.Verifier, tok string, ids ...string) *publisher.Result {
	t.Helper()
	res, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("Verify: %v; want publishers %v", err, ids)
	}
	if diff := cmp.Diff(ids, ghIDs(res)); diff != "" {
		t.Fatalf("publishers (-want +got):\n%s", diff)
	}
	return res
}

// cciRefused verifies tok and wants an error wrapping each of want.
func cciRefused(t *testing.T, v *publisher.Verifier, tok string, want ...error) error {
	t.Helper()
	res, err := v.Verify(context.Background(), tok)
	if err == nil {
		t.Fatalf("Verify accepted %v; want %v", ghIDs(res), want)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Fatalf("Verify = %v; want %v", err, w)
		}
	}
	return err
}

// TestCircleCIVerify: a token of a registered organization is accepted,
// with its packages and workload, and once only.
func TestCircleCIVerify(t *testing.T) {
	t.Parallel()
	k := newCCIKit(t)
	store := cciStore(t, publisher.Registered{ID: "hello-world", Packages: []string{"hello-world", "@octo/hello"},
		Policy: k.policy(t, cciOrg)})
	v := k.verifier(t, store, nil)
	tok := k.mint(t, nil)
	res := cciAccepted(t, v, tok, "hello-world")
	if diff := cmp.Diff([]string{"@octo/hello", "hello-world"}, res.Packages()); diff != "" {
		t.Errorf("Packages (-want +got):\n%s", diff)
	}
	if c, ok := res.Claims.(*claims.CircleCI); !ok || c.OrganizationID != cciOrg || res.Provider.Kind() != claims.KindCircleCI {
		t.Errorf("claims %T %+v from %s", res.Claims, res.Claims, res.Provider.Kind())
	}
	member := k.URL() + "/org/" + cciOrg
	if res.Token.Issuer != member {
		t.Errorf("iss = %q, want %q", res.Token.Issuer, member)
	}
	want := claims.Workload{
		Provider: claims.KindCircleCI, Issuer: member,
		Repository: "github.com/octo-org/hello-world", RepositoryID: cciProject,
		RepositoryURL: "https://github.com/octo-org/hello-world",
		Ref:           "refs/tags/v1.2.0", Commit: "3a7f1c9e5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a",
		ActorID: "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
		RunURL:  member + "/workflow/e9f8a7b6-c5d4-4e3f-a2b1-0c9d8e7f6a5b",
	}
	if diff := cmp.Diff(want, res.Workload()); diff != "" {
		t.Errorf("Workload (-want +got):\n%s", diff)
	}
	err := cciRefused(t, v, tok, oidc.ErrReplayed)
	if c := publisher.Classify(err); c.Name != "token-reused" {
		t.Errorf("replay classified %+v", c)
	}
	// A fresh token of the same job is good again; the keys are cached.
	cciAccepted(t, v, k.mint(t, nil), "hello-world")
	if n := k.fetches.Load(); n != 2 {
		t.Errorf("%d requests for one organization's keys, want 2 (discovery and key set)", n)
	}
}

// TestCircleCICrossOrganization: two registered organizations whose jobs
// differ only in the organization. A's token never matches B's publisher,
// even from a store handing out every publisher; a token that borrows the
// other organization's issuer or org-id is refused.
func TestCircleCICrossOrganization(t *testing.T) {
	t.Parallel()
	k := newCCIKit(t)
	orgA, orgB := k.org(t, cciOrg), k.org(t, cciOrgB)
	pubA := publisher.Registered{ID: "a", Policy: k.policy(t, cciOrg)}
	pubB := publisher.Registered{ID: "b", Policy: k.policy(t, cciOrgB)}
	// A policy on A's issuer that names B's organization (a test issuer's
	// policy may name any issuer): it matches nothing of either.
	mixed := k.policy(t, cciOrgB)
	mixed.IssuerURL = orgA.URL()
	pubMixed := publisher.Registered{ID: "a-issuer-b-org", Policy: mixed}

	mem := k.verifier(t, cciStore(t, pubA, pubB), nil)
	leaky := k.verifier(t, ghLeakyStore{pubA, pubB, pubMixed}, func(c *publisher.Config) {
		c.FamilyMembers = []string{orgA.URL(), orgB.URL()}
	})
	for name, v := range map[string]*publisher.Verifier{"memory store": mem, "store ignoring the issuer": leaky} {
		t.Run(name, func(t *testing.T) {
			cciAccepted(t, v, k.mint(t, cciClaimsOf(cciOrg)), "a")
			cciAccepted(t, v, k.mint(t, cciClaimsOf(cciOrgB)), "b")

			// Signed with A's key, naming B's issuer and organization: B's
			// key set has no such kid, or its key does not verify.
			cciRefused(t, v, k.mint(t, cciClaimsOf(cciOrgB), oidctest.SignWith(orgA.Signer())), oidc.ErrUnknownKey)
			cciRefused(t, v, k.mint(t, cciClaimsOf(cciOrgB), oidctest.SignWith(orgA.Signer()),
				oidctest.Header("kid", orgB.Signer().ID)), oidc.ErrSignature)

			// From A's issuer, signed by A, carrying B's org-id.
			err := cciRefused(t, v, k.mint(t, cciClaimsOf(cciOrgB), oidctest.IssuerURL(orgA.URL()),
				oidctest.SignWith(orgA.Signer())), publisher.ErrClaims, claims.ErrInvalid)
			var ce *claims.Error
			if !errors.As(err, &ce) || ce.Claim != "oidc.circleci.com/org-id" {
				t.Errorf("refused on %+v, want the org-id claim", ce)
			}
		})
	}
	// The store hands A's token every policy but A's: none is a candidate,
	// B's names another issuer, the mixed one another lookup key.
	store := ghLeakyStore{pubB, pubMixed}
	v := k.verifier(t, store, func(c *publisher.Config) { c.FamilyMembers = []string{orgA.URL()} })
	err := cciRefused(t, v, k.mint(t, cciClaimsOf(cciOrg)), publisher.ErrNoPublisher)
	var nm *publisher.NoMatchError
	if !errors.As(err, &nm) {
		t.Fatalf("Verify = %v, want a *NoMatchError", err)
	}
	if nm.Issuer != orgA.URL() || len(nm.Rejected) != 0 {
		t.Errorf("issuer %s, rejected %+v; want A's issuer and no candidate", nm.Issuer, nm.Rejected)
	}
}

// TestCircleCIMadeUpOrganizations: a token of an organization no publisher
// names is refused before anything is fetched, be it a real member of the
// family or one of 500 made up, on the kit's family and on CircleCI's.
func TestCircleCIMadeUpOrganizations(t *testing.T) {
	t.Parallel()
	k := newCCIKit(t)
	v := k.verifier(t, cciStore(t, publisher.Registered{ID: "a", Policy: k.policy(t, cciOrg)}), nil)
	orgM := k.org(t, cciOrgM)
	err := cciRefused(t, v, k.mint(t, cciClaimsOf(cciOrgM)), oidc.ErrIssuer)
	if c := publisher.Classify(err); c.Name != "untrusted-issuer" || c.Retryable {
		t.Errorf("classified %+v", c)
	}
	if d, j := orgM.Requests(cciDiscovery), orgM.JWKSRequests(); d+j != 0 {
		t.Errorf("the made-up organization's issuer served %d discovery and %d key set requests", d, j)
	}

	signer := k.org(t, cciOrg)
	for i := range 500 {
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		tok, err := signer.Mint(cciClaimsOf(id), oidctest.IssuerURL(k.URL()+"/org/"+id), oidctest.Lifetime(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), tok); !errors.Is(err, oidc.ErrIssuer) {
			t.Fatalf("token %d: %v, want oidc.ErrIssuer", i, err)
		}
	}
	if n := k.fetches.Load(); n != 0 {
		t.Fatalf("%d requests for organizations no publisher names", n)
	}
	// The counter sees fetches: the registered organization's token costs two.
	cciAccepted(t, v, k.mint(t, nil), "a")
	if n := k.fetches.Load(); n != 2 {
		t.Errorf("%d requests after the registered organization's token, want 2", n)
	}

	// CircleCI's own family: nothing may leave the test, and nothing tries.
	var sent atomic.Int64
	prod := cciPolicy()
	prod.OrganizationID = cciOrg
	rv, err := publisher.New(publisher.Config{Audience: oidctest.DefaultAudience, Providers: []providers.Provider{providers.CircleCI},
		Publishers: cciStore(t, publisher.Registered{ID: "a", Policy: prod}), HTTPClient: &http.Client{Transport: cciCounter{n: &sent}}})
	if err != nil {
		t.Fatal(err)
	}
	defer rv.Close()
	for i := range 500 {
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		tok, err := signer.Mint(cciClaimsOf(id), oidctest.IssuerURL(providers.CircleCIIssuer(id)), oidctest.Lifetime(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rv.Verify(context.Background(), tok); !errors.Is(err, oidc.ErrIssuer) {
			t.Fatalf("token %d: %v, want oidc.ErrIssuer", i, err)
		}
	}
	if n := sent.Load(); n != 0 {
		t.Fatalf("%d requests to CircleCI for organizations no publisher names", n)
	}
	tok, err := signer.Mint(cciClaimsOf(cciOrg), oidctest.IssuerURL(providers.CircleCIIssuer(cciOrg)), oidctest.Lifetime(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	cciRefused(t, rv, tok, oidc.ErrKeysUnavailable)
	if sent.Load() == 0 {
		t.Error("the registered organization's token sent no request: the counter proves nothing")
	}
}

// TestCircleCIAdmissionFollowsStore: adding a publisher admits its
// organization at once, removing the last one refuses it again, without
// building another verifier.
func TestCircleCIAdmissionFollowsStore(t *testing.T) {
	t.Parallel()
	k := newCCIKit(t)
	store := cciStore(t, publisher.Registered{ID: "a", Policy: k.policy(t, cciOrg)})
	v := k.verifier(t, store, nil)
	orgC := k.org(t, cciOrgC)
	cciRefused(t, v, k.mint(t, cciClaimsOf(cciOrgC)), oidc.ErrIssuer)
	if n := orgC.JWKSRequests(); n != 0 {
		t.Fatalf("%d key set requests before any publisher names C", n)
	}
	for _, id := range []string{"c1", "c2"} {
		if err := store.Add(publisher.Registered{ID: id, Policy: k.policy(t, cciOrgC)}); err != nil {
			t.Fatal(err)
		}
	}
	cciAccepted(t, v, k.mint(t, cciClaimsOf(cciOrgC)), "c1", "c2")
	if n := orgC.JWKSRequests(); n != 1 {
		t.Errorf("%d key set requests for C, want 1", n)
	}
	store.Remove("c1")
	cciAccepted(t, v, k.mint(t, cciClaimsOf(cciOrgC)), "c2") // one publisher still names C
	store.Remove("c2")
	cciRefused(t, v, k.mint(t, cciClaimsOf(cciOrgC)), oidc.ErrIssuer) // its keys are cached, and not used
	cciAccepted(t, v, k.mint(t, nil), "a")
}

// TestCircleCIStoreWithoutIndex: a store that cannot say which issuers its
// publishers name admits only Config.FamilyMembers, which must be members.
func TestCircleCIStoreWithoutIndex(t *testing.T) {
	t.Parallel()
	k := newCCIKit(t)
	orgA, orgB := k.org(t, cciOrg), k.org(t, cciOrgB)
	mem := cciStore(t, publisher.Registered{ID: "a", Policy: k.policy(t, cciOrg)},
		publisher.Registered{ID: "b", Policy: k.policy(t, cciOrgB)})
	cfg := publisher.Config{Audience: oidctest.DefaultAudience, Providers: []providers.Provider{k.CircleCI()},
		Publishers: storeOnly{mem}, HTTPClient: k.client}
	if v, err := publisher.New(cfg); err == nil || !strings.Contains(err.Error(), "FamilyMembers") {
		v.Close()
		t.Fatalf("New without FamilyMembers = %v, want an error naming FamilyMembers", err)
	}

	for _, bad := range []string{
		orgA.URL() + "/",
		k.URL() + "/org/" + strings.ToUpper(cciOrg),
		k.URL() + "/org/not-a-uuid",
		k.URL(),                          // the server's root: no member
		providers.CircleCIIssuer(cciOrg), // CircleCI's member, but the kit's family is configured
		"https://example.com/org/" + cciOrg,
		"",
	} {
		c := cfg
		c.FamilyMembers = []string{orgA.URL(), bad}
		if v, err := publisher.New(c); err == nil {
			v.Close()
			t.Errorf("New with FamilyMembers %q: no error", bad)
		}
	}
	// A fixed issuer is no family member either.
	c := cfg
	c.Providers = append(c.Providers, k.CircleCIRoot())
	c.FamilyMembers = []string{k.URL()}
	if v, err := publisher.New(c); err == nil {
		v.Close()
		t.Error("New with the root issuer in FamilyMembers: no error")
	}

	cfg.FamilyMembers = []string{orgA.URL()}
	v, err := publisher.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	cciAccepted(t, v, k.mint(t, nil), "a")
	// B has a publisher, but this store cannot say so: not admitted.
	cciRefused(t, v, k.mint(t, cciClaimsOf(cciOrgB)), oidc.ErrIssuer)
	if n := orgB.Requests(cciDiscovery) + orgB.JWKSRequests(); n != 0 {
		t.Errorf("%d requests to B's issuer", n)
	}
}

// cciIndexStore is a registry's store with an issuer index of its own.
type cciIndexStore struct {
	publisher.Store
	calls atomic.Int64
	has   func(iss string) (bool, error)
}

func (s *cciIndexStore) HasIssuer(_ context.Context, iss string) (bool, error) {
	s.calls.Add(1)
	return s.has(iss)
}

// TestCircleCIIssuerIndexDown: an index that fails is an outage the client
// may retry, with nothing fetched; FamilyMembers need no index.
func TestCircleCIIssuerIndexDown(t *testing.T) {
	t.Parallel()
	k := newCCIKit(t)
	down := errors.New("database is down")
	store := &cciIndexStore{Store: cciStore(t, publisher.Registered{ID: "a", Policy: k.policy(t, cciOrg)},
		publisher.Registered{ID: "b", Policy: k.policy(t, cciOrgB)}),
		has: func(string) (bool, error) { return false, down }}
	v := k.verifier(t, store, nil)
	err := cciRefused(t, v, k.mint(t, nil), oidc.ErrKeysUnavailable, publisher.ErrStore, down)
	c := publisher.Classify(err)
	if c.Status != http.StatusServiceUnavailable || !c.Retryable || c.PyPICode != "" {
		t.Errorf("classified %+v, want a retryable 503", c)
	}
	if n := k.fetches.Load(); n != 0 {
		t.Errorf("%d requests while the index is down", n)
	}

	// The index answers; a member it does not know is refused.
	store.has = func(iss string) (bool, error) { return iss == k.URL()+"/org/"+cciOrgB, nil }
	v = k.verifier(t, store, nil)
	cciAccepted(t, v, k.mint(t, cciClaimsOf(cciOrgB)), "b")
	cciRefused(t, v, k.mint(t, nil), oidc.ErrIssuer)

	// A listed member is admitted without asking the index.
	store.has = func(string) (bool, error) { return false, down }
	v = k.verifier(t, store, func(c *publisher.Config) { c.FamilyMembers = []string{k.URL() + "/org/" + cciOrg} })
	before := store.calls.Load()
	cciAccepted(t, v, k.mint(t, nil), "a")
	if n := store.calls.Load() - before; n != 0 {
		t.Errorf("HasIssuer asked %d times for a listed member", n)
	}
	cciRefused(t, v, k.mint(t, cciClaimsOf(cciOrgB)), oidc.ErrKeysUnavailable, down)
}

// TestCircleCISSHRerunVerify: a job re-run with SSH is refused, and said
// why, unless a publisher allows it.
func TestCircleCISSHRerunVerify(t *testing.T) {
	t.Parallel()
	k := newCCIKit(t)
	store := cciStore(t, publisher.Registered{ID: "strict", Policy: k.policy(t, cciOrg)})
	v := k.verifier(t, store, nil)
	rerun := cciClaimsOf(cciOrg)
	rerun.SSHRerun = new(true)
	err := cciRefused(t, v, k.mint(t, rerun), publisher.ErrNoPublisher)
	var nm *publisher.NoMatchError
	want := []publisher.Rejection{{ID: "strict", Mismatches: []publisher.Mismatch{{Rule: "allow_ssh_rerun",
		Claim: "oidc.circleci.com/ssh-rerun", Want: "a job not re-run with SSH (false; allow_ssh_rerun accepts one)", Got: "true"}}}}
	if !errors.As(err, &nm) || !cmp.Equal(want, nm.Rejected) {
		t.Errorf("Verify = %v, want the rejection %+v", err, want)
	}
	// A token without the claim is no token of CircleCI's.
	cciRefused(t, v, k.mint(t, nil, oidctest.Claim("oidc.circleci.com/ssh-rerun", nil)), publisher.ErrClaims, claims.ErrMissing)

	lenient := k.policy(t, cciOrg)
	lenient.AllowSSHRerun = true
	if err := store.Add(publisher.Registered{ID: "lenient", Policy: lenient}); err != nil {
		t.Fatal(err)
	}
	cciAccepted(t, v, k.mint(t, rerun), "lenient")
	cciAccepted(t, v, k.mint(t, nil), "lenient", "strict")
}

// TestCircleCIRootIssuer: the root issuer, shared by every organization,
// beside the family. A root policy matches its organization's root tokens
// only, and root and member policies never match each other's tokens.
func TestCircleCIRootIssuer(t *testing.T) {
	t.Parallel()
	k := newCCIKit(t)
	root := cciPolicy()
	root.IssuerURL = k.URL()
	rootA := publisher.Registered{ID: "root-a", Policy: root}
	memberA := publisher.Registered{ID: "member-a", Policy: k.policy(t, cciOrg)}
	mintRoot := func(t *testing.T, c *claims.CircleCI) string {
		tok, err := k.MintCircleCIRoot(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for name, store := range map[string]publisher.Store{
		"memory store":              cciStore(t, rootA, memberA),
		"store ignoring the issuer": ghLeakyStore{rootA, memberA},
	} {
		t.Run(name, func(t *testing.T) {
			v := k.verifier(t, store, func(c *publisher.Config) {
				if _, ok := store.(publisher.IssuerIndex); !ok {
					c.FamilyMembers = []string{k.URL() + "/org/" + cciOrg, k.URL() + "/org/" + cciOrgB}
				}
			}, k.CircleCIRoot())
			cciAccepted(t, v, mintRoot(t, cciClaimsOf(cciOrg)), "root-a")
			cciAccepted(t, v, k.mint(t, cciClaimsOf(cciOrg)), "member-a")

			// Another organization's root token: its lookup key is B's, so
			// root-a is no candidate, even from a store handing it out.
			err := cciRefused(t, v, mintRoot(t, cciClaimsOf(cciOrgB)), publisher.ErrNoPublisher)
			var nm *publisher.NoMatchError
			if !errors.As(err, &nm) || nm.Issuer != k.URL() || nm.Key != cciOrgB+"/"+cciProject || len(nm.Rejected) != 0 {
				t.Fatalf("Verify = %v, want a NoMatchError on the root issuer and B's key, with no candidate", err)
			}
			// A's root token of another pipeline definition: root-a alone
			// is a candidate (member-a is on another issuer), refused on it.
			other := cciClaimsOf(cciOrg)
			other.PipelineDefinitionID = cciOther
			err = cciRefused(t, v, mintRoot(t, other), publisher.ErrNoPublisher)
			if !errors.As(err, &nm) || len(nm.Rejected) != 1 {
				t.Fatalf("Verify = %v, want a NoMatchError rejecting root-a alone", err)
			}
			if r := nm.Rejected[0]; r.ID != "root-a" || len(r.Mismatches) != 1 || r.Mismatches[0].Rule != "pipeline_definition_id" {
				t.Errorf("rejected %+v", r)
			}
			// B's member token: neither policy is B's. The memory store
			// does not admit B; FamilyMembers do, and no policy matches.
			want := oidc.ErrIssuer
			if _, ok := store.(publisher.IssuerIndex); !ok {
				want = publisher.ErrNoPublisher
			}
			cciRefused(t, v, k.mint(t, cciClaimsOf(cciOrgB)), want)
		})
	}
	// Only a member policy registered: A's root token finds none.
	v := k.verifier(t, cciStore(t, memberA), nil, k.CircleCIRoot())
	cciRefused(t, v, mintRoot(t, cciClaimsOf(cciOrg)), publisher.ErrNoPublisher)
	// Only a root policy: A's member is admitted by no publisher.
	v = k.verifier(t, cciStore(t, rootA), nil, k.CircleCIRoot())
	cciRefused(t, v, k.mint(t, cciClaimsOf(cciOrg)), oidc.ErrIssuer)
}

// TestCircleCICrossProvider: CircleCI beside GitHub, Buildkite and
// Semaphore. Each provider's token matches its own publisher only, and
// claims of one provider from another's issuer are refused, even a union
// of both providers' claims and even from a store handing out every
// publisher, including policies of one kind naming another's issuer.
func TestCircleCICrossProvider(t *testing.T) {
	t.Parallel()
	k := newCCIKit(t)
	gh := providertest.New(t, oidctest.Options{})
	bk := providertest.New(t, oidctest.Options{})
	orgA := k.org(t, cciOrg)
	acme, err := k.SemaphoreOrg("acme")
	if err != nil {
		t.Fatal(err)
	}
	ghPol := ghMinimal()
	ghPol.IssuerURL = gh.URL()
	bkPol := bkPolicy()
	bkPol.IssuerURL = bk.URL()
	semPol := semPolicy()
	semPol.IssuerURL = acme.URL()
	pubs := []publisher.Registered{{ID: "circleci", Policy: k.policy(t, cciOrg)}, {ID: "github", Policy: ghPol},
		{ID: "buildkite", Policy: bkPol}, {ID: "semaphore", Policy: semPol}}
	// Of one kind, on another's issuer.
	cciAtGH := k.policy(t, cciOrg)
	cciAtGH.IssuerURL = gh.URL()
	ghAtCCI := ghMinimal() // and with CircleCI's lookup key: owner/repository spelled as org/project
	ghAtCCI.IssuerURL, ghAtCCI.Owner, ghAtCCI.Repository = orgA.URL(), cciOrg, cciProject
	if ghAtCCI.LookupKey() != cciPolicy().LookupKey() {
		t.Fatalf("lookup keys %q and %q differ: the test would prove less", ghAtCCI.LookupKey(), cciPolicy().LookupKey())
	}
	leaky := append(ghLeakyStore{{ID: "circleci-at-github", Policy: cciAtGH}, {ID: "github-at-circleci", Policy: ghAtCCI}}, pubs...)

	cci := providertest.CircleCIClaims()
	union := func(t *testing.T, sets ...any) map[string]any {
		out := map[string]any{}
		for _, s := range sets {
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	mint := func(t *testing.T, iss *providertest.Issuer, c any) string {
		tok, err := iss.Mint(c, oidctest.Lifetime(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	provs := []providers.Provider{gh.GitHub(), bk.Buildkite(), k.Semaphore()}
	for name, store := range map[string]publisher.Store{"memory store": cciStore(t, pubs...), "store handing out everything": leaky} {
		t.Run(name, func(t *testing.T) {
			v := k.verifier(t, store, func(c *publisher.Config) {
				if _, ok := store.(publisher.IssuerIndex); !ok {
					c.FamilyMembers = []string{orgA.URL(), acme.URL()}
				}
			}, provs...)
			// Each its own.
			cciAccepted(t, v, k.mint(t, nil), "circleci")
			tok, err := gh.MintGitHub(ghRelease())
			if err != nil {
				t.Fatal(err)
			}
			cciAccepted(t, v, tok, "github")
			if tok, err = bk.MintBuildkite(nil); err != nil {
				t.Fatal(err)
			}
			cciAccepted(t, v, tok, "buildkite")
			if tok, err = k.MintSemaphore(nil); err != nil {
				t.Fatal(err)
			}
			cciAccepted(t, v, tok, "semaphore")

			// CircleCI's claims from the others' issuers, and theirs from
			// CircleCI's: not their provider's claims.
			for _, tc := range []struct {
				name string
				iss  *providertest.Issuer
				c    any
			}{
				{"circleci claims from github", gh, cci},
				{"circleci claims from buildkite", bk, cci},
				{"circleci claims from semaphore", acme, cci},
				{"github claims from circleci", orgA, ghRelease()},
				{"buildkite claims from circleci", orgA, providertest.BuildkiteClaims()},
				{"semaphore claims from circleci", orgA, providertest.SemaphoreClaims()},
			} {
				t.Run(tc.name, func(t *testing.T) {
					cciRefused(t, v, mint(t, tc.iss, tc.c), publisher.ErrClaims)
				})
			}
			// A union of claims decodes as the issuer's provider, and
			// matches that provider's publisher only.
			cciAccepted(t, v, mint(t, gh, union(t, cci, ghRelease())), "github")
			cciAccepted(t, v, mint(t, orgA, union(t, ghRelease(), cci)), "circleci")
			cciAccepted(t, v, mint(t, orgA, union(t, providertest.SemaphoreClaims(), providertest.BuildkiteClaims(), cci)), "circleci")

			// Another pipeline of the project: only the CircleCI publisher
			// is a candidate, not the GitHub policy of the same issuer and key.
			other := cciClaimsOf(cciOrg)
			other.PipelineDefinitionID = cciOther
			var nm *publisher.NoMatchError
			if err := cciRefused(t, v, k.mint(t, other), publisher.ErrNoPublisher); !errors.As(err, &nm) {
				t.Fatalf("Verify = %v, want a *NoMatchError", err)
			}
			if len(nm.Rejected) != 1 || nm.Rejected[0].ID != "circleci" {
				t.Errorf("rejected %+v, want the CircleCI publisher only", nm.Rejected)
			}
		})
	}
}

// TestCircleCICheckIssuers: CircleCI's family serves its members' policies
// and nothing else: not the root issuer, not a look-alike URL, not another
// kind's policy.
func TestCircleCICheckIssuers(t *testing.T) {
	t.Parallel()
	member := cciPolicy()
	root := cciPolicy()
	root.IssuerURL = providers.CircleCIRootIssuer
	elsewhere := cciPolicy()
	elsewhere.IssuerURL = "https://example.com/org/" + cciOrg
	kit := cciPolicy()
	kit.IssuerURL = "https://127.0.0.1:8443/org/" + cciOrg
	ghAtCCI := ghMinimal()
	ghAtCCI.IssuerURL = providers.CircleCIIssuer(cciOrg)
	for _, p := range []publisher.Policy{member, root, elsewhere, kit, ghAtCCI} {
		if err := p.Validate(); err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
	}
	family := []providers.Provider{providers.CircleCI}
	both := []providers.Provider{providers.CircleCI, providers.CircleCIRoot}
	for _, tc := range []struct {
		name   string
		provs  []providers.Provider
		policy publisher.Policy
		served bool
	}{
		{"member", family, member, true},
		{"member, beside the root", both, member, true},
		{"root issuer, family only", family, root, false},
		{"root issuer, root provider", both, root, true},
		{"root issuer, root provider only", []providers.Provider{providers.CircleCIRoot}, root, true},
		{"member, root provider only", []providers.Provider{providers.CircleCIRoot}, member, false},
		{"look-alike URL", both, elsewhere, false},
		{"a test issuer's member", both, kit, false},
		{"member, Semaphore's family", []providers.Provider{providers.Semaphore}, member, false},
		{"GitHub policy on a CircleCI member", []providers.Provider{providers.CircleCI, providers.GitHubActions}, ghAtCCI, false},
	} {
		err := publisher.CheckIssuers(tc.provs, publisher.Registered{ID: "p", Policy: tc.policy})
		var ue *publisher.UnservedError
		switch {
		case tc.served && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case !tc.served && (!errors.As(err, &ue) || !errors.Is(err, publisher.ErrUnserved) || len(ue.Publishers) != 1):
			t.Errorf("%s: %v, want an *UnservedError", tc.name, err)
		}
	}

	// New checks a MemoryStore's publishers the same way; building a
	// verifier of CircleCI's family fetches nothing.
	var sent atomic.Int64
	cfg := publisher.Config{Audience: "npm:registry.npmjs.org", Providers: family,
		HTTPClient: &http.Client{Transport: cciCounter{n: &sent}}}
	cfg.Publishers = cciStore(t, publisher.Registered{ID: "member", Policy: member}, publisher.Registered{ID: "root", Policy: root})
	if v, err := publisher.New(cfg); !errors.Is(err, publisher.ErrUnserved) {
		v.Close()
		t.Errorf("New with a root policy and the family only = %v, want ErrUnserved", err)
	}
	cfg.Providers = both
	v, err := publisher.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	if n := sent.Load(); n != 0 {
		t.Errorf("New sent %d requests", n)
	}
}

// TestCircleCIWarm: Warm fetches the keys of the organizations a
// MemoryStore's publishers or FamilyMembers name, once each, and of no
// other member of the family.
func TestCircleCIWarm(t *testing.T) {
	t.Parallel()
	k := newCCIKit(t)
	orgs := map[string]*providertest.Issuer{}
	for _, id := range []string{cciOrg, cciOrgB, cciOrgC, cciOrgM} {
		orgs[id] = k.org(t, id)
	}
	store := cciStore(t, publisher.Registered{ID: "a", Policy: k.policy(t, cciOrg)},
		publisher.Registered{ID: "a2", Policy: k.policy(t, cciOrg)}, publisher.Registered{ID: "b", Policy: k.policy(t, cciOrgB)})
	// A is named by publishers and listed: fetched once all the same.
	v := k.verifier(t, store, func(c *publisher.Config) { c.FamilyMembers = []string{orgs[cciOrgC].URL(), orgs[cciOrg].URL()} })
	// Added after New, and served by no provider: never fetched.
	if err := store.Add(publisher.Registered{ID: "root", Policy: &publisher.CircleCI{IssuerURL: k.URL(), OrganizationID: cciOrg,
		ProjectID: cciProject, PipelineDefinitionID: cciPipeline, VCSOrigin: "github.com/octo-org/hello-world"}}); err != nil {
		t.Fatal(err)
	}
	if err := v.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	counts := func() map[string][2]int {
		out := map[string][2]int{}
		for id, o := range orgs {
			out[id] = [2]int{o.Requests(cciDiscovery), o.JWKSRequests()}
		}
		return out
	}
	want := map[string][2]int{cciOrg: {1, 1}, cciOrgB: {1, 1}, cciOrgC: {1, 1}, cciOrgM: {0, 0}}
	if diff := cmp.Diff(want, counts()); diff != "" {
		t.Errorf("discovery and key set requests per organization (-want +got):\n%s", diff)
	}
	if n := k.fetches.Load(); n != 6 {
		t.Errorf("%d requests in all, want 6", n)
	}
	if n := k.Requests(cciDiscovery) + k.JWKSRequests(); n != 0 {
		t.Errorf("%d requests to the root issuer, which no provider serves", n)
	}
	// The warmed keys serve the first token.
	cciAccepted(t, v, k.mint(t, cciClaimsOf(cciOrgB)), "b")
	if n := k.fetches.Load(); n != 6 {
		t.Errorf("%d requests after B's token, want still 6", n)
	}

	// Warm reads the store as it is now: a publisher added since.
	orgD := k.org(t, cciOrgM)
	if err := store.Add(publisher.Registered{ID: "m", Policy: k.policy(t, cciOrgM)}); err != nil {
		t.Fatal(err)
	}
	if err := v.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d, j := orgD.Requests(cciDiscovery), orgD.JWKSRequests(); d != 1 || j != 1 {
		t.Errorf("M, named since: %d discovery and %d key set requests, want 1 and 1", d, j)
	}

	// Behind a store without an index, only FamilyMembers.
	k2 := newCCIKit(t)
	a, b := k2.org(t, cciOrg), k2.org(t, cciOrgB)
	mem := cciStore(t, publisher.Registered{ID: "a", Policy: k2.policy(t, cciOrg)}, publisher.Registered{ID: "b", Policy: k2.policy(t, cciOrgB)})
	v = k2.verifier(t, storeOnly{mem}, func(c *publisher.Config) { c.FamilyMembers = []string{a.URL()} })
	if err := v.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := [4]int{a.Requests(cciDiscovery), a.JWKSRequests(), b.Requests(cciDiscovery), b.JWKSRequests()}; got != [4]int{1, 1, 0, 0} {
		t.Errorf("requests to A (discovery, keys) and B: %v, want A's only", got)
	}
}
