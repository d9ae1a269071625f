package exchange

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/trustpub/trustpub/internal/bearer"
	"github.com/trustpub/trustpub/internal/quote"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/publisher"
)

// NPMPattern is the path of npm's exchange, followed by the package's
// name, escaped: at the registry's host root, whatever path the registry's
// URL has (the npm CLI drops it). Route it to an NPM handler.
const NPMPattern = "/-/npm/v1/oidc/token/exchange/package/"

// NPM is the npm CLI's token exchange, an http.Handler for NPMPattern:
//
//	request                                              answer
//	POST /-/npm/v1/oidc/token/exchange/package/<name>    201 {"token": <minted for name alone>}
//	  Authorization: Bearer <jwt>, no body
//	  no bearer token                                    401 + WWW-Authenticate: Bearer
//	  two Authorization headers                          400
//	  a body                                             413
//	  name not a valid npm package name                  400
//	  token not valid (publisher.Classify)               401
//	  no publisher of name accepts the token             403, with why
//	  outage (keys, store, replay store)                 503 + Retry-After
//	  Minter: *Refusal / ErrUnavailable / other          403 / 503 / 500
//	another method                                       405 + Allow
//
// Every failure is JSON, {"message": …}, which the npm CLI shows at
// --loglevel verbose (and otherwise silently falls back to other
// credentials). A scoped name arrives escaped, /@scope%2fname, or not;
// decoded, it goes to VerifyPackage and the Minter exactly as the client
// wrote it. npm's names are case-sensitive (old packages have capitals):
// register them as npm writes them.
//
// Only the publishers registered for name are candidates
// (publisher.Verifier.VerifyPackage), and a token refused for this package
// is not spent: the same token may then be exchanged for another. Because
// the package is named and only its publishers are considered, a refusal
// explains itself, every rule each of its publishers failed, with the
// token's values quoted and clipped; other packages' publishers are never
// mentioned.
type NPM struct {
	h handler
}

// NewNPM checks cfg and builds npm's exchange.
func NewNPM(cfg Config) (*NPM, error) {
	h, err := newHandler(cfg, "npm")
	if err != nil {
		return nil, err
	}
	return &NPM{h: h}, nil
}

// ServeHTTP implements http.Handler.
func (n *NPM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	escaped, ok := strings.CutPrefix(r.URL.EscapedPath(), NPMPattern)
	if !ok {
		n.fail(w, r, failure{status: http.StatusNotFound, msg: "Not found.", class: "not-found"})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		n.fail(w, r, failure{status: http.StatusMethodNotAllowed, msg: "Use POST.", class: "method-not-allowed"})
		return
	}
	pkg, err := url.PathUnescape(escaped)
	if err != nil || !ValidNPMName(pkg) {
		n.fail(w, r, failure{status: http.StatusBadRequest, msg: "The path does not name a valid npm package.", class: "invalid-package-name",
			err: fmt.Errorf("package %s", quote.Value(escaped))})
		return
	}
	if b, _ := io.ReadAll(io.LimitReader(r.Body, 1)); len(b) > 0 {
		n.fail(w, r, failure{status: http.StatusRequestEntityTooLarge, msg: "The exchange takes no body.", class: "invalid-payload"},
			"package", quote.Text(pkg))
		return
	}
	raw, err := bearer.Token(r.Header, oidc.MaxTokenSizeLimit)
	switch {
	case errors.Is(err, bearer.ErrMissing):
		w.Header().Set("WWW-Authenticate", "Bearer")
		n.fail(w, r, failure{status: http.StatusUnauthorized, msg: "An OIDC token is required: Authorization: Bearer <token>.", class: "no-token"},
			"package", quote.Text(pkg))
		return
	case errors.Is(err, bearer.ErrRepeated):
		n.fail(w, r, failure{status: http.StatusBadRequest, msg: "Send exactly one Authorization header.", class: "invalid-request"},
			"package", quote.Text(pkg))
		return
	case err != nil:
		n.fail(w, r, verifyFailure(err), "package", quote.Text(pkg))
		return
	}
	res, err := n.h.cfg.Verifier.VerifyPackage(r.Context(), raw, pkg)
	if err != nil {
		f := verifyFailure(err)
		var nm *publisher.NoMatchError
		if errors.As(err, &nm) {
			f.msg = explain(pkg, nm)
		}
		n.fail(w, r, f, "package", quote.Text(pkg))
		return
	}
	tok, _, err := n.h.cfg.Mint(r.Context(), res, []string{pkg})
	if err == nil && tok == "" {
		err = errors.New("exchange: the Minter returned no token")
	}
	if err != nil {
		n.fail(w, r, mintFailure(err), "package", quote.Text(pkg), "workload", res.Workload(), "publishers", ids(res))
		return
	}
	n.h.log(r, slog.LevelInfo, "minted", "package", quote.Text(pkg), "workload", res.Workload(), "publishers", ids(res))
	n.h.writeJSON(w, http.StatusCreated, map[string]string{"token": tok})
}

// fail answers f as npm's registry does: its status and {"message": …}.
func (n *NPM) fail(w http.ResponseWriter, r *http.Request, f failure, logArgs ...any) {
	n.h.refused(r, f, logArgs...)
	n.h.writeJSON(w, f.status, map[string]string{"message": f.msg})
}

// maxExplained bound what a refusal explains: the publishers listed, and
// the message's bytes.
const (
	maxExplainedPublishers = 5
	maxExplanation         = 2048
)

// explain says why no publisher of pkg accepted the token, from the
// rejections of pkg's own candidates: every rule each failed, with what it
// expects and what the token carries (quoted and clipped by
// publisher.Mismatch). Publisher ids, the registry's own, are left out.
func explain(pkg string, nm *publisher.NoMatchError) string {
	var b strings.Builder
	if len(nm.Rejected) == 0 {
		fmt.Fprintf(&b, "No trusted publisher of %s is registered for %s on %s.", quote.Value(pkg), quote.Value(nm.Key), quote.Text(nm.Issuer))
		return b.String()
	}
	fmt.Fprintf(&b, "No trusted publisher of %s accepts this token of %s on %s", quote.Value(pkg), quote.Value(nm.Key), quote.Text(nm.Issuer))
	for i, rj := range nm.Rejected {
		if i == maxExplainedPublishers {
			fmt.Fprintf(&b, "; and %d more", len(nm.Rejected)-i)
			break
		}
		fmt.Fprintf(&b, "; publisher %d of %d: ", i+1, len(nm.Rejected))
		if rj.Err != nil {
			b.WriteString("its registration is invalid, ask the registry")
			continue
		}
		for j, m := range rj.Mismatches {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.String())
		}
	}
	b.WriteByte('.')
	return clipText(b.String(), maxExplanation)
}

// clipText cuts s to at most n bytes on a rune boundary, marking the cut.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	i := n - len(mark)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + mark
}

// ValidNPMName reports whether name is an npm package name the exchange
// accepts: "name" or "@scope/name", at most 214 bytes, each part made of
// the characters npm leaves unescaped in URLs (letters, digits, and
// - . _ ~ ! ' ( ) *) and not starting with '.' or '_'. Capital letters,
// which new packages may no longer use, are accepted for old ones.
func ValidNPMName(name string) bool {
	if len(name) == 0 || len(name) > 214 || name == "node_modules" || name == "favicon.ico" {
		return false
	}
	if scoped, ok := strings.CutPrefix(name, "@"); ok {
		scope, rest, ok := strings.Cut(scoped, "/")
		return ok && npmPart(scope) && npmPart(rest)
	}
	return npmPart(name)
}

// npmPart reports whether s is a valid scope or unscoped name.
func npmPart(s string) bool {
	if s == "" || s[0] == '.' || s[0] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!'()*", c) >= 0:
		default:
			return false
		}
	}
	return true
}
