package npmreg_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/trustpub/trustpub/examples/registry/npmreg"
	"github.com/trustpub/trustpub/publisher"
)

// scaffoldExchange is TEST SCAFFOLDING, not the exchange a registry should
// copy: it stands in for npm's trusted publishing exchange (issue 9's
// handler under publisher/) so that the real npm CLI can be tested against
// npmreg now. It verifies the CI token with publisher.Verifier, takes a
// publisher whose ID is the package's name as allowed to publish it (today's
// publishers carry no package), and mints a registry token for that package.
//
//	POST /-/npm/v1/oidc/token/exchange/package/<escaped name>
//	Authorization: Bearer <CI token>
//	→ 201 {"token": "<registry token>"}, or an error {"message": …}
type scaffoldExchange struct {
	v *publisher.Verifier

	mu       sync.Mutex
	tokens   map[string]string // minted token -> the package it may publish
	requests []string          // escaped paths asked
}

const exchangePrefix = "/-/npm/v1/oidc/token/exchange/package/"

func (x *scaffoldExchange) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x.mu.Lock()
	x.requests = append(x.requests, r.URL.EscapedPath())
	x.mu.Unlock()
	refuse := func(status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"message": msg})
	}
	escaped, ok := strings.CutPrefix(r.URL.EscapedPath(), exchangePrefix)
	pkg, err := url.PathUnescape(escaped)
	switch {
	case r.Method != http.MethodPost:
		refuse(http.StatusMethodNotAllowed, "method not allowed")
		return
	case !ok || err != nil || !npmreg.ValidName(pkg):
		refuse(http.StatusNotFound, "not found")
		return
	}
	jwt := npmreg.BearerToken(r)
	if jwt == "" {
		refuse(http.StatusUnauthorized, "an OIDC token is required")
		return
	}
	res, err := x.v.Verify(r.Context(), jwt)
	if err != nil {
		refuse(http.StatusUnauthorized, "scaffold: "+err.Error())
		return
	}
	allowed := false
	for _, p := range res.Publishers {
		allowed = allowed || p.ID == pkg
	}
	if !allowed {
		refuse(http.StatusForbidden, "scaffold: no trusted publisher of "+pkg+" matches the token")
		return
	}
	var b [16]byte
	rand.Read(b[:])
	tok := "scaffold_" + hex.EncodeToString(b[:])
	x.mu.Lock()
	x.tokens[tok] = pkg
	x.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]string{"token": tok})
}

// mayPublish reports whether tok was minted for pkg.
func (x *scaffoldExchange) mayPublish(tok, pkg string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	p, ok := x.tokens[tok]
	return ok && p == pkg
}

func (x *scaffoldExchange) asked() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]string(nil), x.requests...)
}
