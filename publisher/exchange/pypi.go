package exchange

import (
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/trustpub/trustpub/internal/jsonobj"
	"github.com/trustpub/trustpub/oidc"
)

// PyPI's paths, at the registry's host root: clients build them from the
// upload URL's host name.
const (
	PyPIAudiencePath = "/_/oidc/audience"
	PyPIMintPath     = "/_/oidc/mint-token"
	// PyPIPattern is the http.ServeMux pattern that routes both to a PyPI
	// handler.
	PyPIPattern = "/_/oidc/"
)

// MaxPyPIBody caps a mint-token request's body: the largest token any
// Verifier accepts, and room for the JSON around it.
const MaxPyPIBody = oidc.MaxTokenSizeLimit + 1<<10

// PyPI is PyPI's token exchange, an http.Handler for PyPIPattern:
//
//	request                                      answer
//	GET or HEAD /_/oidc/audience                 200 {"audience": <the Verifier's audience>}
//	POST /_/oidc/mint-token {"token": "<jwt>"}   200 {"success": true, "token": <minted>, "expires": <unix seconds>}
//	  body not a JSON object with a string       422 invalid-payload
//	    "token" (duplicate keys refused)
//	  Content-Type not application/json          415 invalid-payload
//	  body over MaxPyPIBody                      413 invalid-payload
//	  token refused (publisher.Classify)         422 invalid-token, invalid-publisher, invalid-reuse-token
//	  publishers of no package                   422 invalid-publisher
//	  outage (keys, store, replay store)         503 + Retry-After, code: the class's name
//	  Minter: *Refusal / ErrUnavailable / other  422 invalid-publisher / 503 mint-unavailable / 500 mint-failed
//	another method                               405 + Allow
//	another path                                 404
//
// Every failure has PyPI's body, which its upload action reads from any
// failed response:
//
//	{"message": "Token request failed", "errors": [{"code": …, "description": …}]}
//
// The description is Classify's message, safe for an anonymous client: a
// lookup not limited to one package must not tell who else publishes from
// the repository. The detailed error goes to Config.Logger.
type PyPI struct {
	h handler
}

// NewPyPI checks cfg and builds PyPI's exchange.
func NewPyPI(cfg Config) (*PyPI, error) {
	h, err := newHandler(cfg, "PyPI")
	if err != nil {
		return nil, err
	}
	return &PyPI{h: h}, nil
}

// ServeHTTP implements http.Handler.
func (p *PyPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case PyPIAudiencePath:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			p.fail(w, r, failure{status: http.StatusMethodNotAllowed, code: "method-not-allowed", msg: "Use GET.", class: "method-not-allowed"})
			return
		}
		p.h.writeJSON(w, http.StatusOK, map[string]string{"audience": p.h.cfg.Verifier.Audience()})
	case PyPIMintPath:
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			p.fail(w, r, failure{status: http.StatusMethodNotAllowed, code: "method-not-allowed", msg: "Use POST.", class: "method-not-allowed"})
			return
		}
		p.mint(w, r)
	default:
		p.fail(w, r, failure{status: http.StatusNotFound, code: "not-found", msg: "Not found.", class: "not-found"})
	}
}

func (p *PyPI) mint(w http.ResponseWriter, r *http.Request) {
	raw, f, ok := p.readToken(w, r)
	if !ok {
		p.fail(w, r, f)
		return
	}
	res, err := p.h.cfg.Verifier.Verify(r.Context(), raw)
	if err != nil {
		p.fail(w, r, verifyFailure(err))
		return
	}
	pkgs := res.Packages()
	if len(pkgs) == 0 {
		p.fail(w, r, failure{status: http.StatusForbidden, code: "invalid-publisher", class: "no-package",
			msg: "The token's trusted publisher may publish no project.", err: errors.New("the matched publishers name no package")},
			"workload", res.Workload(), "publishers", ids(res))
		return
	}
	tok, exp, err := p.h.cfg.Mint(r.Context(), res, pkgs)
	if err == nil && (tok == "" || exp.IsZero()) {
		err = errors.New("exchange: the Minter returned no token or no expiry")
	}
	if err != nil {
		p.fail(w, r, mintFailure(err), "workload", res.Workload(), "publishers", ids(res), "packages", texts(pkgs))
		return
	}
	p.h.log(r, slog.LevelInfo, "minted", "workload", res.Workload(), "publishers", ids(res), "packages", texts(pkgs),
		"expires", exp.UTC().Format(time.RFC3339))
	p.h.writeJSON(w, http.StatusOK, map[string]any{"success": true, "token": tok, "expires": exp.Unix()})
}

// readToken reads {"token": "<jwt>"} from the body.
func (p *PyPI) readToken(w http.ResponseWriter, r *http.Request) (string, failure, bool) {
	bad := func(status int, msg, why string) (string, failure, bool) {
		return "", failure{status: status, code: "invalid-payload", msg: msg, class: "invalid-payload", err: errors.New(why)}, false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return bad(http.StatusUnsupportedMediaType, "The request body must be JSON (Content-Type: application/json).", "not application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPyPIBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return bad(http.StatusRequestEntityTooLarge, "The request body is too large.", "body too large")
		}
		return bad(http.StatusBadRequest, "The request body could not be read.", "reading the body: "+err.Error())
	}
	var tok string
	found := false
	err = jsonobj.Each(string(body), func(key string, v jsonobj.Value) error {
		if key != "token" {
			return nil // other members are ignored, as new clients may add some
		}
		found = true
		s, err := v.Str()
		tok = s
		return err
	})
	switch {
	case err != nil:
		return bad(http.StatusUnprocessableEntity, `The request body must be a JSON object with a "token" string.`, "body: "+err.Error())
	case !found || tok == "":
		return bad(http.StatusUnprocessableEntity, `The request body has no "token".`, "no token in the body")
	}
	return tok, failure{}, true
}

// fail answers f in PyPI's form: 422 with PyPI's code when the token or
// payload is at fault, else f's status with the class's name as the code.
func (p *PyPI) fail(w http.ResponseWriter, r *http.Request, f failure, logArgs ...any) {
	p.h.refused(r, f, logArgs...)
	status := f.status
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		status = http.StatusUnprocessableEntity
	}
	p.h.writeJSON(w, status, map[string]any{"message": "Token request failed",
		"errors": []map[string]string{{"code": f.code, "description": f.msg}}})
}
