package publisher_test

import (
	"context"
	"errors"
	"fmt"
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

// TestMemoryStoreLookupIsStable holds Lookup to its contract: the slice is
// the store's own, yet appending to it never writes into the store, and
// neither Add nor Remove changes a slice handed out before.
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
