package claims_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers/providertest"
)

// verifier verifies the tokens of a provider kit's issuer, as a registry's
// verifier would: decoding from a token then reads the members its
// verification recorded.
func verifier(t *testing.T) (*providertest.Issuer, func(raw string, err error) *oidc.Token) {
	t.Helper()
	iss := providertest.New(t, oidctest.Options{})
	keys := oidc.NewKeyCache(oidc.CacheConfig{HTTPClient: iss.Client()})
	t.Cleanup(func() { keys.Close() })
	v, err := oidc.NewVerifier(oidc.Config{Issuers: []oidc.Issuer{iss.OIDC()}, Audience: oidctest.DefaultAudience, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return iss, func(raw string, err error) *oidc.Token {
		t.Helper()
		if err != nil {
			t.Fatalf("Mint: %v", err)
		}
		tok, err := v.Verify(context.Background(), raw)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		return tok
	}
}

// decoder is one provider's pair of decoders.
type decoder struct {
	payload func(string) (claims.Set, error)
	token   func(*oidc.Token) (claims.Set, error)
}

var decoders = map[string]decoder{
	"github": {
		func(p string) (claims.Set, error) { return orNil(claims.DecodeGitHub(p)) },
		func(t *oidc.Token) (claims.Set, error) { return orNil(claims.DecodeGitHubToken(t)) },
	},
	"gitlab": {
		func(p string) (claims.Set, error) { return orNil(claims.DecodeGitLab(p)) },
		func(t *oidc.Token) (claims.Set, error) { return orNil(claims.DecodeGitLabToken(t)) },
	},
	"google": {
		func(p string) (claims.Set, error) { return orNil(claims.DecodeGoogle(p)) },
		func(t *oidc.Token) (claims.Set, error) { return orNil(claims.DecodeGoogleToken(t)) },
	},
	"activestate": {
		func(p string) (claims.Set, error) { return orNil(claims.DecodeActiveState(p)) },
		func(t *oidc.Token) (claims.Set, error) { return orNil(claims.DecodeActiveStateToken(t)) },
	},
	"buildkite": {
		func(p string) (claims.Set, error) { return orNil(claims.DecodeBuildkite(p)) },
		func(t *oidc.Token) (claims.Set, error) { return orNil(claims.DecodeBuildkiteToken(t)) },
	},
	"semaphore": {
		func(p string) (claims.Set, error) { return orNil(claims.DecodeSemaphore(p)) },
		func(t *oidc.Token) (claims.Set, error) { return orNil(claims.DecodeSemaphoreToken(t)) },
	},
	"circleci": {
		func(p string) (claims.Set, error) { return orNil(claims.DecodeCircleCI(p)) },
		func(t *oidc.Token) (claims.Set, error) { return orNil(claims.DecodeCircleCIToken(t)) },
	},
}

// CircleCI's claims the cases edit.
const (
	cciOrigin   = "oidc.circleci.com/vcs-origin"
	cciRef      = "oidc.circleci.com/vcs-ref"
	cciContexts = "oidc.circleci.com/context-ids"
	cciSSH      = "oidc.circleci.com/ssh-rerun"
)

// orNil turns a typed nil into a nil Set, so that results compare.
func orNil[T claims.Set](c T, err error) (claims.Set, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
}

// nulls sends the named claims as JSON null, in place of their values.
func nulls(names ...string) []oidctest.MintOption {
	var opts []oidctest.MintOption
	prefix := "{"
	for _, n := range names {
		opts = append(opts, oidctest.Claim(n, nil))
		prefix += `"` + n + `":null,`
	}
	return append(opts, oidctest.EditPayload(func(b []byte) []byte { return append([]byte(prefix), b[1:]...) }))
}

// TestDecodeTokenIsDecodePayload decodes tokens of every provider, with
// novel, null, nested and malformed claims, both from the verified token
// and from its payload: the same claims, or the same error, every time.
func TestDecodeTokenIsDecodePayload(t *testing.T) {
	iss, verified := verifier(t)
	novel := []oidctest.MintOption{oidctest.Claim("novel", map[string]any{"x": []any{1, "y", nil}}),
		oidctest.Claim("esc\u00e9", "\"q\"\n")}
	escapedKey := oidctest.EditPayload(func(b []byte) []byte { return append([]byte(`{"\u006eovel2":"x",`), b[1:]...) })
	tokens := map[string]*oidc.Token{
		"github":               verified(iss.MintGitHub(nil, novel...)),
		"github null":          verified(iss.MintGitHub(nil, nulls("environment", "runner_id")...)),
		"github escaped key":   verified(iss.MintGitHub(nil, escapedKey)),
		"github wrong type":    verified(iss.MintGitHub(nil, oidctest.Claim("repository_owner_id", 1167635))),
		"github missing":       verified(iss.MintGitHub(nil, oidctest.Claim("workflow_ref", nil))),
		"gitlab":               verified(iss.MintGitLab(nil, novel...)),
		"gitlab null":          verified(iss.MintGitLab(nil, nulls("ci_config_ref_uri", "groups_direct", "runner_id")...)),
		"gitlab wrong type":    verified(iss.MintGitLab(nil, oidctest.Claim("runner_id", "5"))),
		"google":               verified(iss.MintGoogle(nil, novel...)),
		"google null":          verified(iss.MintGoogle(nil, nulls("google")...)),
		"google nested":        verified(iss.MintGoogle(nil, oidctest.Claim("google", map[string]any{"compute_engine": map[string]any{"zone": 1}}))),
		"google as string":     verified(iss.MintGoogle(nil, oidctest.Claim("email_verified", "true"))),
		"activestate":          verified(iss.MintActiveState(nil, novel...)),
		"activestate empty":    verified(iss.MintActiveState(nil, oidctest.Claim("builder", ""))),
		"buildkite":            verified(iss.MintBuildkite(nil, novel...)),
		"buildkite null":       verified(iss.MintBuildkite(nil, nulls("build_tag", "step_key", "organization_id")...)),
		"buildkite as string":  verified(iss.MintBuildkite(nil, oidctest.Claim("build_number", "42"))),
		"semaphore":            verified(iss.Mint(providertest.SemaphoreClaims(), novel...)),
		"semaphore null":       verified(iss.Mint(providertest.SemaphoreClaims(), nulls("tag", "pr", "actor")...)),
		"semaphore wrong type": verified(iss.Mint(providertest.SemaphoreClaims(), oidctest.Claim("pr", 12))),
		// The verifier trusts the kit's issuer alone: CircleCI's root issuer.
		"circleci":             verified(iss.MintCircleCIRoot(nil, novel...)),
		"circleci null":        verified(iss.MintCircleCIRoot(nil, nulls(cciOrigin, cciRef, cciContexts)...)),
		"circleci ssh null":    verified(iss.MintCircleCIRoot(nil, nulls(cciSSH)...)),
		"circleci as string":   verified(iss.MintCircleCIRoot(nil, oidctest.Claim(cciSSH, "false"))),
		"circleci one context": verified(iss.MintCircleCIRoot(nil, oidctest.Claim(cciContexts, "8b1e4d7a-0c3f-4a6e-9d2b-5c8f1a4e7b0d"))),
		"circleci upper case": verified(iss.MintCircleCIRoot(nil, oidctest.Claim("oidc.circleci.com/project-id",
			"7C9E6A4B-2F1D-4B8A-A3E5-6D7F8091A2B3"))),
	}
	fails := map[string]error{"github wrong type": claims.ErrType, "github missing": claims.ErrMissing,
		"gitlab wrong type": claims.ErrType, "google nested": claims.ErrType, "google as string": claims.ErrType,
		"activestate empty": claims.ErrMissing, "buildkite as string": claims.ErrType, "semaphore wrong type": claims.ErrType,
		"circleci ssh null": claims.ErrMissing, "circleci as string": claims.ErrType, "circleci one context": claims.ErrType,
		"circleci upper case": claims.ErrInvalid}
	everything := cmp.Exporter(func(reflect.Type) bool { return true })
	for name, tok := range tokens {
		t.Run(name, func(t *testing.T) {
			kind, _, _ := strings.Cut(name, " ")
			d := decoders[kind]
			want, wantErr := d.payload(tok.Payload)
			got, err := d.token(tok)
			if !errors.Is(err, fails[name]) || (err == nil) != (fails[name] == nil) {
				t.Fatalf("from the token: %v, want %v", err, fails[name])
			}
			if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
				t.Fatalf("from the token: %v; from the payload: %v", err, wantErr)
			}
			if diff := cmp.Diff(want, got, everything); diff != "" {
				t.Errorf("(-from the payload +from the token):\n%s", diff)
			}
		})
	}
	// The cases say something: novel claims kept, nulls absent.
	gh, _ := claims.DecodeGitHubToken(tokens["github"])
	if gh == nil || string(gh.Extra["novel"]) != `{"x":[1,"y",null]}` || string(gh.Extra["esc\u00e9"]) != `"\"q\"\n"` {
		t.Errorf("novel claims: %+v", gh)
	}
	if gh, err := claims.DecodeGitHubToken(tokens["github escaped key"]); err != nil || string(gh.Extra["novel2"]) != `"x"` {
		t.Errorf("escaped key: %v, %v", gh, err)
	}
	if gh, err := claims.DecodeGitHubToken(tokens["github null"]); err != nil || gh.Environment != "" || len(gh.Extra) != 0 {
		t.Errorf("null claims: %+v, %v", gh, err)
	}
	if gl, err := claims.DecodeGitLabToken(tokens["gitlab null"]); err != nil || !gl.CIConfigRefURINull || gl.GroupsDirect != nil {
		t.Errorf("null GitLab claims: %+v, %v", gl, err)
	}
	if bk, err := claims.DecodeBuildkiteToken(tokens["buildkite null"]); err != nil || bk.BuildTag != "" || bk.StepKey != "" || len(bk.Extra) != 0 {
		t.Errorf("null Buildkite claims: %+v, %v", bk, err)
	}
	cci, err := claims.DecodeCircleCIToken(tokens["circleci"])
	if err != nil || cci.OrganizationID != providertest.CircleCIClaims().OrganizationID || string(cci.Extra["novel"]) != `{"x":[1,"y",null]}` {
		t.Errorf("CircleCI claims: %+v, %v", cci, err)
	}
	if cci, err := claims.DecodeCircleCIToken(tokens["circleci null"]); err != nil || cci.VCSOrigin != "" || cci.VCSRef != "" ||
		cci.ContextIDs != nil || len(cci.Extra) != 0 {
		t.Errorf("null CircleCI claims: %+v, %v", cci, err)
	}
}

// A nil token is an invalid claims set, not a panic.
func TestDecodeNilToken(t *testing.T) {
	for kind, d := range decoders {
		if c, err := d.token(nil); c != nil || !errors.Is(err, claims.ErrInvalid) {
			t.Errorf("%s: %v, %v; want ErrInvalid", kind, c, err)
		}
	}
}
