package oidctest_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/trustpub/trustpub/oidc/oidctest"
)

// clientTrusting is a client whose only trust anchors are the PEM's
// certificates, as NODE_EXTRA_CA_CERTS or REQUESTS_CA_BUNDLE would give.
func clientTrusting(t *testing.T, pemBytes []byte) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("no certificate in %q", pemBytes)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func TestCACertPEM(t *testing.T) {
	kit := oidctest.New(t, oidctest.Options{})
	pemBytes := kit.CACertPEM()
	block, rest := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("not one PEM certificate: %q", pemBytes)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	// The names the documentation promises, and the one it warns about.
	for _, host := range []string{"127.0.0.1", "::1", "example.com", "registry.example.com"} {
		if err := cert.VerifyHostname(host); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	if err := cert.VerifyHostname("localhost"); err == nil {
		t.Error("the certificate is valid for localhost; update CACertPEM's documentation")
	}

	resp, err := clientTrusting(t, pemBytes).Get(kit.URL() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("a client trusting only CACertPEM: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("discovery: %s", resp.Status)
	}
	// Without it, the same request fails: the PEM is what makes it work
	// (on a server of its own, whose log takes the handshake error).
	quiet := httptest.NewUnstartedServer(http.NotFoundHandler())
	quiet.Config.ErrorLog = log.New(io.Discard, "", 0)
	quiet.StartTLS()
	defer quiet.Close()
	empty := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	if resp, err := empty.Get(quiet.URL); err == nil {
		resp.Body.Close()
		t.Error("a client trusting nothing reached the server")
	}
}

// A registry under test served by NewTLSServer is trusted through the same
// file as the issuer; CertPEM gives any other server's certificate.
func TestNewTLSServer(t *testing.T) {
	kit := oidctest.New(t, oidctest.Options{})
	reg := kit.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("registry"))
	}))
	defer reg.Close()
	if !bytes.Equal(oidctest.CertPEM(reg), kit.CACertPEM()) {
		t.Errorf("the server's certificate is not the issuer's")
	}
	for _, c := range []*http.Client{clientTrusting(t, kit.CACertPEM()), reg.Client()} {
		resp, err := c.Get(reg.URL)
		if err != nil {
			t.Fatalf("registry: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "registry" {
			t.Errorf("body %q", body)
		}
	}

	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	if p := oidctest.CertPEM(plain); p != nil {
		t.Errorf("CertPEM of a plain HTTP server: %q", p)
	}
}

func TestWriteCAFile(t *testing.T) {
	kit := oidctest.New(t, oidctest.Options{})
	dir := t.TempDir()
	p1, err := kit.WriteCAFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := kit.WriteCAFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p1 == p2 || filepath.Dir(p1) != dir {
		t.Errorf("paths %s and %s in %s", p1, p2, dir)
	}
	got, err := os.ReadFile(p1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, kit.CACertPEM()) {
		t.Errorf("file holds %q", got)
	}
	if _, err := kit.WriteCAFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("WriteCAFile into a missing directory succeeded")
	}
}
