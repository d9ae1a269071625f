package npmreg_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/trustpub/trustpub/publisher"
)

// uploadTokens is the test registry's side of trusted publishing: the
// exchange.Minter that mints upload tokens for packages, and the check
// that a PUT carries one for its package. It records the exchange paths
// asked, as the npm CLI escaped them.
type uploadTokens struct {
	mu       sync.Mutex
	tokens   map[string][]string // minted token -> the packages it may publish
	requests []string            // escaped exchange paths asked
}

func (u *uploadTokens) mint(_ context.Context, _ *publisher.Result, pkgs []string) (string, time.Time, error) {
	var b [16]byte
	rand.Read(b[:])
	tok := "upload_" + hex.EncodeToString(b[:])
	u.mu.Lock()
	defer u.mu.Unlock()
	u.tokens[tok] = slices.Clone(pkgs)
	return tok, time.Now().Add(15 * time.Minute), nil
}

// mayPublish reports whether tok was minted for pkg.
func (u *uploadTokens) mayPublish(tok, pkg string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Contains(u.tokens[tok], pkg)
}

// record wraps the exchange, recording the paths asked.
func (u *uploadTokens) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.requests = append(u.requests, r.URL.EscapedPath())
		u.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (u *uploadTokens) asked() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.requests...)
}
