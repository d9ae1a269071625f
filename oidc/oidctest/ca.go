package oidctest

import (
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
)

// CACertPEM is the issuer's TLS certificate, PEM-encoded: the trust anchor
// for clients that are not Go, through NODE_EXTRA_CA_CERTS (node, npm),
// REQUESTS_CA_BUNDLE (Python requests), SSL_CERT_FILE or curl --cacert. The
// certificate is self-signed and valid for 127.0.0.1, ::1, example.com and
// *.example.com, not for "localhost": clients must use the issuer's URL as
// given.
//
// Servers started by NewTLSServer use the same certificate, so one file
// trusts the issuer and them. (It is net/http/httptest's test certificate,
// which every httptest TLS server of the process shares today; CertPEM gives
// any server's.)
func (i *Issuer) CACertPEM() []byte { return CertPEM(i.srv) }

// NewTLSServer starts an httptest server for h with the issuer's TLS
// certificate, e.g. a registry or a CI runner endpoint under test, which
// clients then trust through CACertPEM alone. The caller closes it.
func (i *Issuer) NewTLSServer(h http.Handler) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: i.srv.TLS.Certificates[:1]}
	s.StartTLS()
	return s
}

// WriteCAFile writes CACertPEM to a new file in dir (e.g. t.TempDir()) and
// returns its path, for NODE_EXTRA_CA_CERTS and the like.
func (i *Issuer) WriteCAFile(dir string) (string, error) {
	f, err := os.CreateTemp(dir, "oidctest-ca-*.pem")
	if err != nil {
		return "", fmt.Errorf("oidctest: CA file: %w", err)
	}
	_, err = f.Write(i.CACertPEM())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("oidctest: CA file: %w", err)
	}
	return f.Name(), nil
}

// CertPEM returns the PEM encoding of an httptest TLS server's certificate,
// or nil when s does not serve TLS.
func CertPEM(s *httptest.Server) []byte {
	c := s.Certificate()
	if c == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}
