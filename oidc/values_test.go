package oidc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/trustpub/trustpub/oidc"
)

// A token may hold at most MaxClaimValues JSON values, however they are
// nested, so that parsing an unauthenticated token costs about what a real
// one does; a GitLab token at GitLab's cap of groups stays well within it.
func TestVerifyClaimValues(t *testing.T) {
	t.Parallel()
	env := newKitEnv(t, nil)
	groups := make([]string, 199) // GitLab lists at most 199 direct groups
	for i := range groups {
		groups[i] = fmt.Sprintf("org/team-%d/subgroup", i)
	}
	idents := []map[string]string{{"provider": "github", "extern_uid": "1"}, {"provider": "saml", "extern_uid": "2"}}
	claims := map[string]any{"sub": "project_path:org/p:ref_type:branch:ref:main", "groups_direct": groups, "user_identities": idents}
	for i := range 40 { // the rest of a GitLab token's claims
		claims[fmt.Sprintf("claim_%d", i)] = "value"
	}
	if _, err := env.v.Verify(context.Background(), mint(t, env.kit, claims)); err != nil {
		t.Errorf("a token with 199 groups: %v", err)
	}

	nested := make([]int, oidc.MaxClaimValues)
	for name, value := range map[string]any{
		"array":  nested,
		"object": json.RawMessage("{" + keys(oidc.MaxClaimValues) + `"x":0}`),
	} {
		_, err := env.v.Verify(context.Background(), mint(t, env.kit, map[string]any{"sub": "s", "pad": value}))
		if !errors.Is(err, oidc.ErrMalformed) || !strings.Contains(err.Error(), "values") {
			t.Errorf("%s of %d values: %v, want ErrMalformed naming the values", name, oidc.MaxClaimValues, err)
		}
	}
}

// keys is n members of distinct short keys, each followed by a comma.
func keys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `"k%x":0,`, i)
	}
	return b.String()
}
