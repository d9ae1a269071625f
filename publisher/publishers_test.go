package publisher_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

const (
	ghEntry = `{"id":"a","provider":"github","policy":{"owner":"octo-org","owner_id":"9919","repository":"hello","workflow":"release.yml"}}`
	glEntry = `{"id":"b","provider":"gitlab","policy":{"namespace":"octo-group","project":"hello","ci_config_path":".gitlab-ci.yml"}}`
)

func TestLoadPublishers(t *testing.T) {
	got, err := publisher.LoadPublishers(strings.NewReader(" [\n" + ghEntry + ",\n" + glEntry + "\n]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []publisher.Registered{
		{ID: "a", Policy: &publisher.GitHub{Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml"}},
		{ID: "b", Policy: &publisher.GitLab{Namespace: "octo-group", Project: "hello", CIConfigPath: ".gitlab-ci.yml"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got, err = publisher.LoadPublishers(strings.NewReader("[]"))
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("an empty list: %v, %v; want no publisher and no error", got, err)
	}
}

func TestLoadPublishersRefused(t *testing.T) {
	for name, tc := range map[string]struct{ src, says string }{
		"empty file":        {"", ""},
		"null":              {"null", ""},
		"one publisher":     {ghEntry, ""},
		"an object of them": {`{"a":` + ghEntry + `}`, ""},
		"trailing data":     {"[" + ghEntry + "] []", ""},
		"two arrays":        {"[][]", ""},
		"syntax":            {"[" + ghEntry + ",]", ""},
		"null entry":        {"[" + ghEntry + ",null]", "entry 2"},
		"string entry":      {`["a"]`, "entry 1"},
		"misspelt field":    {"[" + glEntry + "," + strings.Replace(ghEntry, `"workflow"`, `"workflows"`, 1) + "]", `entry 2: invalid publisher policy: publisher "a": unknown field "workflows"`},
		"invalid policy":    {"[" + strings.Replace(ghEntry, `"9919"`, `"x"`, 1) + "]", "entry 1: "},
		"unknown provider":  {"[" + strings.Replace(ghEntry, `"github"`, `"jenkins"`, 1) + "]", `unknown provider "jenkins"`},
		"id twice":          {"[" + ghEntry + "," + glEntry + "," + strings.Replace(glEntry, `"b"`, `"a"`, 1) + "]", `entry 3: publisher id "a" is already entry 1's`},
		"explicit empty":    {"[" + strings.Replace(ghEntry, `}}`, `,"environment":""}}`, 1) + "]", `"environment"`},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := publisher.LoadPublishers(strings.NewReader(tc.src))
			if err == nil || got != nil {
				t.Fatalf("LoadPublishers = %v, %v; want an error", got, err)
			}
			if !errors.Is(err, publisher.ErrPolicy) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %v, want ErrPolicy saying %q", err, tc.says)
			}
		})
	}
}

func TestLoadPublishersReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := publisher.LoadPublishers(iotest.ErrReader(boom))
	if !errors.Is(err, boom) || errors.Is(err, publisher.ErrPolicy) {
		t.Errorf("err = %v, want the read error, not a policy error", err)
	}
}

func TestMemoryStorePublishers(t *testing.T) {
	s, err := publisher.NewMemoryStore(dotcom("c", "octo-org", "other"), dotcom("a", "octo-org", "hello"),
		dotcom("b", "octo-org", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	all := s.Publishers()
	if diff := cmp.Diff([]string{"a", "b", "c"}, ids(all)); diff != "" {
		t.Errorf("Publishers (-want +got):\n%s", diff)
	}
	all[0].ID = "changed"
	s.Remove("b")
	if diff := cmp.Diff([]string{"a", "c"}, ids(s.Publishers())); diff != "" {
		t.Errorf("after Remove, and a change to the copy (-want +got):\n%s", diff)
	}
	if got := new(publisher.MemoryStore).Publishers(); len(got) != 0 {
		t.Errorf("zero store: %v", got)
	}
}

func TestCheckIssuers(t *testing.T) {
	ghe, err := providers.NewGitHubServer("ghe.example.com")
	if err != nil {
		t.Fatal(err)
	}
	onGHE := publisher.Registered{ID: "ghe", Policy: &publisher.GitHub{IssuerURL: ghe.Issuer().URL,
		Owner: "o", OwnerID: "1", Repository: "r", Workflow: "w.yml"}}
	// gitlab.com's issuer, but a GitHub policy: no GitHub provider serves it.
	ghOnGitLab := publisher.Registered{ID: "mixed", Policy: &publisher.GitHub{IssuerURL: providers.GitLabIssuer,
		Owner: "o", OwnerID: "1", Repository: "r", Workflow: "w.yml"}}
	dotcomPub, gitlabPub := dotcom("dotcom", "o", "r"), publisher.Registered{ID: "gl", Policy: glPolicy()}
	googleAlias := publisher.Registered{ID: "g", Policy: googPolicy()}

	for name, tc := range map[string]struct {
		provs []providers.Provider
		pubs  []publisher.Registered
		want  []string // ids reported; nil for no error
	}{
		"all served": {[]providers.Provider{providers.GitHubActions, ghe, providers.GitLabCom, providers.Google},
			[]publisher.Registered{dotcomPub, onGHE, gitlabPub, googleAlias}, nil},
		"none to check": {[]providers.Provider{providers.GitHubActions}, nil, nil},
		"enterprise provider missing": {[]providers.Provider{providers.GitHubActions, providers.GitLabCom},
			[]publisher.Registered{dotcomPub, onGHE, gitlabPub}, []string{"ghe"}},
		"issuer served for another kind": {[]providers.Provider{providers.GitHubActions, providers.GitLabCom},
			[]publisher.Registered{ghOnGitLab, gitlabPub}, []string{"mixed"}},
		"every one reported": {[]providers.Provider{providers.ActiveState},
			[]publisher.Registered{dotcomPub, onGHE, gitlabPub}, []string{"dotcom", "ghe", "gl"}},
		"nil provider ignored": {[]providers.Provider{nil, providers.GitLabCom},
			[]publisher.Registered{gitlabPub}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			err := publisher.CheckIssuers(tc.provs, tc.pubs...)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("CheckIssuers = %v", err)
				}
				return
			}
			var ue *publisher.UnservedError
			if !errors.As(err, &ue) || !errors.Is(err, publisher.ErrUnserved) {
				t.Fatalf("CheckIssuers = %v, want an *UnservedError", err)
			}
			if diff := cmp.Diff(tc.want, ids(ue.Publishers)); diff != "" {
				t.Errorf("unserved (-want +got):\n%s", diff)
			}
			for _, r := range ue.Publishers {
				if !strings.Contains(err.Error(), `"`+r.ID+`" (`+string(r.Policy.Provider())+" on "+r.Policy.Issuer()+")") {
					t.Errorf("%q does not name publisher %s, its kind and its issuer", err, r.ID)
				}
			}
		})
	}
	err = publisher.CheckIssuers([]providers.Provider{providers.GitHubActions}, publisher.Registered{ID: "x"})
	if !errors.Is(err, publisher.ErrPolicy) {
		t.Errorf("a publisher without a policy: %v, want ErrPolicy", err)
	}
	// An UnservedError built by hand never panics.
	hand := &publisher.UnservedError{Publishers: []publisher.Registered{{ID: "x"}, {ID: "y", Policy: (*publisher.GitHub)(nil)}}}
	if msg := hand.Error(); !strings.Contains(msg, `"x" (no policy)`) || !strings.Contains(msg, `"y" (no policy)`) {
		t.Errorf("Error() = %q", msg)
	}
}

// storeOnly hides a MemoryStore behind the Store interface, as a registry's
// database is: New cannot list its publishers.
type storeOnly struct{ publisher.Store }

func TestNewRefusesUnservedPublishers(t *testing.T) {
	iss := providertest.New(t, oidctest.Options{})
	other := providertest.New(t, oidctest.Options{})
	store, err := publisher.NewMemoryStore(pub("release", "release.yml", "")(iss), pub("elsewhere", "release.yml", "")(other))
	if err != nil {
		t.Fatal(err)
	}
	cfg := publisher.Config{Audience: oidctest.DefaultAudience, Providers: []providers.Provider{iss.GitHub()},
		Publishers: store, HTTPClient: iss.Client()}
	v, err := publisher.New(cfg)
	var ue *publisher.UnservedError
	if !errors.As(err, &ue) || v != nil {
		t.Fatalf("New = %v, %v; want an *UnservedError", v, err)
	}
	if diff := cmp.Diff([]string{"elsewhere"}, ids(ue.Publishers)); diff != "" {
		t.Errorf("unserved (-want +got):\n%s", diff)
	}
	waitCacheGoroutines(t, 0)

	// Behind its own Store, the registry checks: New cannot see the rows.
	cfg.Publishers = storeOnly{store}
	v, err = publisher.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := publisher.CheckIssuers(cfg.Providers, store.Publishers()...); !errors.As(err, &ue) {
		t.Errorf("CheckIssuers = %v, want an *UnservedError", err)
	}
	tok, err := iss.MintGitHub(release())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Errorf("the served publisher: %v", err)
	}

	// Both providers configured: New accepts the memory store.
	cfg.Publishers, cfg.Providers = store, []providers.Provider{iss.GitHub(), other.GitHub()}
	v2, err := publisher.New(cfg)
	if err != nil {
		t.Fatalf("every publisher served: %v", err)
	}
	v2.Close()
}
