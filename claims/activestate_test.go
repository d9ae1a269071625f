package claims_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
)

func TestDecodeActiveStateFixture(t *testing.T) {
	t.Parallel()
	c, err := claims.DecodeActiveState(editFixture(t, "activestate.json", nil, map[string]string{"branch_id": `"x"`}))
	if err != nil {
		t.Fatal(err)
	}
	want := &claims.ActiveState{
		Subject: "org:ActiveState-Labs:project:pyproject-example", Organization: "ActiveState-Labs",
		OrganizationID: "b2e4c6d8-1a3f-4b5c-8d7e-9f0a1b2c3d4e", Project: "pyproject-example",
		ProjectID: "c3d5e7f9-2b4a-4c6d-9e8f-0a1b2c3d4e5f", ProjectPath: "ActiveState-Labs/pyproject-example",
		ProjectVisibility: "public", Actor: "jdoe", ActorID: "7f3c9a1e-2b4d-4e8f-9a61-0c5d2e7b8f14",
		Builder: "pypi-publisher", ArtifactID: "d4e6f8a0-3c5b-4d7e-8f9a-1b2c3d4e5f60", Ingredient: "pyproject-example",
		Extra: map[string]json.RawMessage{"branch_id": json.RawMessage(`"x"`)},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("decoded claims (-want +got):\n%s", diff)
	}
	if c.Provider() != claims.KindActiveState || c.LookupKey() != "activestate-labs/pyproject-example" {
		t.Errorf("Provider, LookupKey = %q, %q", c.Provider(), c.LookupKey())
	}
	roundTrip(t, c, claims.DecodeActiveState)
}

func TestDecodeActiveStateErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		set   map[string]any
		class error
		claim string
	}{
		{"no sub", map[string]any{"sub": nil}, claims.ErrMissing, "sub"},
		{"no organization", map[string]any{"organization": ""}, claims.ErrMissing, "organization"},
		{"no project", map[string]any{"project": nil}, claims.ErrMissing, "project"},
		{"no actor_id", map[string]any{"actor_id": nil}, claims.ErrMissing, "actor_id"},
		{"no builder", map[string]any{"builder": nil}, claims.ErrMissing, "builder"},
		{"actor_id as number", map[string]any{"actor_id": 7}, claims.ErrType, "actor_id"},
		{"project_visibility as bool", map[string]any{"project_visibility": true}, claims.ErrType, "project_visibility"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := claims.DecodeActiveState(editFixture(t, "activestate.json", tc.set, nil))
			var ce *claims.Error
			if c != nil || !errors.Is(err, tc.class) || !errors.As(err, &ce) || ce.Claim != tc.claim {
				t.Fatalf("DecodeActiveState = %v, %v; want a %v error on %s", c, err, tc.class, tc.claim)
			}
		})
	}
}
