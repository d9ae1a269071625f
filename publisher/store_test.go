package publisher_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/publisher"
)

// dotcom is a github.com publisher of owner/name running release.yml.
func dotcom(id, owner, name string) publisher.Registered {
	return publisher.Registered{ID: id, Policy: &publisher.GitHub{Owner: owner, OwnerID: "9919",
		Repository: name, Workflow: "release.yml"}}
}

func lookup(t *testing.T, s publisher.Store, issuer, key string) []string {
	t.Helper()
	rs, err := s.Lookup(context.Background(), issuer, key)
	if err != nil {
		t.Fatal(err)
	}
	return ids(rs)
}

func TestMemoryStoreAddLookupRemove(t *testing.T) {
	t.Parallel()
	s, err := publisher.NewMemoryStore(dotcom("a", "octo-org", "hello"), dotcom("b", "octo-org", "hello"),
		dotcom("c", "octo-org", "other"))
	if err != nil {
		t.Fatal(err)
	}
	gh := providers.GitHubIssuer
	if diff := cmp.Diff([]string{"a", "b"}, lookup(t, s, gh, "octo-org/hello")); diff != "" {
		t.Errorf("lookup (-want +got):\n%s", diff)
	}
	if got := lookup(t, s, gh, "octo-org/nothing"); len(got) != 0 {
		t.Errorf("unknown key: %v", got)
	}
	if got := lookup(t, s, "https://token.actions.githubusercontent.com/octo-inc", "octo-org/hello"); len(got) != 0 {
		t.Errorf("another issuer sees github.com publishers: %v", got)
	}

	if !s.Remove("a") {
		t.Error("Remove(a) = false")
	}
	if s.Remove("a") || s.Remove("never") {
		t.Error("Remove of an absent id = true")
	}
	if diff := cmp.Diff([]string{"b"}, lookup(t, s, gh, "octo-org/hello")); diff != "" {
		t.Errorf("after Remove (-want +got):\n%s", diff)
	}
	s.Remove("b")
	if got := lookup(t, s, gh, "octo-org/hello"); len(got) != 0 {
		t.Errorf("after removing all: %v", got)
	}
	// A removed id is free again.
	if err := s.Add(dotcom("a", "octo-org", "hello")); err != nil {
		t.Errorf("re-adding a removed id: %v", err)
	}
	if diff := cmp.Diff([]string{"c"}, lookup(t, s, gh, "octo-org/other")); diff != "" {
		t.Errorf("another key changed (-want +got):\n%s", diff)
	}
}

func TestMemoryStoreZeroValue(t *testing.T) {
	t.Parallel()
	var s publisher.MemoryStore
	if got := lookup(t, &s, providers.GitHubIssuer, "octo-org/hello"); len(got) != 0 {
		t.Errorf("empty store: %v", got)
	}
	if s.Remove("a") {
		t.Error("Remove on an empty store = true")
	}
	if err := s.Add(dotcom("a", "octo-org", "hello")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a"}, lookup(t, &s, providers.GitHubIssuer, "octo-org/hello")); diff != "" {
		t.Errorf("lookup (-want +got):\n%s", diff)
	}
}

func TestMemoryStoreDuplicateID(t *testing.T) {
	t.Parallel()
	s, err := publisher.NewMemoryStore(dotcom("a", "octo-org", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []publisher.Registered{dotcom("a", "octo-org", "hello"), dotcom("a", "someone", "else")} {
		if err := s.Add(r); !errors.Is(err, publisher.ErrPolicy) {
			t.Errorf("Add of id a again: %v, want ErrPolicy", err)
		}
	}
	if got := lookup(t, s, providers.GitHubIssuer, "someone/else"); len(got) != 0 {
		t.Errorf("a refused duplicate was stored: %v", got)
	}
	if _, err := publisher.NewMemoryStore(dotcom("x", "o", "r"), dotcom("x", "o", "s")); !errors.Is(err, publisher.ErrPolicy) {
		t.Errorf("NewMemoryStore with a duplicate id: %v", err)
	}
}

// oddPolicy fails validation with an error of its own.
type oddPolicy struct{ acceptAll }

func (oddPolicy) Validate() error { return errors.New("odd") }

func TestMemoryStoreRefusesInvalid(t *testing.T) {
	t.Parallel()
	bad := dotcom("bad", "octo-org", "hello")
	bad.Policy.(*publisher.GitHub).OwnerID = "octo-org"
	noWorkflow := dotcom("nowf", "octo-org", "hello")
	noWorkflow.Policy.(*publisher.GitHub).Workflow = ""
	for name, r := range map[string]publisher.Registered{
		"no id":           {Policy: dotcom("", "octo-org", "hello").Policy},
		"no policy":       {ID: "x"},
		"typed nil":       {ID: "x", Policy: (*publisher.GitHub)(nil)},
		"owner id":        bad,
		"no workflow":     noWorkflow,
		"zero policy":     {ID: "x", Policy: &publisher.GitHub{}},
		"foreign failure": {ID: "x", Policy: oddPolicy{}},
	} {
		t.Run(name, func(t *testing.T) {
			var s publisher.MemoryStore
			if err := s.Add(r); !errors.Is(err, publisher.ErrPolicy) {
				t.Fatalf("Add = %v, want ErrPolicy", err)
			}
			if r.ID != "" && s.Remove(r.ID) {
				t.Error("the refused publisher was stored")
			}
		})
	}
}

// TestMemoryStoreKeyCase registers names in any case: GitHub's are
// case-insensitive, and both sides normalise their lookup key.
func TestMemoryStoreKeyCase(t *testing.T) {
	t.Parallel()
	s, err := publisher.NewMemoryStore(dotcom("mixed", "Octo-Org", "Hello"))
	if err != nil {
		t.Fatal(err)
	}
	tok := &claims.GitHub{Repository: "OCTO-ORG/hello"}
	if diff := cmp.Diff([]string{"mixed"}, lookup(t, s, providers.GitHubIssuer, tok.LookupKey())); diff != "" {
		t.Errorf("lookup by the token's key (-want +got):\n%s", diff)
	}
	// The store compares keys exactly: normalising is the key's job.
	if got := lookup(t, s, providers.GitHubIssuer, "Octo-Org/Hello"); len(got) != 0 {
		t.Errorf("an unnormalised key matched: %v", got)
	}
}

// TestMemoryStoreLookupIsStable holds Lookup to its contract: appending to
// the slice never writes into the store, and neither Add nor Remove changes
// a slice handed out before.
func TestMemoryStoreLookupIsStable(t *testing.T) {
	t.Parallel()
	// Three appends leave spare capacity behind the third entry.
	s, err := publisher.NewMemoryStore(dotcom("a", "octo-org", "hello"), dotcom("b", "octo-org", "hello"),
		dotcom("c", "octo-org", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	const gh, key = providers.GitHubIssuer, "octo-org/hello"
	got, _ := s.Lookup(context.Background(), gh, key)
	if len(got) != 3 || cap(got) != 3 {
		t.Fatalf("len %d, cap %d; want 3 and 3, so that appends reallocate", len(got), cap(got))
	}
	more := append(got, dotcom("injected", "octo-org", "hello"))
	if diff := cmp.Diff([]string{"a", "b", "c"}, lookup(t, s, gh, key)); diff != "" {
		t.Errorf("the caller's append wrote into the store (-want +got):\n%s", diff)
	}
	if err := s.Add(dotcom("d", "octo-org", "hello")); err != nil {
		t.Fatal(err)
	}
	if !s.Remove("b") || !s.Remove("d") {
		t.Fatal("Remove = false")
	}
	if err := s.Add(dotcom("e", "octo-org", "hello")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, ids(got)); diff != "" {
		t.Errorf("Add and Remove changed an earlier result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "injected"}, ids(more)); diff != "" {
		t.Errorf("Add wrote into the caller's appended slice (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a", "c", "e"}, lookup(t, s, gh, key)); diff != "" {
		t.Errorf("store after Add and Remove (-want +got):\n%s", diff)
	}
}

func TestMemoryStoreConcurrent(t *testing.T) {
	t.Parallel()
	var s publisher.MemoryStore
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				if err := s.Add(dotcom(id, "octo-org", "hello")); err != nil {
					t.Error(err)
				}
				if i%2 == 1 && !s.Remove(id) {
					t.Errorf("Remove(%s) = false", id)
				}
			}
		})
		wg.Go(func() {
			for range each {
				rs, err := s.Lookup(context.Background(), providers.GitHubIssuer, "octo-org/hello")
				if err != nil {
					t.Error(err)
				}
				for _, r := range rs {
					if r.Policy == nil || r.ID == "" {
						t.Errorf("torn entry %+v", r)
					}
				}
			}
		})
	}
	wg.Wait()
	got := lookup(t, &s, providers.GitHubIssuer, "octo-org/hello")
	if len(got) != writers*each/2 {
		t.Errorf("%d publishers left, want %d", len(got), writers*each/2)
	}
}

// refsEqual compares compiled ref patterns by their source, and the tests'
// own policies field by field.
var refsEqual = cmp.Options{cmp.Comparer(func(a, b publisher.RefPattern) bool { return a.String() == b.String() }),
	cmp.AllowUnexported(acceptAll{})}

// TestMemoryStoreKeepsWhatWasAdded: whatever form the store keeps a
// publisher in (a GitHub policy is packed, others are kept as given), Lookup
// and Publishers give back what was added, every field of it.
func TestMemoryStoreKeepsWhatWasAdded(t *testing.T) {
	t.Parallel()
	full := &publisher.GitHub{IssuerURL: "https://ghe.example.com/_services/token", Owner: "Octo-Org", OwnerID: "9919",
		Repository: "Hello.go", Workflow: "release.yml", Environment: "Production",
		ReusableWorkflow: "octo-org/shared/.github/workflows/publish.yml@refs/heads/main", RepositoryID: "860122172",
		RequireProtectedRef: true, RequireHostedRunner: true}
	withRefs := *full
	withRefs.Refs = ghPats(t, "refs/tags/v*")
	longEnv := *full
	longEnv.Environment = strings.Repeat("e", 255) // still packed: each string fits in 255 bytes
	pubs := []publisher.Registered{
		{ID: "full", Policy: full, Packages: []string{"hello", "@octo/hello", "hello-extras"}, Pending: true},
		{ID: "minimal", Policy: ghMinimal()},
		{ID: "one-package", Policy: ghMinimal(), Packages: []string{"hello"}},
		{ID: "refs", Policy: &withRefs, Packages: []string{"hello"}},
		{ID: "long-env", Policy: &longEnv},
		{ID: strings.Repeat("i", 300), Policy: ghMinimal(), Packages: []string{"long-id"}},
		{ID: "gitlab", Policy: glPolicy(), Packages: []string{"hello"}, Pending: true},
		{ID: "google", Policy: googPolicy()},
		{ID: "custom", Policy: acceptAll{issuer: "https://ci.example.com", key: "anything"}, Packages: []string{"x"}},
	}
	s, err := publisher.NewMemoryStore(pubs...)
	if err != nil {
		t.Fatal(err)
	}
	var added publisher.MemoryStore // the same, one by one
	for _, r := range pubs {
		if err := added.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range []*publisher.MemoryStore{s, &added} {
		for _, r := range pubs {
			got, err := st.Lookup(context.Background(), r.Policy.Issuer(), r.Policy.LookupKey())
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(got, func(g publisher.Registered) bool { return g.ID == r.ID })
			if i < 0 {
				t.Errorf("%s: not found among %v", r.ID, ids(got))
				continue
			}
			if diff := cmp.Diff(r, got[i], refsEqual); diff != "" {
				t.Errorf("%s (-added +found):\n%s", r.ID, diff)
			}
		}
		want := slices.Clone(pubs)
		slices.SortFunc(want, func(a, b publisher.Registered) int { return strings.Compare(a.ID, b.ID) })
		if diff := cmp.Diff(want, st.Publishers(), refsEqual); diff != "" {
			t.Errorf("Publishers (-want +got):\n%s", diff)
		}
	}
	// What Lookup returns is the caller's: a changed package list or
	// publisher never reaches the store.
	for _, r := range []publisher.Registered{pubs[0], pubs[6]} { // packed, and kept as added
		got, _ := s.Lookup(context.Background(), r.Policy.Issuer(), r.Policy.LookupKey())
		got[0].Packages[0], got[0].Pending = "changed", false
		again, _ := s.Lookup(context.Background(), r.Policy.Issuer(), r.Policy.LookupKey())
		if diff := cmp.Diff(r, again[0], refsEqual); diff != "" {
			t.Errorf("%s after the caller changed its copy (-want +got):\n%s", r.ID, diff)
		}
	}
	// Nor does a change to the added publisher's package list.
	pkgs := []string{"p"}
	if err := added.Add(publisher.Registered{ID: "mine", Policy: glPolicy(), Packages: pkgs}); err != nil {
		t.Fatal(err)
	}
	pkgs[0] = "changed"
	for _, r := range added.Publishers() {
		if r.ID == "mine" && r.Packages[0] != "p" {
			t.Errorf("the store shares the caller's package list: %q", r.Packages)
		}
	}
}

// TestMemoryStoreAgainstModel adds and removes publishers at random, on a
// few workloads, and checks every lookup against a plain model: the
// publishers of the workload, in the order they were added.
func TestMemoryStoreAgainstModel(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	repos := []string{"hello", "other", "third"}
	var s publisher.MemoryStore
	type entry struct{ id, repo string }
	var model []entry // in the order added
	next := 0
	for step := range 400 {
		if len(model) > 0 && rng.IntN(5) < 2 {
			k := rng.IntN(len(model))
			if !s.Remove(model[k].id) {
				t.Fatalf("step %d: Remove(%s) = false", step, model[k].id)
			}
			model = slices.Delete(model, k, k+1)
		} else {
			e := entry{fmt.Sprintf("p%d", next), repos[rng.IntN(len(repos))]}
			next++
			if err := s.Add(dotcom(e.id, "octo-org", e.repo)); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			model = append(model, e)
		}
		for _, repo := range repos {
			var want []string
			for _, e := range model {
				if e.repo == repo {
					want = append(want, e.id)
				}
			}
			if diff := cmp.Diff(want, lookup(t, &s, providers.GitHubIssuer, "octo-org/"+repo)); diff != "" {
				t.Fatalf("step %d, %s (-want +got):\n%s", step, repo, diff)
			}
		}
		if len(s.Publishers()) != len(model) {
			t.Fatalf("step %d: %d publishers, want %d", step, len(s.Publishers()), len(model))
		}
	}
}

func TestMemoryStoreRefusesBadPackages(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]publisher.Registered{
		"empty name":       {ID: "x", Policy: ghMinimal(), Packages: []string{""}},
		"twice":            {ID: "x", Policy: ghMinimal(), Packages: []string{"a", "b", "a"}},
		"twice, long list": {ID: "x", Policy: ghMinimal(), Packages: append(manyPackages(20), "p3")},
		"newline":          {ID: "x", Policy: ghMinimal(), Packages: []string{"a\nb"}},
		"C1 control":       {ID: "x", Policy: ghMinimal(), Packages: []string{"a\u0085b"}},
		"not UTF-8":        {ID: "x", Policy: ghMinimal(), Packages: []string{"a\xffb"}},
		"too long":         {ID: "x", Policy: ghMinimal(), Packages: []string{strings.Repeat("a", publisher.MaxPackageName+1)}},
		"pending, no name": {ID: "x", Policy: ghMinimal(), Pending: true},
	} {
		t.Run(name, func(t *testing.T) {
			var s publisher.MemoryStore
			if err := s.Add(r); !errors.Is(err, publisher.ErrPolicy) {
				t.Fatalf("Add = %v, want ErrPolicy", err)
			}
		})
	}
	ok := publisher.Registered{ID: "x", Policy: ghMinimal(), Pending: true,
		Packages: append(manyPackages(40), "@scope/name", "π-project", strings.Repeat("a", publisher.MaxPackageName))}
	if _, err := publisher.NewMemoryStore(ok); err != nil {
		t.Errorf("valid packages refused: %v", err)
	}
}

func manyPackages(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("p%d", i))
	}
	return out
}
