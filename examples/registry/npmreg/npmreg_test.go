package npmreg_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/examples/registry/npmreg"
)

// tgz builds a package tarball of files, in order: path, contents, ….
func tgz(t *testing.T, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for i := 0; i+1 < len(files); i += 2 {
		body := files[i+1]
		if err := tw.WriteHeader(&tar.Header{Name: files[i], Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

func pkgJSON(name, version string) string {
	return fmt.Sprintf(`{"name":%q,"version":%q}`, name, version)
}

// publishDoc is what `npm publish` PUTs for name at version with the
// tarball data, digests and all.
func publishDoc(name, version string, data []byte) map[string]any {
	s512, s1 := sha512.Sum512(data), sha1.Sum(data)
	return map[string]any{
		"_id": name, "name": name, "description": "d", "access": nil,
		"dist-tags": map[string]any{"latest": version},
		"versions": map[string]any{version: map[string]any{
			"name": name, "version": version, "_id": name + "@" + version,
			"dist": map[string]any{
				"integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
				"shasum":    hex.EncodeToString(s1[:]),
				"tarball":   "http://example.com/" + name + "/-/" + name + "-" + version + ".tgz",
			},
		}},
		"_attachments": map[string]any{name + "-" + version + ".tgz": map[string]any{
			"content_type": "application/octet-stream", "data": base64.StdEncoding.EncodeToString(data), "length": len(data),
		}},
	}
}

func validDoc(t *testing.T, name, version string) map[string]any {
	return publishDoc(name, version, tgz(t, "package/package.json", pkgJSON(name, version), "package/index.js", "1"))
}

// version and dist reach into a publish document.
func version(doc map[string]any) map[string]any {
	for _, v := range doc["versions"].(map[string]any) {
		return v.(map[string]any)
	}
	return nil
}
func dist(doc map[string]any) map[string]any { return version(doc)["dist"].(map[string]any) }
func attachment(doc map[string]any) map[string]any {
	for _, a := range doc["_attachments"].(map[string]any) {
		return a.(map[string]any)
	}
	return nil
}

const token = "registry-token"

// authorizer accepts Bearer token and records what it was asked.
type authorizer struct {
	mu    sync.Mutex
	asked []string
}

func (a *authorizer) authorize(r *http.Request, pkg string) error {
	a.mu.Lock()
	a.asked = append(a.asked, pkg)
	a.mu.Unlock()
	switch tok := npmreg.BearerToken(r); {
	case tok == "":
		return fmt.Errorf("log in: %w", npmreg.ErrUnauthenticated)
	case tok != token:
		return errors.New("this token may not publish " + pkg)
	}
	return nil
}

func newRegistry(t *testing.T, cfg npmreg.Config) (*npmreg.Registry, *httptest.Server, *authorizer) {
	t.Helper()
	a := &authorizer{}
	if cfg.Authorize == nil {
		cfg.Authorize = a.authorize
	}
	reg, err := npmreg.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	return reg, srv, a
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func request(t *testing.T, method, url string, body any, hdr ...string) response {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func put(t *testing.T, url string, body any) response {
	t.Helper()
	return request(t, http.MethodPut, url, body, "Content-Type", "application/json", "Authorization", "Bearer "+token)
}

func TestPublishAndRead(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	reg, srv, auth := newRegistry(t, npmreg.Config{Now: func() time.Time { return now }})
	for _, name := range []string{"hello", "@octo/hello"} {
		doc := validDoc(t, name, "1.0.0")
		escaped := strings.Replace(name, "/", "%2f", 1)
		if r := put(t, srv.URL+"/"+escaped, doc); r.status != http.StatusCreated {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
		want, _ := base64.StdEncoding.DecodeString(attachment(doc)["data"].(string))
		if got, ok := reg.Tarball(name, "1.0.0"); !ok || !bytes.Equal(got, want) {
			t.Errorf("%s: Tarball %v", name, ok)
		}
		// The packument, by the escaped and the plain path.
		for _, path := range []string{escaped, name} {
			r := request(t, http.MethodGet, srv.URL+"/"+path, nil)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("GET %s: %d %s", path, r.status, r.body)
			}
			var got struct {
				Name     string            `json:"name"`
				DistTags map[string]string `json:"dist-tags"`
				Versions map[string]struct {
					Name string `json:"name"`
					Dist struct{ Integrity, Shasum, Tarball string }
				} `json:"versions"`
				Time map[string]string `json:"time"`
			}
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			v := got.Versions["1.0.0"]
			file := name[strings.LastIndex(name, "/")+1:] + "-1.0.0.tgz"
			if got.Name != name || got.DistTags["latest"] != "1.0.0" || v.Name != name ||
				v.Dist.Integrity != dist(doc)["integrity"] || v.Dist.Shasum != dist(doc)["shasum"] ||
				v.Dist.Tarball != srv.URL+"/"+name+"/-/"+file || got.Time["1.0.0"] != "2026-03-01T12:00:00Z" {
				t.Errorf("GET %s: %s", path, r.body)
			}
			// The tarball, where the packument says.
			tr := request(t, http.MethodGet, v.Dist.Tarball, nil)
			if tr.status != http.StatusOK || !bytes.Equal(tr.body, want) {
				t.Errorf("GET %s: %d", v.Dist.Tarball, tr.status)
			}
		}
	}
	// A second version moves latest; the first stays.
	if r := put(t, srv.URL+"/hello", validDoc(t, "hello", "1.1.0")); r.status != http.StatusCreated {
		t.Fatalf("1.1.0: %d %s", r.status, r.body)
	}
	var p struct {
		DistTags map[string]string         `json:"dist-tags"`
		Versions map[string]map[string]any `json:"versions"`
	}
	json.Unmarshal(request(t, http.MethodGet, srv.URL+"/hello", nil).body, &p)
	if p.DistTags["latest"] != "1.1.0" || len(p.Versions) != 2 {
		t.Errorf("after 1.1.0: %v, %d versions", p.DistTags, len(p.Versions))
	}
	// Authorize saw each package's name unescaped.
	if diff := cmp.Diff([]string{"hello", "@octo/hello", "hello"}, auth.asked); diff != "" {
		t.Errorf("Authorize asked (-want +got):\n%s", diff)
	}
	// Republishing a version is refused, whoever asks.
	if r := put(t, srv.URL+"/hello", validDoc(t, "hello", "1.0.0")); r.status != http.StatusForbidden {
		t.Errorf("republish: %d %s", r.status, r.body)
	}
}

func TestPublishRefused(t *testing.T) {
	other := tgz(t, "package/package.json", pkgJSON("other", "1.0.0"))
	tests := []struct {
		name string
		path string // default /hello
		edit func(doc map[string]any) any
		want int
	}{
		{"URL names another package", "/other", nil, 400},
		{"scoped URL, unscoped packument", "/@octo%2fhello", nil, 400},
		{"_id differs", "", func(d map[string]any) any { d["_id"] = "other"; return d }, 400},
		{"manifest names another package", "", func(d map[string]any) any { version(d)["name"] = "other"; return d }, 400},
		{"manifest names another version", "", func(d map[string]any) any { version(d)["version"] = "2.0.0"; return d }, 400},
		{"integrity of other data", "", func(d map[string]any) any {
			dist(d)["integrity"] = publishDoc("hello", "1.0.0", other)["versions"].(map[string]any)["1.0.0"].(map[string]any)["dist"].(map[string]any)["integrity"]
			return d
		}, 400},
		{"integrity missing", "", func(d map[string]any) any { delete(dist(d), "integrity"); return d }, 400},
		{"integrity sha1 only", "", func(d map[string]any) any {
			dist(d)["integrity"] = "sha1-" + base64.StdEncoding.EncodeToString(make([]byte, 20))
			return d
		}, 400},
		{"a second, wrong sha512", "", func(d map[string]any) any {
			dist(d)["integrity"] = dist(d)["integrity"].(string) + " sha512-" + base64.StdEncoding.EncodeToString(make([]byte, 64))
			return d
		}, 400},
		{"shasum differs", "", func(d map[string]any) any { dist(d)["shasum"] = strings.Repeat("0", 40); return d }, 400},
		{"attachment misnamed", "", func(d map[string]any) any {
			d["_attachments"] = map[string]any{"hello.tgz": attachment(d)}
			return d
		}, 400},
		{"two attachments", "", func(d map[string]any) any {
			d["_attachments"].(map[string]any)["hello-1.0.0.sigstore"] = map[string]any{"data": "e30="}
			return d
		}, 400},
		{"two versions", "", func(d map[string]any) any {
			d["versions"].(map[string]any)["2.0.0"] = version(d)
			return d
		}, 400},
		{"no version", "", func(d map[string]any) any { d["versions"] = map[string]any{}; return d }, 400},
		{"invalid version", "", func(d map[string]any) any {
			d2 := validDoc(t, "hello", "1.0")
			return d2
		}, 400},
		{"dist-tag for another version", "", func(d map[string]any) any {
			d["dist-tags"] = map[string]any{"latest": "0.9.0"}
			return d
		}, 400},
		{"no dist-tag", "", func(d map[string]any) any { d["dist-tags"] = map[string]any{}; return d }, 400},
		{"data not base64", "", func(d map[string]any) any { attachment(d)["data"] = "!!"; return d }, 400},
		{"length differs", "", func(d map[string]any) any { attachment(d)["length"] = 1; return d }, 400},
		{"tarball of another package", "", func(map[string]any) any { return publishDoc("hello", "1.0.0", other) }, 400},
		{"tarball of another version", "", func(map[string]any) any {
			return publishDoc("hello", "1.0.0", tgz(t, "package/package.json", pkgJSON("hello", "9.9.9")))
		}, 400},
		{"tarball without package.json", "", func(map[string]any) any {
			return publishDoc("hello", "1.0.0", tgz(t, "package/index.js", "1"))
		}, 400},
		{"tarball with two package.json", "", func(map[string]any) any {
			return publishDoc("hello", "1.0.0", tgz(t, "package/package.json", pkgJSON("hello", "1.0.0"),
				"other/package.json", pkgJSON("evil", "1.0.0")))
		}, 400},
		{"tarball not gzip", "", func(map[string]any) any { return publishDoc("hello", "1.0.0", []byte("plain")) }, 400},
		{"not JSON", "", func(map[string]any) any { return []byte("{") }, 400},
		{"JSON array", "", func(map[string]any) any { return []any{} }, 400},
		{"trailing data", "", func(d map[string]any) any {
			b, _ := json.Marshal(d)
			return append(b, " {}"...)
		}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, srv, _ := newRegistry(t, npmreg.Config{})
			path := tt.path
			if path == "" {
				path = "/hello"
			}
			var body any = validDoc(t, "hello", "1.0.0")
			if tt.edit != nil {
				body = tt.edit(body.(map[string]any))
			}
			r := put(t, srv.URL+path, body)
			var msg map[string]string
			if r.status != tt.want || json.Unmarshal(r.body, &msg) != nil || msg["error"] == "" {
				t.Errorf("%d %s, want %d with an error", r.status, r.body, tt.want)
			}
			for _, n := range []string{"hello", "other", "@octo/hello"} {
				if _, ok := reg.Tarball(n, "1.0.0"); ok {
					t.Errorf("%s was stored", n)
				}
			}
		})
	}
}

func TestPublishAuthorization(t *testing.T) {
	reg, srv, auth := newRegistry(t, npmreg.Config{MaxBody: 1 << 10})
	doc := validDoc(t, "hello", "1.0.0")
	big := []byte(`{"name":"hello","description":"` + strings.Repeat("x", 4<<10) + `"}`)
	tests := []struct {
		name   string
		body   any
		hdr    []string
		want   int
		header string
	}{
		{"no credential", doc, []string{"Content-Type", "application/json"}, 401, "WWW-Authenticate"},
		{"another token", doc, []string{"Content-Type", "application/json", "Authorization", "Bearer other"}, 403, ""},
		{"basic", doc, []string{"Content-Type", "application/json", "Authorization", "Basic " + token}, 401, ""},
		// Refused before the body is read: an anonymous client cannot
		// make the registry read megabytes.
		{"no credential, large body", big, []string{"Content-Type", "application/json"}, 401, ""},
		{"too large", big, []string{"Content-Type", "application/json", "Authorization", "Bearer " + token}, 413, ""},
		{"not JSON", doc, []string{"Content-Type", "text/plain", "Authorization", "Bearer " + token}, 415, ""},
		{"no content type", doc, []string{"Authorization", "Bearer " + token}, 415, ""},
	}
	for _, tt := range tests {
		r := request(t, http.MethodPut, srv.URL+"/hello", tt.body, tt.hdr...)
		if r.status != tt.want || tt.header != "" && r.header.Get(tt.header) == "" {
			t.Errorf("%s: %d %v %s, want %d", tt.name, r.status, r.header, r.body, tt.want)
		}
	}
	if r := request(t, http.MethodPut, srv.URL+"/hello", doc, "Content-Type", "application/json", "Authorization", "Bearer other"); !strings.Contains(string(r.body), "this token may not publish hello") {
		t.Errorf("the authorizer's message is not the client's: %s", r.body)
	}
	if _, ok := reg.Tarball("hello", "1.0.0"); ok {
		t.Error("a refused publish was stored")
	}
	if len(auth.asked) != 6 {
		t.Errorf("Authorize asked %d times: %v", len(auth.asked), auth.asked)
	}
}

func TestRoutes(t *testing.T) {
	_, srv, _ := newRegistry(t, npmreg.Config{})
	if r := put(t, srv.URL+"/hello", validDoc(t, "hello", "1.0.0")); r.status != http.StatusCreated {
		t.Fatal(r.status, string(r.body))
	}
	tests := []struct {
		method, path string
		want         int
		allow        string
	}{
		{"GET", "/hello", 200, ""},
		{"HEAD", "/hello", 200, ""},
		{"GET", "/hello/-/hello-1.0.0.tgz", 200, ""},
		{"GET", "/hello/-/hello-2.0.0.tgz", 404, ""},
		{"GET", "/hello/-/other-1.0.0.tgz", 404, ""},
		{"GET", "/missing", 404, ""},
		{"GET", "/missing/-/missing-1.0.0.tgz", 404, ""},
		{"DELETE", "/hello", 405, "GET, HEAD, PUT"},
		{"POST", "/hello", 405, "GET, HEAD, PUT"},
		{"PUT", "/hello/-/hello-1.0.0.tgz", 405, "GET, HEAD"},
		{"GET", "/", 404, ""},
		{"GET", "/-/whoami", 404, ""},
		{"POST", "/-/npm/v1/oidc/token/exchange/package/hello", 404, ""},
		{"GET", "/Hello", 404, ""},
		{"GET", "/@octo", 404, ""},
		{"GET", "/hello/extra", 404, ""},
		{"GET", "/hello/-/", 404, ""},
		{"GET", "/hello/-/a/b.tgz", 404, ""},
		{"GET", "/.hello", 404, ""},
		{"GET", "/" + strings.Repeat("a", 215), 404, ""},
	}
	for _, tt := range tests {
		r := request(t, tt.method, srv.URL+tt.path, nil)
		if r.status != tt.want || r.header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d (Allow %q), want %d (Allow %q)", tt.method, tt.path, r.status, r.header.Get("Allow"), tt.want, tt.allow)
		}
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"hello": true, "@octo/hello": true, "a.b_c-d~e": true, "-x": true, "~x": true,
		"": false, "Hello": false, ".hello": false, "_hello": false, "@octo": false, "@octo/": false,
		"@/hello": false, "a/b": false, "@a/b/c": false, "a b": false, "a%2fb": false,
		strings.Repeat("a", 214): true, strings.Repeat("a", 215): false,
	} {
		if got := npmreg.ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v", name, got)
		}
	}
}

func TestNewNeedsAuthorize(t *testing.T) {
	if _, err := npmreg.New(npmreg.Config{}); err == nil {
		t.Error("a registry without Authorize was built")
	}
}

func TestConfigURL(t *testing.T) {
	_, srv, _ := newRegistry(t, npmreg.Config{URL: "https://registry.example.com/"})
	put(t, srv.URL+"/hello", validDoc(t, "hello", "1.0.0"))
	r := request(t, http.MethodGet, srv.URL+"/hello", nil)
	if !strings.Contains(string(r.body), `"tarball":"https://registry.example.com/hello/-/hello-1.0.0.tgz"`) {
		t.Errorf("tarball URL not from Config.URL: %s", r.body)
	}
}
