// Package npmreg is an in-memory npm registry: the part of npm's registry
// protocol that `npm publish` and `npm install` use. It checks every
// upload's integrity and contents, and leaves who may publish to a function
// the registry supplies; reading is public.
//
//	PUT /<name>            publish one version: the packument with the
//	                       tarball base64-encoded in _attachments
//	GET /<name>            the packument: every version, dist-tags, times
//	GET /<name>/-/<file>   a tarball
//
// A scoped name travels escaped (/@scope%2fname) or not (/@scope/name).
// Paths under /-/ (npm's registry-wide endpoints, such as the trusted
// publishing token exchange, publisher/exchange.NPM) are not served here:
// mount them beside it.
// The tarball URL a client writes in its manifest is ignored: packuments
// point at this registry (Config.URL).
package npmreg

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// AuthorizeFunc decides whether r may publish pkg, the package's name as
// npm writes it ("name" or "@scope/name"). It returns nil to allow, an
// error wrapping ErrUnauthenticated when r carries no usable credential
// (401), or any other error to refuse (403). The error's text is sent to
// the client: write it for them.
type AuthorizeFunc func(r *http.Request, pkg string) error

// ErrUnauthenticated is the refusal of a request without a usable
// credential.
var ErrUnauthenticated = errors.New("authentication required")

// DefaultMaxBody caps a publish request's body unless Config says
// otherwise. The tarball travels in it base64-encoded.
const DefaultMaxBody = 16 << 20

// Config configures a Registry.
type Config struct {
	// Authorize decides who may publish. Required.
	Authorize AuthorizeFunc
	// MaxBody caps a publish request's body. Default DefaultMaxBody.
	MaxBody int64
	// URL is the registry's public URL, from which tarball URLs are made.
	// Default: the request's scheme and Host.
	URL string
	// Now is the clock of the packuments' times. Default time.Now.
	Now func() time.Time
}

// Registry is an in-memory npm registry, an http.Handler. It is safe for
// concurrent use.
type Registry struct {
	cfg Config

	mu   sync.Mutex
	pkgs map[string]*pkg
}

type pkg struct {
	tags     map[string]string
	versions map[string]map[string]any // version -> its manifest
	tarballs map[string][]byte         // version -> .tgz
	times    map[string]time.Time      // version, "created", "modified"
}

// New builds a registry.
func New(cfg Config) (*Registry, error) {
	if cfg.Authorize == nil {
		return nil, errors.New("npmreg: Config.Authorize is required")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.URL = strings.TrimSuffix(cfg.URL, "/")
	return &Registry{cfg: cfg, pkgs: make(map[string]*pkg)}, nil
}

// BearerToken returns the token of an "Authorization: Bearer" header, the
// way npm sends its registry token, or "".
func BearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// Tarball returns the tarball published for name at version.
func (g *Registry) Tarball(name, version string) ([]byte, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.pkgs[name]
	if !ok {
		return nil, false
	}
	b, ok := p.tarballs[version]
	return bytes.Clone(b), ok
}

// ServeHTTP serves the registry.
func (g *Registry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, rest, ok := splitPath(r.URL.Path)
	if !ok {
		fail(w, http.StatusNotFound, "not found")
		return
	}
	switch {
	case rest == "" && r.Method == http.MethodPut:
		g.publish(w, r, name)
	case rest == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		g.packument(w, r, name)
	case rest == "":
		w.Header().Set("Allow", "GET, HEAD, PUT")
		fail(w, http.StatusMethodNotAllowed, "method not allowed")
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		g.tarball(w, name, strings.TrimPrefix(rest, "/-/"))
	default:
		w.Header().Set("Allow", "GET, HEAD")
		fail(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// splitPath takes /<name> or /<name>/-/<file> apart; rest is "" or
// "/-/<file>".
func splitPath(path string) (name, rest string, ok bool) {
	p, ok := strings.CutPrefix(path, "/")
	if !ok || strings.HasPrefix(p, "-/") {
		return "", "", false
	}
	n := strings.IndexByte(p, '/')
	if strings.HasPrefix(p, "@") && n >= 0 { // @scope/name
		if m := strings.IndexByte(p[n+1:], '/'); m >= 0 {
			n += 1 + m
		} else {
			n = -1
		}
	}
	if n < 0 {
		name = p
	} else {
		name, rest = p[:n], p[n:]
	}
	if !ValidName(name) {
		return "", "", false
	}
	if rest != "" && !(strings.HasPrefix(rest, "/-/") && len(rest) > 3 && !strings.Contains(rest[3:], "/")) {
		return "", "", false
	}
	return name, rest, true
}

var nameRE = regexp.MustCompile(`^(@[a-z0-9-~][a-z0-9-._~]*/)?[a-z0-9-~][a-z0-9-._~]*$`)

// ValidName reports whether name is a valid name for a new npm package:
// lower case, URL-safe, at most 214 characters, optionally scoped.
func ValidName(name string) bool { return len(name) <= 214 && nameRE.MatchString(name) }

var versionRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

var tagRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]{0,63}$`)

func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// publishDoc is the body of `npm publish`.
type publishDoc struct {
	ID          string                     `json:"_id"`
	Name        string                     `json:"name"`
	DistTags    map[string]string          `json:"dist-tags"`
	Versions    map[string]json.RawMessage `json:"versions"`
	Attachments map[string]struct {
		Data   string `json:"data"`
		Length *int   `json:"length"`
	} `json:"_attachments"`
}

func (g *Registry) publish(w http.ResponseWriter, r *http.Request, name string) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		fail(w, http.StatusUnsupportedMediaType, "the body must be application/json")
		return
	}
	if err := g.cfg.Authorize(r, name); err != nil {
		status := http.StatusForbidden
		if errors.Is(err, ErrUnauthenticated) {
			status = http.StatusUnauthorized
			w.Header().Set("WWW-Authenticate", "Bearer")
		}
		fail(w, status, err.Error())
		return
	}
	var doc publishDoc
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, g.cfg.MaxBody))
	if err := dec.Decode(&doc); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body exceeds %d bytes", g.cfg.MaxBody))
			return
		}
		fail(w, http.StatusBadRequest, "the body is not a packument")
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		fail(w, http.StatusBadRequest, "the body is not one packument")
		return
	}
	version, manifest, tgz, err := check(name, &doc)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := g.store(name, version, doc.DistTags, manifest, tgz); err != nil {
		fail(w, http.StatusForbidden, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]bool{"success": true})
}

// check validates a publish of name: one version, one tarball whose digests
// and package.json agree with the version's manifest.
func check(name string, doc *publishDoc) (version string, manifest map[string]any, tgz []byte, err error) {
	if doc.Name != name || doc.ID != "" && doc.ID != name {
		return "", nil, nil, fmt.Errorf("the packument names %q, the URL %q", clip(doc.Name), name)
	}
	if len(doc.Versions) != 1 || len(doc.Attachments) != 1 {
		return "", nil, nil, errors.New("a publish carries exactly one version and one attachment")
	}
	var raw json.RawMessage
	for v, m := range doc.Versions { // the only one
		version, raw = v, m
	}
	if !versionRE.MatchString(version) || len(version) > 256 {
		return "", nil, nil, fmt.Errorf("invalid version %q", clip(version))
	}
	if len(doc.DistTags) == 0 {
		return "", nil, nil, errors.New("no dist-tag")
	}
	for tag, v := range doc.DistTags {
		if v != version || !tagRE.MatchString(tag) {
			return "", nil, nil, fmt.Errorf("dist-tag %q must be a tag name for %s", clip(tag), version)
		}
	}
	var m struct {
		Name, Version string
		Dist          struct{ Integrity, Shasum string }
	}
	if err := json.Unmarshal(raw, &m); err != nil || json.Unmarshal(raw, &manifest) != nil {
		return "", nil, nil, errors.New("the version's manifest is not a JSON object")
	}
	if m.Name != name || m.Version != version {
		return "", nil, nil, fmt.Errorf("the manifest names %q@%q", clip(m.Name), clip(m.Version))
	}
	att, ok := doc.Attachments[name+"-"+version+".tgz"]
	if !ok {
		return "", nil, nil, fmt.Errorf("the attachment must be %s-%s.tgz", name, version)
	}
	tgz, err = base64.StdEncoding.DecodeString(att.Data)
	if err != nil || len(tgz) == 0 || att.Length != nil && *att.Length != len(tgz) {
		return "", nil, nil, errors.New("the attachment's data is not the base64 of its length in bytes")
	}
	if err := checkDigests(tgz, m.Dist.Integrity, m.Dist.Shasum); err != nil {
		return "", nil, nil, err
	}
	if n, v, err := packageJSON(tgz); err != nil {
		return "", nil, nil, err
	} else if n != name || v != version {
		return "", nil, nil, fmt.Errorf("the tarball's package.json names %q@%q", clip(n), clip(v))
	}
	return version, manifest, tgz, nil
}

// checkDigests checks dist.integrity, which must hold sha512 digests only
// (npm sends one), and dist.shasum, the legacy sha1, when present.
func checkDigests(tgz []byte, integrity, shasum string) error {
	sum := sha512.Sum512(tgz)
	want := "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
	fields := strings.Fields(integrity)
	if len(fields) == 0 {
		return errors.New("dist.integrity is required")
	}
	for _, f := range fields {
		if f != want {
			return errors.New("dist.integrity does not match the tarball")
		}
	}
	if shasum != "" {
		s := sha1.Sum(tgz)
		if !strings.EqualFold(shasum, hex.EncodeToString(s[:])) {
			return errors.New("dist.shasum does not match the tarball")
		}
	}
	return nil
}

// clip bounds a client's value quoted in a message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func (g *Registry) store(name, version string, tags map[string]string, manifest map[string]any, tgz []byte) error {
	now := g.cfg.Now().UTC()
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.pkgs[name]
	if !ok {
		p = &pkg{tags: map[string]string{}, versions: map[string]map[string]any{},
			tarballs: map[string][]byte{}, times: map[string]time.Time{"created": now}}
		g.pkgs[name] = p
	}
	if _, dup := p.versions[version]; dup {
		return fmt.Errorf("cannot publish over the previously published version %s", version)
	}
	for t, v := range tags {
		p.tags[t] = v
	}
	p.versions[version], p.tarballs[version] = manifest, tgz
	p.times[version], p.times["modified"] = now, now
	return nil
}

func (g *Registry) packument(w http.ResponseWriter, r *http.Request, name string) {
	base := g.cfg.URL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	g.mu.Lock()
	p, ok := g.pkgs[name]
	var body []byte
	var err error
	if ok {
		body, err = json.Marshal(p.document(name, base))
	}
	g.mu.Unlock()
	switch {
	case !ok:
		fail(w, http.StatusNotFound, "not found")
	case err != nil:
		fail(w, http.StatusInternalServerError, "internal error")
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}
}

// document is the packument; tarball URLs point at this registry.
func (p *pkg) document(name, base string) map[string]any {
	versions := make(map[string]any, len(p.versions))
	for v, m := range p.versions {
		mc := make(map[string]any, len(m))
		for k, x := range m {
			mc[k] = x
		}
		dist, _ := m["dist"].(map[string]any)
		dc := map[string]any{}
		for k, x := range dist {
			dc[k] = x
		}
		dc["tarball"] = base + "/" + name + "/-/" + tarballFile(name, v)
		mc["dist"] = dc
		versions[v] = mc
	}
	times := make(map[string]string, len(p.times))
	for k, t := range p.times {
		times[k] = t.Format(time.RFC3339Nano)
	}
	return map[string]any{"_id": name, "name": name, "dist-tags": p.tags, "versions": versions, "time": times}
}

// tarballFile is a version's tarball file name, without the scope, as the
// npm registry names it.
func tarballFile(name, version string) string {
	if i := strings.IndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return name + "-" + version + ".tgz"
}

func (g *Registry) tarball(w http.ResponseWriter, name, file string) {
	g.mu.Lock()
	var tgz []byte
	if p, ok := g.pkgs[name]; ok {
		for v, b := range p.tarballs {
			if tarballFile(name, v) == file {
				tgz = b
				break
			}
		}
	}
	g.mu.Unlock()
	if tgz == nil {
		fail(w, http.StatusNotFound, "not found")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(tgz)
}
