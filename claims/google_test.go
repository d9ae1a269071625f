package claims_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/trustpub/trustpub/claims"
)

func TestDecodeGoogleFixture(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeGoogle(editFixture(t, "google-gce-full.json", nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := &claims.Google{
		Subject: "110987294251917851298", AuthorizedParty: "110987294251917851298",
		Email: "716149158341-compute@developer.gserviceaccount.com", EmailVerified: true,
		Google: &claims.GoogleInfo{ComputeEngine: &claims.ComputeEngine{
			InstanceID: "4340508760561261530", InstanceName: "vm-for-gcp", ProjectID: "eng-serenity-231813",
			ProjectNumber: 716149158341, Zone: "us-central1-a", InstanceCreationTimestamp: 1595155766,
		}},
	}
	if diff := cmp.Diff(want, c, cmpopts.IgnoreUnexported(claims.Google{})); diff != "" {
		t.Errorf("decoded claims (-want +got):\n%s", diff)
	}
	if c.Provider() != claims.KindGoogle || c.LookupKey() != want.Email {
		t.Errorf("Provider, LookupKey = %q, %q", c.Provider(), c.LookupKey())
	}
	roundTrip(t, c, claims.DecodeGoogle, cmpopts.IgnoreUnexported(claims.Google{}))
}

func TestDecodeGoogleVariants(t *testing.T) {
	t.Parallel()
	// A format=standard token: no google claim; email_verified false is a
	// value (the policy refuses it), not a decoding error.
	c, err := claims.DecodeGoogle(editFixture(t, "google-gce-full.json",
		map[string]any{"google": nil, "email_verified": false, "hd": "example.com"},
		map[string]string{"license": `["a"]`}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Google != nil || c.EmailVerified {
		t.Errorf("Google, EmailVerified = %v, %v; want nil, false", c.Google, c.EmailVerified)
	}
	if string(c.Extra["hd"]) != `"example.com"` || string(c.Extra["license"]) != `["a"]` {
		t.Errorf("Extra = %s", c.Extra)
	}
	// Unknown members of the nested objects are kept too.
	c, err = claims.DecodeGoogle(editFixture(t, "google-gce-full.json", nil, map[string]string{
		"google": `{"compute_engine":{"instance_id":"1","project_number":2,"license_id":["3"]},"other":true}`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if ce := c.Google.ComputeEngine; ce.InstanceID != "1" || ce.ProjectNumber != 2 || string(ce.Extra["license_id"]) != `["3"]` ||
		string(c.Google.Extra["other"]) != "true" {
		t.Errorf("google = %+v, compute_engine = %+v", c.Google, ce)
	}
}

func TestDecodeGoogleErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		set   map[string]any
		raw   map[string]string
		class error
		claim string
	}{
		{"email_verified as string", map[string]any{"email_verified": "true"}, nil, claims.ErrType, "email_verified"},
		{"email_verified absent", map[string]any{"email_verified": nil}, nil, claims.ErrMissing, "email_verified"},
		{"email_verified null", nil, map[string]string{"email_verified": "null"}, claims.ErrMissing, "email_verified"},
		{"no email", map[string]any{"email": nil}, nil, claims.ErrMissing, "email"},
		{"no sub", map[string]any{"sub": ""}, nil, claims.ErrMissing, "sub"},
		{"sub as number", nil, map[string]string{"sub": "110987294251917851298"}, claims.ErrType, "sub"},
		{"google not object", map[string]any{"google": "gce"}, nil, claims.ErrType, "google"},
		{"compute_engine array", nil, map[string]string{"google": `{"compute_engine":[]}`}, claims.ErrType, "google.compute_engine"},
		{"project_number as string", nil, map[string]string{"google": `{"compute_engine":{"project_number":"716149158341"}}`}, claims.ErrType, "google.compute_engine.project_number"},
		{"zone as number", nil, map[string]string{"google": `{"compute_engine":{"zone":1}}`}, claims.ErrType, "google.compute_engine.zone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := claims.DecodeGoogle(editFixture(t, "google-gce-full.json", tc.set, tc.raw))
			var ce *claims.Error
			if c != nil || !errors.Is(err, tc.class) || !errors.As(err, &ce) || ce.Claim != tc.claim {
				t.Fatalf("DecodeGoogle = %v, %v; want a %v error on %s", c, err, tc.class, tc.claim)
			}
		})
	}
}

// A hand-built set (no decoding) with EmailVerified true is valid.
func TestGoogleValidateBuilt(t *testing.T) {
	t.Parallel()
	c := &claims.Google{Subject: "1", Email: "a@b.iam.gserviceaccount.com", EmailVerified: true}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.EmailVerified = false
	if err := c.Validate(); !errors.Is(err, claims.ErrMissing) {
		t.Fatalf("Validate = %v, want ErrMissing: nothing says email_verified was sent", err)
	}
}
