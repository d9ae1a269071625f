package providers_test

import (
	"testing"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/providers"
)

func TestBuildkiteProvider(t *testing.T) {
	t.Parallel()
	good := `{"sub":"organization:o:pipeline:p:ref:refs/heads/main:commit:c:step:","organization_slug":"o","pipeline_slug":"p",
		"build_number":1,"step_key":null,"job_id":"0184990a-477b-4fa8-9968-496074483cee","agent_id":"0184990a-4782-42b5-afc1-16715b10b8ff"}`
	bad := `{"sub":"organization:o:pipeline:p:","organization_slug":"o","pipeline_slug":"p","build_number":"1",
		"job_id":"0184990a-477b-4fa8-9968-496074483cee","agent_id":"0184990a-4782-42b5-afc1-16715b10b8ff"}`
	checkProvider(t, providers.Buildkite, claims.KindBuildkite, oidc.Issuer{
		URL: "https://agent.buildkite.com", Algorithms: []string{"RS256"}}, good, bad, claims.ErrType)
	if providers.BuildkiteIssuer != "https://agent.buildkite.com" {
		t.Errorf("BuildkiteIssuer = %q", providers.BuildkiteIssuer)
	}
	pinned := providers.NewBuildkite(oidc.Issuer{URL: "https://127.0.0.1:8443", JWKSURL: "https://127.0.0.1:8443/.well-known/jwks"})
	checkProvider(t, pinned, claims.KindBuildkite, oidc.Issuer{URL: "https://127.0.0.1:8443",
		JWKSURL: "https://127.0.0.1:8443/.well-known/jwks", Algorithms: []string{"RS256"}}, good, bad, claims.ErrType)
}
