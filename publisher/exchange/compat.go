package exchange

import (
	"context"

	"github.com/trustpub/trustpub/publisher"
)

// TEMPORARY, until publisher.Verifier.Audience and publisher.Result.Packages
// land (issue 9, points 1 and 2): replaced by direct calls on the merge.
func audience(v *publisher.Verifier) string { return "" }

func packagesOf(res *publisher.Result) []string {
	var out []string
	for _, p := range res.Publishers {
		out = append(out, p.ID)
	}
	return out
}

func verifyPackage(ctx context.Context, v *publisher.Verifier, raw, pkg string) (*publisher.Result, error) {
	return v.Verify(ctx, raw)
}
