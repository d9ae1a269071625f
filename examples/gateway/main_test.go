package main

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/internal/curltest"
)

// The commands the example prints work as printed: bash and curl run them
// against the running gateway.
func TestPrintedCommands(t *testing.T) {
	var log bytes.Buffer
	d, err := start(slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var out strings.Builder
	d.printCommands(&out)
	_, script, ok := strings.Cut(out.String(), shellHeader)
	if !ok {
		t.Fatalf("no commands printed:\n%s", out.String())
	}
	got := curltest.Run(t, script)

	statuses := regexp.MustCompile(`(?m)^HTTP/1\.1 (\d+)`).FindAllStringSubmatch(got, -1)
	var codes []string
	for _, s := range statuses {
		codes = append(codes, s[1])
	}
	if diff := cmp.Diff([]string{"200", "401", "403", "401"}, codes); diff != "" {
		t.Errorf("statuses (-want +got):\n%s\noutput:\n%s", diff, got)
	}
	for _, want := range []string{
		`upload accepted from provider="github" issuer="` + d.iss.URL() + `" repository="octo-org/hello"`,
		`workflow=".github/workflows/release.yml" ref="refs/tags/v1.0.0"`,
		`as publisher release`,
		`Www-Authenticate: Bearer error="invalid_token", error_description="The token has already been used; request a new one."`,
		`Www-Authenticate: Bearer error="insufficient_scope"`,
		"Www-Authenticate: Bearer\r\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the output lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(log.String(), "gateway: accepted") != 1 || strings.Contains(log.String(), "eyJ") {
		t.Errorf("want one accept and no token in the log:\n%s", log.String())
	}
}
