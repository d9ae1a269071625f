package claims_test

import (
	"errors"
	"fmt"

	"github.com/trustpub/trustpub/claims"
)

// DecodeGitHub turns the verified payload of a GitHub Actions token into
// typed claims. Claims the schema does not know are kept in Extra; a claim
// of the wrong type is an error naming it.
func ExampleDecodeGitHub() {
	payload := `{
		"repository": "octo-org/hello",
		"repository_owner": "octo-org",
		"repository_owner_id": "9919",
		"workflow_ref": "octo-org/hello/.github/workflows/release.yml@refs/tags/v1.0.0",
		"job_workflow_ref": "octo-org/hello/.github/workflows/release.yml@refs/tags/v1.0.0",
		"ref": "refs/tags/v1.0.0",
		"sha": "8b42ec0b6b973f5465ddc4e667cee9ba26aeabb5",
		"event_name": "push",
		"repo_property_team": "release"
	}`
	c, err := claims.DecodeGitHub(payload)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.LookupKey(), c.Ref, string(c.Extra["repo_property_team"]))

	_, err = claims.DecodeGitHub(`{"repository": "octo-org/hello", "repository_owner_id": 9919}`)
	fmt.Println(errors.Is(err, claims.ErrType), err)
	// Output:
	// octo-org/hello refs/tags/v1.0.0 "release"
	// true claims: claim has the wrong type: repository_owner_id: expected a JSON string, got number
}
