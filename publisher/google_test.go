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
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

const (
	googEmail = "716149158341-compute@developer.gserviceaccount.com"
	googSub   = "110987294251917851298"
)

func googPolicy() *publisher.Google { return &publisher.Google{Email: googEmail} }

func TestGoogleCheck(t *testing.T) {
	t.Parallel()
	cases := []ruleCase[publisher.Google, claims.Google]{
		{name: "fixture"},
		{name: "pinned subject", policy: func(p *publisher.Google) { p.Subject = googSub }},
		{name: "other account", policy: func(p *publisher.Google) { p.Email = "release@proj.iam.gserviceaccount.com" },
			want: []publisher.Mismatch{{Rule: "email", Claim: "email", Want: "release@proj.iam.gserviceaccount.com", Got: googEmail}}},
		{name: "email compared with case", claims: func(c *claims.Google) { c.Email = strings.ToUpper(googEmail) },
			want: []publisher.Mismatch{{Rule: "email", Claim: "email", Want: googEmail, Got: strings.ToUpper(googEmail)}}},
		{name: "unverified email", claims: func(c *claims.Google) { c.EmailVerified = false },
			want: []publisher.Mismatch{{Rule: "email_verified", Claim: "email_verified", Want: "true", Got: "false"}}},
		{name: "account re-created", policy: func(p *publisher.Google) { p.Subject = googSub },
			claims: func(c *claims.Google) { c.Subject = "110987294251917851299" },
			want:   []publisher.Mismatch{{Rule: "subject", Claim: "sub", Want: googSub, Got: "110987294251917851299"}}},
	}
	checkRules(t, googPolicy, providertest.GoogleClaims, (*publisher.Google).Rules(nil), cases)
	claimsDocumented(t, &claims.Google{}, (*publisher.Google).Rules(nil))
	if got := googPolicy().Check(providertest.GitLabClaims()); len(got) != 1 || got[0].Rule != "provider" {
		t.Errorf("Check(GitLab claims) = %v", got)
	}
}

func TestGoogleValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		p     publisher.Google
		field string
	}{
		{"email only", publisher.Google{Email: googEmail}, ""},
		{"with subject", publisher.Google{Email: "a@p.iam.gserviceaccount.com", Subject: googSub}, ""},
		{"test issuer", publisher.Google{IssuerURL: "https://127.0.0.1:8443", Email: googEmail}, ""},
		{"schemeless issuer", publisher.Google{IssuerURL: "accounts.google.com", Email: googEmail}, "issuer"},
		{"no email", publisher.Google{}, "email"},
		{"upper-case email", publisher.Google{Email: "Release@p.iam.gserviceaccount.com"}, "email"},
		{"no domain", publisher.Google{Email: "release@"}, "email"},
		{"two ats", publisher.Google{Email: "a@b@c.com"}, "email"},
		{"space", publisher.Google{Email: "a b@c.com"}, "email"},
		{"not an email", publisher.Google{Email: "release"}, "email"},
		{"subject not numeric", publisher.Google{Email: googEmail, Subject: "sa-release"}, "subject"},
		{"subject leading zero", publisher.Google{Email: googEmail, Subject: "0123"}, "subject"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantPolicyField(t, tc.p.Validate(), "google", tc.field)
		})
	}
}

func TestGoogleJSON(t *testing.T) {
	t.Parallel()
	var r publisher.Registered
	src := `{"id":"pkg","provider":"google","policy":{"email":"` + googEmail + `","subject":"` + googSub + `"}}`
	if err := json.Unmarshal([]byte(src), &r); err != nil {
		t.Fatal(err)
	}
	want := publisher.Registered{ID: "pkg", Policy: &publisher.Google{Email: googEmail, Subject: googSub}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Fatal(diff)
	}
	if r.Policy.Issuer() != providers.GoogleIssuer || r.Policy.LookupKey() != googEmail {
		t.Errorf("Issuer, LookupKey = %q, %q", r.Policy.Issuer(), r.Policy.LookupKey())
	}
	for _, bad := range []string{
		`{"id":"p","provider":"google","policy":{"email":"` + googEmail + `","subject":110987294251917851298}}`,
		`{"id":"p","provider":"google","policy":{"email":"` + googEmail + `","email_verified":true}}`,
		`{"id":"p","provider":"google","policy":{}}`,
	} {
		if err := json.Unmarshal([]byte(bad), &r); !errors.Is(err, publisher.ErrPolicy) {
			t.Errorf("Unmarshal(%s) = %v, want ErrPolicy", bad, err)
		}
	}
}

func TestGoogleVerify(t *testing.T) {
	t.Parallel()
	g := providertest.New(t, oidctest.Options{})
	// Google's keys live on another host than its issuer: so do these.
	keys := providertest.New(t, oidctest.Options{})
	g.ServeDiscovery(map[string]any{"issuer": g.URL(), "jwks_uri": keys.JWKSURL()})
	pol := &publisher.Google{IssuerURL: g.URL(), Email: googEmail, Subject: googSub}
	v := otherVerifier(t, g.Client(), []providers.Provider{g.Google()}, publisher.Registered{ID: "sa", Policy: pol})
	ctx := context.Background()
	mint := func(c *claims.Google, opts ...oidctest.MintOption) string {
		tok, err := g.MintGoogle(c, append(opts, oidctest.SignWith(keys.Signer()))...)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	for _, iss := range []string{g.URL(), g.BareURL()} { // the legacy form is the same issuer
		tok := mint(nil, oidctest.IssuerURL(iss))
		res, err := v.Verify(ctx, tok)
		if err != nil {
			t.Fatalf("iss %s: Verify = %v", iss, err)
		}
		if res.Token.Issuer != iss || res.Token.ID != "" || !res.Token.NotBefore.IsZero() ||
			!strings.HasPrefix(res.Token.ReplayID(), "sha256:") || len(res.Publishers) != 1 {
			t.Errorf("token %+v, replay id %q, publishers %v", res.Token, res.Token.ReplayID(), res.Publishers)
		}
		if c := res.Claims.(*claims.Google); c.Google.ComputeEngine.ProjectNumber != 716149158341 {
			t.Errorf("claims %+v", c)
		}
		// No jti, yet one-time: the token's digest is recorded.
		if _, err := v.Verify(ctx, tok); !errors.Is(err, oidc.ErrReplayed) {
			t.Errorf("iss %s: second Verify = %v, want ErrReplayed", iss, err)
		}
	}

	unverified := providertest.GoogleClaims()
	unverified.EmailVerified = false
	_, err := v.Verify(ctx, mint(unverified))
	want := map[string][]publisher.Mismatch{"sa": {{Rule: "email_verified", Claim: "email_verified", Want: "true", Got: "false"}}}
	if diff := cmp.Diff(want, rejections(t, err)); diff != "" {
		t.Errorf("email_verified false (-want +got):\n%s", diff)
	}
	_, err = v.Verify(ctx, mint(nil, oidctest.Claim("email_verified", "true")))
	if !errors.Is(err, publisher.ErrClaims) || !errors.Is(err, claims.ErrType) {
		t.Errorf(`email_verified "true": %v, want ErrClaims and claims.ErrType`, err)
	}
	_, err = v.Verify(ctx, mint(nil, oidctest.IssuerURL("accounts.google.com")))
	if !errors.Is(err, oidc.ErrIssuer) {
		t.Errorf("real Google's legacy issuer on the test provider: %v, want ErrIssuer", err)
	}
}
