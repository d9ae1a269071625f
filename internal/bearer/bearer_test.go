package bearer

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/trustpub/trustpub/oidc"
)

func TestToken(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"
	tests := []struct {
		name    string
		headers []string
		want    string
		err     error
	}{
		{"bearer", []string{"Bearer " + jwt}, jwt, nil},
		{"scheme in any case", []string{"bEaReR " + jwt}, jwt, nil},
		{"spaces around", []string{"  Bearer   " + jwt + " "}, jwt, nil},
		{"b64token padding", []string{"Bearer abc+/~_-.=="}, "abc+/~_-.==", nil},
		{"none", nil, "", ErrMissing},
		{"another scheme", []string{"Basic dXNlcjpwYXNz"}, "", ErrMissing},
		{"scheme alone", []string{"Bearer"}, "", oidc.ErrMalformed},
		{"a scheme that begins with Bearer", []string{"Bearerx " + jwt}, "", ErrMissing},
		{"repeated", []string{"Bearer " + jwt, "Bearer " + jwt}, "", ErrRepeated},
		{"repeated, one empty", []string{"Bearer " + jwt, ""}, "", ErrRepeated},
		{"two tokens in one header", []string{"Bearer abc, Bearer abc"}, "", oidc.ErrMalformed},
		{"padding only", []string{"Bearer =="}, "", oidc.ErrMalformed},
		{"padding inside", []string{"Bearer ab=c"}, "", oidc.ErrMalformed},
		{"line break", []string{"Bearer ab\ncd"}, "", oidc.ErrMalformed},
		{"non-ASCII", []string{"Bearer abé"}, "", oidc.ErrMalformed},
		{"quoted", []string{`Bearer "abc"`}, "", oidc.ErrMalformed},
		{"too large", []string{"Bearer " + strings.Repeat("a", 65)}, "", oidc.ErrTooLarge},
		{"too large and malformed", []string{"Bearer " + strings.Repeat("\n", 65)}, "", oidc.ErrTooLarge},
		{"at the cap", []string{"Bearer " + strings.Repeat("a", 64)}, strings.Repeat("a", 64), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.headers {
				h.Add("Authorization", v)
			}
			got, err := Token(h, 64)
			if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Errorf("Token = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
			if err != nil && len(tt.headers) > 0 && strings.Contains(err.Error(), strings.TrimSpace(tt.headers[0])) {
				t.Errorf("the error quotes the header: %v", err)
			}
		})
	}
}
