package npmreg_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/trustpub/trustpub/examples/registry/npmreg"
)

// A registry mounts npmreg at its root, beside npm's registry-wide
// endpoints (the trusted publishing exchange), and decides who may publish
// which package: here, tokens it minted, each for one package.
func ExampleNew() {
	minted := map[string]string{"npm_tok_1": "hello"} // token -> package
	reg, err := npmreg.New(npmreg.Config{
		Authorize: func(r *http.Request, pkg string) error {
			tok := npmreg.BearerToken(r)
			switch p, ok := minted[tok]; {
			case tok == "" || !ok:
				return npmreg.ErrUnauthenticated
			case p != pkg:
				return fmt.Errorf("this token publishes %s only", p)
			}
			return nil
		},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/-/npm/v1/oidc/token/exchange/package/", http.NotFoundHandler()) // the exchange goes here
	mux.Handle("/", reg)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/other", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer npm_tok_1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("PUT /other:", resp.Status)

	resp, err = http.Get(srv.URL + "/hello")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("GET /hello:", resp.Status)
	// Output:
	// PUT /other: 403 Forbidden
	// GET /hello: 404 Not Found
}
