// Command gateway puts trusted publishing in front of an upload service:
// only CI jobs of a registered publisher's workflow get through. It runs on
// loopback with the local test issuer playing GitHub Actions, and prints
// curl commands that exercise it.
//
//	go run ./examples/gateway
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

	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
	"github.com/trustpub/trustpub/publisher/gateway"
)

// audience is what the gateway's tokens must be issued for.
const audience = "example-gateway"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := start(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
	defer d.Close()
	d.printCommands(os.Stdout)
	<-ctx.Done()
}

// handler is the gateway's own code: what a real service writes.
func handler(v *publisher.Verifier, log *slog.Logger) (http.Handler, error) {
	gw, err := gateway.New(gateway.Config{
		Verifier: v,
		Allow:    gateway.Publishers("release"), // the nightly publisher may not upload here
		Logger:   log,
	})
	if err != nil {
		return nil, err
	}
	upload := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := gateway.ResultFrom(r.Context())
		fmt.Fprintf(w, "upload accepted from %s as publisher %s\n", res.Workload(), res.Publishers[0].ID)
	})
	mux := http.NewServeMux()
	mux.Handle("POST /upload", gw.Wrap(upload))
	return mux, nil
}

// demo is the gateway on loopback, the test issuer and a runner endpoint
// per workflow.
type demo struct {
	iss     *providertest.Issuer
	v       *publisher.Verifier
	srv     *httptest.Server
	runners map[string]*providertest.Runner // by workflow file
	dir     string                          // holds the CA file
	ca      string
}

func start(log *slog.Logger) (d *demo, err error) {
	d = &demo{runners: map[string]*providertest.Runner{}}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if d.iss, err = providertest.NewIssuer(oidctest.Options{Audience: audience}); err != nil {
		return nil, err
	}
	policy := func(file string) *publisher.GitHub {
		return &publisher.GitHub{IssuerURL: d.iss.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: file}
	}
	store, err := publisher.NewMemoryStore(
		publisher.Registered{ID: "release", Policy: policy("release.yml")},
		publisher.Registered{ID: "nightly", Policy: policy("nightly.yml")},
	)
	if err != nil {
		return nil, err
	}
	d.v, err = publisher.New(publisher.Config{Audience: audience, Providers: []providers.Provider{d.iss.GitHub()},
		Publishers: store, HTTPClient: d.iss.Client()})
	if err != nil {
		return nil, err
	}
	h, err := handler(d.v, log)
	if err != nil {
		return nil, err
	}
	d.srv = d.iss.NewTLSServer(h)
	for _, file := range []string{"release.yml", "nightly.yml"} {
		d.runners[file] = d.iss.NewActionsRunner(providertest.GitHubWorkflow("octo-org/hello", "9919", file, "refs/tags/v1.0.0"))
	}
	if d.dir, err = os.MkdirTemp("", "trustpub-gateway-"); err != nil {
		return nil, err
	}
	d.ca = filepath.Join(d.dir, "ca.pem")
	return d, os.WriteFile(d.ca, d.iss.CACertPEM(), 0o644)
}

// Close stops everything and removes the CA file.
func (d *demo) Close() {
	for _, r := range d.runners {
		r.Close()
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
const shellHeader = "In another shell (each CI token is one-time: fetch a new one to try again):\n\n"

func (d *demo) printCommands(w io.Writer) {
	upload := d.srv.URL + "/upload"
	fmt.Fprintf(w, "Gateway: POST %s lets through CI tokens of the \"release\" publisher\n"+
		"(octo-org/hello's release.yml). Ctrl-C stops it. %s", upload, shellHeader)
	fmt.Fprintf(w, "CA=%s\n", sq(d.ca))
	fmt.Fprintf(w, "# release.yml's job asks its runner for a token, as GitHub Actions lets it:\n%s\n", d.fetch("release.yml"))
	fmt.Fprintf(w, "# 200: the upload and who made it\ncurl -sS -i --cacert \"$CA\" -H \"Authorization: Bearer $TOKEN\" -d artifact %s\n", sq(upload))
	fmt.Fprintf(w, "# 401 invalid_token: the same token again\ncurl -sS -i --cacert \"$CA\" -H \"Authorization: Bearer $TOKEN\" -d artifact %s\n", sq(upload))
	fmt.Fprintf(w, "# 403 insufficient_scope: nightly.yml is a registered publisher, but not allowed here\n%s\n", d.fetch("nightly.yml"))
	fmt.Fprintf(w, "curl -sS -i --cacert \"$CA\" -H \"Authorization: Bearer $TOKEN\" -d artifact %s\n", sq(upload))
	fmt.Fprintf(w, "# 401: no token\ncurl -sS -i --cacert \"$CA\" -d artifact %s\n", sq(upload))
}

// fetch is the command that sets TOKEN to a token of the runner of file.
func (d *demo) fetch(file string) string {
	r := d.runners[file]
	return fmt.Sprintf("TOKEN=$(curl -sS --cacert \"$CA\" -H %s %s | sed -E 's/.*\"value\":\"([^\"]+)\".*/\\1/')",
		sq("Authorization: Bearer "+r.RequestToken()), sq(r.RequestURL()+"&audience="+audience))
}

// sq quotes s for a POSIX shell.
func sq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
