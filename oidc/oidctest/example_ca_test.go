package oidctest_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/trustpub/trustpub/oidc/oidctest"
)

// A client that is not Go, run by a test, trusts the kit's HTTPS through a
// CA file: NODE_EXTRA_CA_CERTS for node and npm, REQUESTS_CA_BUNDLE for
// Python, SSL_CERT_FILE or curl --cacert for others. A registry under test
// started with NewTLSServer is trusted through the same file.
func ExampleIssuer_WriteCAFile() {
	kit, err := oidctest.NewIssuer(oidctest.Options{})
	if err != nil {
		panic(err)
	}
	defer kit.Close()
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	path, err := kit.WriteCAFile(dir)
	if err != nil {
		panic(err)
	}
	env := []string{"NODE_EXTRA_CA_CERTS=" + path, "REQUESTS_CA_BUNDLE=" + path}
	pem, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(env), "variables;", strings.SplitN(string(pem), "\n", 2)[0])
	// Output: 2 variables; -----BEGIN CERTIFICATE-----
}
