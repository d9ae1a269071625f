package main

import (
	"bufio"
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trustpub/trustpub/examples/registry/npmreg"
	"github.com/trustpub/trustpub/internal/curltest"
	"github.com/trustpub/trustpub/internal/npmtest"
)

func startDemo(t *testing.T) (*demo, *bytes.Buffer) {
	t.Helper()
	var log bytes.Buffer
	d, err := start(slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d, &log
}

// The commands the example prints work as printed: bash runs them, with
// curl and the pinned npm CLI (npm 11) first in PATH.
func TestPrintedCommands(t *testing.T) {
	cli := npmtest.Install(t)
	d, log := startDemo(t)
	var out strings.Builder
	d.printCommands(&out)
	_, script, ok := strings.Cut(out.String(), shellHeader)
	if !ok {
		t.Fatalf("no commands printed:\n%s", out.String())
	}
	got := curltest.Run(t, script, "PATH="+filepath.Join(cli.Dir, "node_modules", ".bin")+":"+os.Getenv("PATH"))

	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\{"audience":"example-registry"\}$`),
		regexp.MustCompile(`(?m)^\{"expires":\d{10},"success":true,"token":"upload_[0-9a-f]{48}"\}$`),
		regexp.MustCompile(`(?m)^\{"errors":\[\{"code":"invalid-reuse-token","description":"The token has already been used; request a new one."\}\],"message":"Token request failed"\}$`),
		regexp.MustCompile(`(?m)^\+ hello@1\.0\.0$`),
		regexp.MustCompile(`"dist-tags":\{"latest":"1\.0\.0"\}`),
	} {
		if !want.MatchString(got) {
			t.Errorf("the output lacks %s:\n%s", want, got)
		}
	}
	// PyPI's flow minted a token for every package of the publisher, npm's
	// for the one it publishes; the log says who, and holds no token.
	logged := log.String()
	for _, want := range []string{
		`msg="trusted publishing exchange: minted" path=/_/oidc/mint-token workload.provider=github`,
		`publishers=[octo-org/hello:release.yml] packages="[@octo/hello hello]"`,
		`msg="trusted publishing exchange: minted" path=/-/npm/v1/oidc/token/exchange/package/hello package=hello`,
		`class=token-reused`,
	} {
		if !strings.Contains(logged, want) {
			t.Errorf("the log lacks %s:\n%s", want, logged)
		}
	}
	if strings.Contains(logged, "upload_") || strings.Contains(logged, "eyJ") {
		t.Errorf("the log holds a token:\n%s", logged)
	}
	if _, ok := npmTarball(t, d, "hello", "1.0.0"); !ok {
		t.Error("hello@1.0.0 is not stored")
	}
}

// npmTarball fetches a published tarball from the demo registry.
func npmTarball(t *testing.T, d *demo, name, version string) ([]byte, bool) {
	t.Helper()
	resp, err := d.srv.Client().Get(d.srv.URL + "/" + name + "/-/" + name + "-" + version + ".tgz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return b.Bytes(), resp.StatusCode == http.StatusOK
}

// Uploads need a token the registry minted for the package, unexpired.
func TestUploadNeedsMintedToken(t *testing.T) {
	d, _ := startDemo(t)
	now := time.Unix(1_900_000_000, 0)
	d.reg.now = func() time.Time { return now }
	tok, exp, err := d.reg.mint(t.Context(), nil, []string{"hello"})
	if err != nil || !exp.Equal(now.Add(15*time.Minute)) {
		t.Fatalf("mint = %v, %v", exp, err)
	}
	put := func(auth string) *http.Request {
		r := httptest.NewRequest(http.MethodPut, "/hello", nil)
		if auth != "" {
			r.Header.Set("Authorization", "Bearer "+auth)
		}
		return r
	}
	if err := d.reg.authorize(put(tok), "hello"); err != nil {
		t.Errorf("the minted token may not publish hello: %v", err)
	}
	if err := d.reg.authorize(put(tok), "@octo/hello"); err == nil || strings.Contains(err.Error(), tok) {
		t.Errorf("a token for hello publishes @octo/hello: %v", err)
	}
	for name, auth := range map[string]string{"none": "", "unknown": "upload_0000", "the CI's": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"} {
		if err := d.reg.authorize(put(auth), "hello"); !isUnauthenticated(err) {
			t.Errorf("%s token: %v", name, err)
		}
	}
	now = exp
	if err := d.reg.authorize(put(tok), "hello"); !isUnauthenticated(err) {
		t.Errorf("an expired token: %v", err)
	}
}

func isUnauthenticated(err error) bool {
	return errors.Is(err, npmreg.ErrUnauthenticated)
}

// The registry's trusted-publishing code, beyond its mint function and
// publisher rows, is under 30 lines: the goal, held by a test.
func TestTrustedPublishingLines(t *testing.T) {
	n := codeLines(t, "trustedpub.go")
	t.Logf("trustedpub.go: %d lines of code", n)
	if n >= 30 {
		t.Errorf("trustedpub.go has %d lines of code, want under 30", n)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("`examples/registry/trustedpub.go`, is\\s+(\\d+) lines of code").FindSubmatch(readme)
	if m == nil || string(m[1]) != strconv.Itoa(n) {
		t.Errorf("the README does not say trustedpub.go is %d lines of code", n)
	}
}

// codeLines counts the lines of file that are code: not blank, not a
// comment, not the package clause or imports.
func codeLines(t *testing.T, file string) int {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	n, inImports := 0, false
	for sc := bufio.NewScanner(bytes.NewReader(src)); sc.Scan(); {
		line := strings.TrimSpace(sc.Text())
		switch {
		case inImports:
			inImports = line != ")"
		case line == "import (":
			inImports = true
		case line == "", strings.HasPrefix(line, "//"), strings.HasPrefix(line, "package "), strings.HasPrefix(line, "import "):
		default:
			n++
		}
	}
	return n
}
