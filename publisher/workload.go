package publisher

import (
	"github.com/trustpub/trustpub/internal/nilness"

	"github.com/trustpub/trustpub/claims"
)

// Workload describes the workload the token was issued to, the same way
// for every provider (see claims.Workload and providers.Provider.Workload):
// for an audit log of who published, or for naming the token the registry
// mints. Its values are raw; log it as a value (it is a slog.LogValuer) or
// through its String method, which quote and clip them.
func (r *Result) Workload() claims.Workload {
	if r == nil || nilness.Is(r.Provider) {
		return claims.Workload{}
	}
	return r.Provider.Workload(r.Claims)
}
