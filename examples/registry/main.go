// Command registry is a package registry with trusted publishing, in
// memory: PyPI's token exchange, npm's, and enough of npm's registry for
// `npm publish` and `npm install`. Uploads need an upload token the
// registry minted for the package, and CI jobs of the registered publisher
// get one by trading their OIDC token. It runs on loopback with the local
// test issuer playing GitHub Actions, and prints commands that exercise
// it: curl for PyPI's flow, npm 11.5.1 or later for npm's.
//
//	go run ./examples/registry
//
// The registry's trusted-publishing code is trustedpub.go; registry.go
// holds its mint function and publisher rows; this file is the demo.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/trustpub/trustpub/examples/registry/npmreg"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

const (
	// audience is the registry's PyPI audience, served at /_/oidc/audience.
	audience = "example-registry"
	// host is the registry's host name: npm asks CI providers for tokens
	// of audience npm:<host>. The test issuer's certificate is valid for
	// 127.0.0.1, not localhost.
	host = "127.0.0.1"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := start(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "registry:", err)
		os.Exit(1)
	}
	defer d.Close()
	d.printCommands(os.Stdout)
	<-ctx.Done()
}

// demo is the registry on loopback, the test issuer, a GitHub Actions
// runner endpoint of octo-org/hello's release.yml, and a directory holding
// the CA file and a package to publish.
type demo struct {
	iss    *providertest.Issuer
	reg    *registry
	v      *publisher.Verifier
	srv    *httptest.Server
	runner *providertest.Runner
	dir    string
}

func start(log *slog.Logger) (d *demo, err error) {
	d = &demo{reg: newRegistry(log)}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if d.iss, err = providertest.NewIssuer(oidctest.Options{Audience: audience}); err != nil {
		return nil, err
	}
	store, err := publisher.NewMemoryStore(publishers(d.iss.URL())...)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	d.v, err = d.reg.mountTrustedPublishing(mux, publisher.Config{Audience: audience,
		Providers: []providers.Provider{d.iss.GitHub()}, Publishers: store, HTTPClient: d.iss.Client()}, host)
	if err != nil {
		return nil, err
	}
	npm, err := npmreg.New(npmreg.Config{Authorize: d.reg.authorize})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", npm)
	d.srv = d.iss.NewTLSServer(mux)
	d.runner = d.iss.NewActionsRunner(providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0"))
	if d.dir, err = os.MkdirTemp("", "trustpub-registry-"); err != nil {
		return nil, err
	}
	if err := os.WriteFile(d.caFile(), d.iss.CACertPEM(), 0o644); err != nil {
		return nil, err
	}
	return d, writePackage(d.packageDir(), "hello", "1.0.0")
}

func (d *demo) caFile() string     { return filepath.Join(d.dir, "ca.pem") }
func (d *demo) packageDir() string { return filepath.Join(d.dir, "hello") }

// writePackage writes a package of name at version into dir.
func writePackage(dir, name, version string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	manifest := fmt.Sprintf("{\n  \"name\": %q,\n  \"version\": %q,\n  \"main\": \"index.js\",\n  \"license\": \"MIT\"\n}\n", name, version)
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(manifest), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.js"), []byte("module.exports = 'hello'\n"), 0o644)
}

// Close stops everything and removes the directory.
func (d *demo) Close() {
	if d.runner != nil {
		d.runner.Close()
	}
	if d.srv != nil {
		d.srv.Close()
	}
	if d.v != nil {
		d.v.Close()
	}
	if d.iss != nil {
		d.iss.Close()
	}
	if d.dir != "" {
		os.RemoveAll(d.dir)
	}
}

// shellHeader ends the introduction; what follows is a script.
const shellHeader = "Ctrl-C stops it. In another shell:\n\n"

func (d *demo) printCommands(w io.Writer) {
	url := d.srv.URL
	fmt.Fprintf(w, "Registry %s/: PyPI's and npm's trusted publishing token exchanges, npm's publish protocol.\n"+
		"Trusted publisher: octo-org/hello's release.yml (GitHub Actions, played by a local test issuer)\n"+
		"may publish hello and @octo/hello. %s", url, shellHeader)
	mint := fmt.Sprintf("curl -sS --cacert \"$CA\" -H 'Content-Type: application/json' -d \"{\\\"token\\\": \\\"$TOKEN\\\"}\" %s\n", sq(url+"/_/oidc/mint-token"))
	fmt.Fprintf(w, "CA=%s\nRUNNER=%s\nRUNNER_TOKEN=%s\n", sq(d.caFile()), sq(d.runner.RequestURL()), sq(d.runner.RequestToken()))
	fmt.Fprintf(w, "# PyPI's flow, as pypa/gh-action-pypi-publish runs it in a job: the registry's audience,\n")
	fmt.Fprintf(w, "curl -sS --cacert \"$CA\" %s\n", sq(url+"/_/oidc/audience"))
	fmt.Fprintf(w, "# a CI token for it from the job's runner, and the exchange: an upload token for 15 minutes\n")
	fmt.Fprintf(w, "TOKEN=$(curl -sS --cacert \"$CA\" -H \"Authorization: Bearer $RUNNER_TOKEN\" \"$RUNNER&audience=%s\" | sed -E 's/.*\"value\":\"([^\"]+)\".*/\\1/')\n", audience)
	fmt.Fprintf(w, "%s# the same CI token again: refused, CI tokens are one-time\n%s", mint, mint)
	fmt.Fprintf(w, "# npm's flow: npm publish (npm 11.5.1 or later) in the job, with no npm token anywhere\n")
	fmt.Fprintf(w, "# (node trusts the runner through NODE_EXTRA_CA_CERTS, npm the registry through --cafile)\n")
	fmt.Fprintf(w, "(cd %s && GITHUB_ACTIONS=true CI=true ACTIONS_ID_TOKEN_REQUEST_URL=\"$RUNNER\" ACTIONS_ID_TOKEN_REQUEST_TOKEN=\"$RUNNER_TOKEN\" \\\n"+
		"  NODE_EXTRA_CA_CERTS=\"$CA\" npm publish --registry %s --cafile \"$CA\" --provenance=false)\n", sq(d.packageDir()), sq(url+"/"))
	fmt.Fprintf(w, "# what npm install reads\ncurl -sS --cacert \"$CA\" %s; echo\n", sq(url+"/hello"))
}

// sq quotes s for a POSIX shell.
func sq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
