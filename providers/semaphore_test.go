package providers_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
)

// semWorkload is the workload of the kit's Semaphore fixture on its real
// issuer: the organization's issuer is also its web address.
var semWorkload = claims.Workload{
	Provider: claims.KindSemaphore, Issuer: "https://acme.semaphoreci.com",
	Repository: "acme-labs/hello-py", RepositoryID: "936a5312-a3b8-4921-8b3f-2cec8baac574",
	RepositoryURL: "https://acme.semaphoreci.com/projects/hello-py",
	Ref:           "refs/tags/v1.2.0",
	RunURL:        "https://acme.semaphoreci.com/jobs/c117e453-1189-4eaf-b03a-dd6538eb49b2",
	Trigger:       "h:f-n:f", ActorID: "4b0e2f7c-8a19-4d3e-b6c5-91f2a7d0e3b8",
}

// TestSemaphoreFamilyMember holds providers.Semaphore's real form to one
// lower-case DNS label before .semaphoreci.com, and nothing else: no
// second label, no port, no user, no escape, no look-alike host.
func TestSemaphoreFamilyMember(t *testing.T) {
	t.Parallel()
	fam := providers.Semaphore.Family()
	long := strings.Repeat("a", 63)
	for _, tc := range []struct {
		iss, want string // want "" when not a member
	}{
		{"https://acme.semaphoreci.com", "acme"},
		{"https://acme-labs-2.semaphoreci.com", "acme-labs-2"},
		{"https://0xdead.semaphoreci.com", "0xdead"},
		{"https://" + long + ".semaphoreci.com", long},

		{"https://" + long + "a.semaphoreci.com", ""},
		{"https://Acme.semaphoreci.com", ""},
		{"https://ACME.semaphoreci.com", ""},
		{"https://acme.Semaphoreci.com", ""},
		{"https://acme.SEMAPHORECI.COM", ""},
		{"HTTPS://acme.semaphoreci.com", ""},
		{"http://acme.semaphoreci.com", ""},
		{"acme.semaphoreci.com", ""},
		{"//acme.semaphoreci.com", ""},
		{"https://acme.semaphoreci.com:443", ""},
		{"https://acme.semaphoreci.com:8443", ""},
		{"https://acme:443.semaphoreci.com", ""},
		{"https://user@acme.semaphoreci.com", ""},
		{"https://evil.com@acme.semaphoreci.com", ""},
		{"https://a.b.semaphoreci.com", ""},
		{"https://evil.acme.semaphoreci.com", ""},
		{"https://semaphoreci.com", ""},
		{"https://.semaphoreci.com", ""},
		{"https://..semaphoreci.com", ""},
		{"https://www.semaphoreci.com.", ""},
		{"https://acme.semaphoreci.com.evil.com", ""},
		{"https://acme.semaphoreci.com.", ""},
		{"https://acmesemaphoreci.com", ""},
		{"https://acme-semaphoreci.com", ""},
		{"https://acme.semaphoreci.co", ""},
		{"https://acme.semaphoreci.com/", ""},
		{"https://acme.semaphoreci.com/x", ""},
		{"https://acme.semaphoreci.com?x=1", ""},
		{"https://acme.semaphoreci.com#x", ""},
		{"https://evil.com/acme.semaphoreci.com", ""},
		{"https://evil.com#.semaphoreci.com", ""},
		{"https://evil.com%2f.semaphoreci.com", ""},
		{"https://acme%2eevil.semaphoreci.com", ""},
		{"https://%61cme.semaphoreci.com", ""},
		{"https://acme%2esemaphoreci.com", ""},
		{"https://-acme.semaphoreci.com", ""},
		{"https://acme-.semaphoreci.com", ""},
		{"https://ac_me.semaphoreci.com", ""},
		{"https://acme .semaphoreci.com", ""},
		{"https://acme.semaphoreci.com\n", ""},
		{"https://\u0430cme.semaphoreci.com", ""}, // Cyrillic а
		{" https://acme.semaphoreci.com", ""},
		{"", ""},
	} {
		got, ok := fam.Member(tc.iss)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Member(%q) = %q, %v; want %q", tc.iss, got, ok, tc.want)
		}
		if ok && (fam.URL(got) != tc.iss || providers.SemaphoreIssuer(got) != tc.iss) {
			t.Errorf("URL(%q) = %q, SemaphoreIssuer = %q; want %q", got, fam.URL(got), providers.SemaphoreIssuer(got), tc.iss)
		}
	}
}

// TestSemaphoreProvider: the family's settings (24-hour cap, RS256, no
// Admit of its own), the provider's kind, and that oidc accepts the family.
func TestSemaphoreProvider(t *testing.T) {
	t.Parallel()
	p := providers.Semaphore
	fam := p.Family()
	if p.Kind() != claims.KindSemaphore {
		t.Errorf("Kind = %q", p.Kind())
	}
	if fam.MaxLifetime != 24*time.Hour || providers.SemaphoreLifetime != 24*time.Hour {
		t.Errorf("MaxLifetime = %s, SemaphoreLifetime = %s; want 24h", fam.MaxLifetime, providers.SemaphoreLifetime)
	}
	if providers.SemaphoreIssuerSuffix != ".semaphoreci.com" {
		t.Errorf("SemaphoreIssuerSuffix = %q", providers.SemaphoreIssuerSuffix)
	}
	if fam.Admit != nil || fam.Prefix != "https://" || fam.Suffix != providers.SemaphoreIssuerSuffix {
		t.Errorf("family %s: Prefix %q, Suffix %q, Admit set %v", &fam, fam.Prefix, fam.Suffix, fam.Admit != nil)
	}
	if diff := cmp.Diff([]string{"RS256"}, fam.Algorithms); diff != "" {
		t.Errorf("Algorithms (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(oidc.Issuer{Algorithms: []string{"RS256"}}, p.Issuer()); diff != "" {
		t.Errorf("Issuer (-want +got):\n%s", diff)
	}
	checkSemaphoreFamilyInOIDC(t, fam)

	// Another family of the same form keeps Semaphore's rules: names are
	// DNS labels whatever Name it is given, the cap defaults to 24 h, and
	// Admit is the verifier's.
	other := providers.NewSemaphore(oidc.Family{Prefix: "https://ci.example.com/semaphore/",
		Name:  func(string) bool { return true },
		Admit: func(context.Context, string) (bool, error) { return true, nil }}).Family()
	if other.Admit != nil || other.MaxLifetime != providers.SemaphoreLifetime {
		t.Errorf("NewSemaphore: Admit set %v, MaxLifetime %s", other.Admit != nil, other.MaxLifetime)
	}
	for iss, want := range map[string]bool{
		"https://ci.example.com/semaphore/acme":     true,
		"https://ci.example.com/semaphore/Acme":     false,
		"https://ci.example.com/semaphore/a.b":      false,
		"https://ci.example.com/semaphore/a/b":      false,
		"https://ci.example.com/semaphore/acme/":    false,
		"https://ci.example.com/semaphore/ac%2fme":  false,
		"https://ci.example.com/semaphore/../admin": false,
	} {
		if _, ok := other.Member(iss); ok != want {
			t.Errorf("NewSemaphore family: Member(%q) = %v, want %v", iss, ok, want)
		}
	}
	if got := providers.NewSemaphore(oidc.Family{Prefix: "https://", Suffix: ".example.com", MaxLifetime: time.Hour}).Family().MaxLifetime; got != time.Hour {
		t.Errorf("NewSemaphore with MaxLifetime 1h: %s", got)
	}
}

// keysFunc is an oidc.KeySource.
type keysFunc func(ctx context.Context, iss oidc.Issuer, kid string) ([]oidc.Key, error)

func (f keysFunc) Keys(ctx context.Context, iss oidc.Issuer, kid string) ([]oidc.Key, error) {
	return f(ctx, iss, kid)
}

// checkSemaphoreFamilyInOIDC: oidc takes Semaphore's real family as it is,
// once the verifier sets Admit; a 24-hour token of a member it does not
// admit is refused before any key is looked for, and one it admits has its
// keys looked for at the member's own issuer, under the family's cap.
func checkSemaphoreFamilyInOIDC(t *testing.T, fam oidc.Family) {
	t.Helper()
	admitted := map[string]bool{"https://acme.semaphoreci.com": true}
	fam.Admit = func(_ context.Context, iss string) (bool, error) { return admitted[iss], nil }
	var asked []oidc.Issuer
	keys := keysFunc(func(_ context.Context, iss oidc.Issuer, _ string) ([]oidc.Key, error) {
		asked = append(asked, iss)
		return nil, oidc.ErrKeysUnavailable
	})
	v, err := oidc.NewVerifier(oidc.Config{Families: []oidc.Family{fam}, Audience: "pypi", Keys: keys})
	if err != nil {
		t.Fatalf("oidc.NewVerifier(Semaphore's family) = %v", err)
	}
	signer := oidctest.New(t, oidctest.Options{Audience: "pypi"})
	for _, org := range []string{"ghost", "acme"} {
		tok, err := signer.Mint(map[string]string{"org": org}, oidctest.IssuerURL(providers.SemaphoreIssuer(org)),
			oidctest.Lifetime(providers.SemaphoreLifetime), oidctest.NotBefore(0))
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(context.Background(), tok)
		want := map[string]error{"ghost": oidc.ErrIssuer, "acme": oidc.ErrKeysUnavailable}[org]
		if !errors.Is(err, want) {
			t.Errorf("%s's 24-hour token: %v, want %v", org, err, want)
		}
	}
	want := []oidc.Issuer{{URL: "https://acme.semaphoreci.com", Algorithms: []string{"RS256"}, MaxLifetime: 24 * time.Hour, FamilyMember: true}}
	if diff := cmp.Diff(want, asked); diff != "" {
		t.Errorf("keys looked for (-want +got):\n%s", diff)
	}
}

// semToken is a verified token as oidc hands it over: the fixture's claims
// with its iss (and org) replaced.
func semToken(t *testing.T, iss string, edit func(*claims.Semaphore)) *oidc.Token {
	t.Helper()
	c := providertest.SemaphoreClaims()
	if edit != nil {
		edit(c)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["iss"] = iss
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	return &oidc.Token{Issuer: iss, Payload: string(b)}
}

// TestSemaphoreDecode: the claims of an organization's token must name that
// organization: a token of one organization's issuer claiming another
// (however it came to be signed) is refused, naming the org claim.
func TestSemaphoreDecode(t *testing.T) {
	t.Parallel()
	p := providers.Semaphore
	set, err := p.Decode(semToken(t, "https://acme.semaphoreci.com", nil))
	if c, ok := set.(*claims.Semaphore); err != nil || !ok || c.Organization != "acme" {
		t.Fatalf("Decode(acme's token) = %#v, %v", set, err)
	}
	if got := p.Member(set); got != "https://acme.semaphoreci.com" {
		t.Errorf("Member = %q", got)
	}
	for _, tc := range []struct {
		name, iss string
		edit      func(*claims.Semaphore)
		class     error
		claim     string
	}{
		{"another organization's org", "https://acme.semaphoreci.com", func(c *claims.Semaphore) { c.Organization = "umbrella" }, claims.ErrInvalid, "org"},
		{"org of another case", "https://acme.semaphoreci.com", func(c *claims.Semaphore) { c.Organization = "Acme" }, claims.ErrInvalid, "org"},
		{"org naming a subdomain", "https://acme.semaphoreci.com", func(c *claims.Semaphore) { c.Organization = "evil.acme" }, claims.ErrInvalid, "org"},
		{"no org", "https://acme.semaphoreci.com", func(c *claims.Semaphore) { c.Organization = "" }, claims.ErrMissing, "org"},
		{"issuer outside the family", "https://acme.semaphoreci.com.evil.com", nil, claims.ErrInvalid, "iss"},
		{"issuer of a nested subdomain", "https://evil.acme.semaphoreci.com", nil, claims.ErrInvalid, "iss"},
		{"CircleCI's issuer", providers.CircleCIIssuer("d7dd33ad-9317-498c-9cc6-51c250749be7"), nil, claims.ErrInvalid, "iss"},
	} {
		set, err := p.Decode(semToken(t, tc.iss, tc.edit))
		var ce *claims.Error
		if set != nil || !errors.Is(err, tc.class) || !errors.As(err, &ce) || ce.Claim != tc.claim {
			t.Errorf("%s: Decode = %v, %v; want %v on claim %s", tc.name, set, err, tc.class, tc.claim)
		}
	}
	// The organization is compared as Semaphore writes it, not folded.
	if _, err := p.Decode(semToken(t, "https://umbrella.semaphoreci.com", nil)); err == nil ||
		!strings.Contains(err.Error(), `"acme"`) || !strings.Contains(err.Error(), `"umbrella"`) {
		t.Errorf("acme's claims from umbrella's issuer: %v; want both names in the error", err)
	}
	// Claims of another provider are not Semaphore's.
	gh := `{"repository":"o/r","repository_owner":"o","repository_owner_id":"1","repository_id":"2","workflow_ref":"o/r/.github/workflows/w.yml@refs/heads/main","ref":"refs/heads/main","sha":"abc","event_name":"push","run_id":"1","run_attempt":"1","runner_environment":"github-hosted","job_workflow_ref":"o/r/.github/workflows/w.yml@refs/heads/main"}`
	if set, err := p.Decode(&oidc.Token{Issuer: "https://acme.semaphoreci.com", Payload: gh}); set != nil || !errors.Is(err, claims.ErrMissing) {
		t.Errorf("GitHub claims: Decode = %v, %v; want claims.ErrMissing", set, err)
	}
}

// TestSemaphoreWorkload: the workload names the member that signed, as
// issuer and as web address; claims of no organization name none.
func TestSemaphoreWorkload(t *testing.T) {
	t.Parallel()
	p := providers.Semaphore
	set, err := p.Decode(semToken(t, "https://acme.semaphoreci.com", nil))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(semWorkload, p.Workload(set)); diff != "" {
		t.Errorf("Workload (-want +got):\n%s", diff)
	}
	set, err = p.Decode(semToken(t, "https://umbrella.semaphoreci.com", func(c *claims.Semaphore) { c.Organization = "umbrella" }))
	if err != nil {
		t.Fatal(err)
	}
	if w := p.Workload(set); w.Issuer != "https://umbrella.semaphoreci.com" ||
		w.RunURL != "https://umbrella.semaphoreci.com/jobs/c117e453-1189-4eaf-b03a-dd6538eb49b2" {
		t.Errorf("umbrella's workload: %+v", w)
	}
	if diff := cmp.Diff(claims.Workload{Provider: claims.KindSemaphore}, p.Workload(nil)); diff != "" {
		t.Errorf("Workload(nil) (-want +got):\n%s", diff)
	}
	if p.Member(nil) != "" || p.Member((*claims.Semaphore)(nil)) != "" || p.Member(providertest.BuildkiteClaims()) != "" {
		t.Error("Member of no Semaphore claims names an issuer")
	}
	if w := p.Workload(providertest.BuildkiteClaims()); w.Issuer != "" {
		t.Errorf("Workload(Buildkite claims).Issuer = %q", w.Issuer)
	}
}
