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

const asActor = "7f3c9a1e-2b4d-4e8f-9a61-0c5d2e7b8f14"

// asPolicy is the publisher the fixture's token satisfies.
func asPolicy() *publisher.ActiveState {
	return &publisher.ActiveState{Organization: "ActiveState-Labs", Project: "pyproject-example",
		ActorID: asActor, Builder: "pypi-publisher"}
}

func TestActiveStateCheck(t *testing.T) {
	t.Parallel()
	const sub = "org:ActiveState-Labs:project:pyproject-example"
	cases := []ruleCase[publisher.ActiveState, claims.ActiveState]{
		{name: "fixture"},
		{name: "sub with more parts", claims: func(c *claims.ActiveState) { c.Subject = sub + ":branch:main" }},
		{name: "sub of a longer project name", policy: func(p *publisher.ActiveState) { p.Project = "pyproject-exampl" },
			want: []publisher.Mismatch{
				{Rule: "subject", Claim: "sub", Want: "org:ActiveState-Labs:project:pyproject-exampl", Got: sub},
				{Rule: "project", Claim: "project", Want: "pyproject-exampl", Got: "pyproject-example"},
			}},
		{name: "sub of another project only", claims: func(c *claims.ActiveState) { c.Subject = "org:ActiveState-Labs:project:other" },
			want: []publisher.Mismatch{{Rule: "subject", Claim: "sub", Want: sub, Got: "org:ActiveState-Labs:project:other"}}},
		{name: "sub prefix glued", claims: func(c *claims.ActiveState) { c.Subject = sub + "-fork" },
			want: []publisher.Mismatch{{Rule: "subject", Claim: "sub", Want: sub, Got: sub + "-fork"}}},
		{name: "organization compared with case", policy: func(p *publisher.ActiveState) { p.Organization = "activestate-labs" },
			want: []publisher.Mismatch{
				{Rule: "subject", Claim: "sub", Want: "org:activestate-labs:project:pyproject-example", Got: sub},
				{Rule: "organization", Claim: "organization", Want: "activestate-labs", Got: "ActiveState-Labs"},
			}},
		{name: "other actor", claims: func(c *claims.ActiveState) { c.ActorID = "00000000-0000-4000-8000-000000000000" },
			want: []publisher.Mismatch{{Rule: "actor_id", Claim: "actor_id", Want: asActor, Got: "00000000-0000-4000-8000-000000000000"}}},
		{name: "other builder", claims: func(c *claims.ActiveState) { c.Builder = "npm-publisher" },
			want: []publisher.Mismatch{{Rule: "builder", Claim: "builder", Want: "pypi-publisher", Got: "npm-publisher"}}},
	}
	checkRules(t, asPolicy, providertest.ActiveStateClaims, (*publisher.ActiveState).Rules(nil), cases)
	claimsDocumented(t, &claims.ActiveState{}, (*publisher.ActiveState).Rules(nil))
	if got := asPolicy().Check(providertest.GoogleClaims()); len(got) != 1 || got[0].Rule != "provider" {
		t.Errorf("Check(Google claims) = %v", got)
	}
}

func TestActiveStateValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		edit  func(*publisher.ActiveState)
		field string
	}{
		{"fixture's", nil, ""},
		{"upper-case actor id", func(p *publisher.ActiveState) { p.ActorID = strings.ToUpper(asActor) }, ""},
		{"bad issuer", func(p *publisher.ActiveState) { p.IssuerURL = "platform.activestate.com" }, "issuer"},
		{"no organization", func(p *publisher.ActiveState) { p.Organization = "" }, "organization"},
		{"organization with colon", func(p *publisher.ActiveState) { p.Organization = "a:project:b" }, "organization"},
		{"project with colon", func(p *publisher.ActiveState) { p.Project = "b:c" }, "project"},
		{"project with slash", func(p *publisher.ActiveState) { p.Project = "b/c" }, "project"},
		{"no actor id", func(p *publisher.ActiveState) { p.ActorID = "" }, "actor_id"},
		{"actor login", func(p *publisher.ActiveState) { p.ActorID = "jdoe" }, "actor_id"},
		{"actor id not hex", func(p *publisher.ActiveState) { p.ActorID = "7f3c9a1e-2b4d-4e8f-9a61-0c5d2e7b8fzz" }, "actor_id"},
		{"no builder", func(p *publisher.ActiveState) { p.Builder = "" }, "builder"},
		{"builder with space", func(p *publisher.ActiveState) { p.Builder = "pypi publisher" }, "builder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := asPolicy()
			if tc.edit != nil {
				tc.edit(p)
			}
			wantPolicyField(t, p.Validate(), "activestate", tc.field)
		})
	}
}

func TestActiveStateJSON(t *testing.T) {
	t.Parallel()
	var r publisher.Registered
	src := `{"id":"pkg","provider":"activestate","policy":{"organization":"ActiveState-Labs",
		"project":"pyproject-example","actor_id":"` + asActor + `","builder":"pypi-publisher"}}`
	if err := json.Unmarshal([]byte(src), &r); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(publisher.Registered{ID: "pkg", Policy: asPolicy()}, r); diff != "" {
		t.Fatal(diff)
	}
	if r.Policy.Issuer() != providers.ActiveStateIssuer || r.Policy.LookupKey() != "activestate-labs/pyproject-example" {
		t.Errorf("Issuer, LookupKey = %q, %q", r.Policy.Issuer(), r.Policy.LookupKey())
	}
	bad := `{"id":"p","provider":"activestate","policy":{"organization":"a","project":"b","actor_id":"` + asActor + `"}}`
	if err := json.Unmarshal([]byte(bad), &r); !errors.Is(err, publisher.ErrPolicy) {
		t.Errorf("no builder: %v, want ErrPolicy", err)
	}
}

func TestActiveStateVerify(t *testing.T) {
	t.Parallel()
	s := providertest.New(t, oidctest.Options{})
	pol := asPolicy()
	pol.IssuerURL = s.URL()
	v := otherVerifier(t, s.Client(), []providers.Provider{s.ActiveState()}, publisher.Registered{ID: "as", Policy: pol})
	ctx := context.Background()
	tok, err := s.MintActiveState(nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := res.Claims.(*claims.ActiveState); !ok || c.ActorID != asActor || res.Token.ID == "" || len(res.Publishers) != 1 {
		t.Errorf("claims %+v, token %+v, publishers %v", res.Claims, res.Token, res.Publishers)
	}
	if _, err := v.Verify(ctx, tok); !errors.Is(err, oidc.ErrReplayed) {
		t.Errorf("second Verify = %v, want ErrReplayed", err)
	}
	c := providertest.ActiveStateClaims()
	c.Builder = "other-builder"
	if tok, err = s.MintActiveState(c); err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(ctx, tok)
	want := map[string][]publisher.Mismatch{"as": {{Rule: "builder", Claim: "builder", Want: "pypi-publisher", Got: "other-builder"}}}
	if diff := cmp.Diff(want, rejections(t, err)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if tok, err = s.MintActiveState(nil, oidctest.Claim("builder", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err = v.Verify(ctx, tok); !errors.Is(err, publisher.ErrClaims) || !errors.Is(err, claims.ErrMissing) {
		t.Errorf("no builder: %v, want ErrClaims and claims.ErrMissing", err)
	}
}
