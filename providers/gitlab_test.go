package providers_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/providers"
)

// checkProvider holds a provider to its kind and issuer, and its Decode to
// the claims package's typed results.
func checkProvider(t *testing.T, p providers.Provider, kind claims.Kind, iss oidc.Issuer, good, bad string, class error) {
	t.Helper()
	if p.Kind() != kind {
		t.Errorf("Kind = %q, want %q", p.Kind(), kind)
	}
	if diff := cmp.Diff(iss, p.Issuer()); diff != "" {
		t.Errorf("Issuer (-want +got):\n%s", diff)
	}
	set, err := p.Decode(&oidc.Token{Payload: good})
	if err != nil || set == nil || set.Provider() != kind {
		t.Errorf("Decode(good) = %v, %v", set, err)
	}
	set, err = p.Decode(&oidc.Token{Payload: bad})
	if set != nil || !errors.Is(err, class) {
		t.Errorf("Decode(bad) = %v, %v; want nil and %v", set, err, class)
	}
}

func TestGitLabProviders(t *testing.T) {
	t.Parallel()
	good := `{"project_path":"g/p","project_id":"1","namespace_path":"g","namespace_id":"2","ref":"main",
		"ref_type":"branch","ref_path":"refs/heads/main","sha":"abc","runner_id":5}`
	bad := `{"project_path":"g/p","runner_id":"5"}`
	rs256 := []string{"RS256"}
	checkProvider(t, providers.GitLabCom, claims.KindGitLab, oidc.Issuer{URL: "https://gitlab.com", Algorithms: rs256}, good, bad, claims.ErrType)
	self := providers.NewGitLab(oidc.Issuer{URL: "https://gitlab.example.com", JWKSURL: "https://gitlab.example.com/oauth/discovery/keys"})
	checkProvider(t, self, claims.KindGitLab, oidc.Issuer{URL: "https://gitlab.example.com",
		JWKSURL: "https://gitlab.example.com/oauth/discovery/keys", Algorithms: rs256}, good, bad, claims.ErrType)
}
