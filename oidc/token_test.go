package oidc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
)

// claim is one member of a claims set as EachClaim hands it out.
type claim struct{ Name, Value string }

func eachClaim(t *testing.T, tok *oidc.Token) []claim {
	t.Helper()
	var out []claim
	if err := tok.EachClaim(func(name, value string) error {
		out = append(out, claim{name, value})
		return nil
	}); err != nil {
		t.Fatalf("EachClaim: %v", err)
	}
	return out
}

// membersOf reads a JSON object's members in order with encoding/json, a
// reader independent of the one under test: names unescaped, values as
// their exact text.
func membersOf(t *testing.T, js string) []claim {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(js)))
	if tk, err := d.Token(); err != nil || tk != json.Delim('{') {
		t.Fatalf("not an object: %v %v", tk, err)
	}
	var out []claim
	for d.More() {
		name, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, claim{name.(string), string(v)})
	}
	return out
}

// TestEachClaim walks a verified token's claims set: every member in the
// token's order, registered claims included, names unescaped, values as
// their exact JSON text; the same for a Token made by hand from the
// payload; and malformed payloads of hand-made tokens refused.
func TestEachClaim(t *testing.T) {
	env := newKitEnv(t, nil)
	const first = `"a\u0062c":1,"nested":{"x":[1,"y",null]},"s":"t\u00e9\"q","n":null,"f":-1.5e3,"b":true,"e":"",`
	raw := mint(t, env.kit, map[string]any{"sub": "repo:octo/demo:ref:refs/heads/main"},
		oidctest.EditPayload(func(b []byte) []byte { return append([]byte("{"+first), b[1:]...) }))
	tok, err := env.v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := membersOf(t, tok.Payload)
	if len(want) != 13 || want[0] != (claim{"abc", "1"}) || want[2] != (claim{"s", `"t\u00e9\"q"`}) {
		t.Fatalf("the oracle read %v", want)
	}
	if diff := cmp.Diff(want, eachClaim(t, tok)); diff != "" {
		t.Errorf("verified token (-want +got):\n%s", diff)
	}

	// The members are those verified, whatever Payload says later.
	payload := tok.Payload
	tok.Payload = `{"iss":"https://evil.example","repository":"evil/evil"}`
	if diff := cmp.Diff(want, eachClaim(t, tok)); diff != "" {
		t.Errorf("after Payload changed (-want +got):\n%s", diff)
	}

	// fn's error stops the walk and comes back as it is.
	stop := errors.New("stop")
	for name, tok := range map[string]*oidc.Token{"verified": tok, "made by hand": {Payload: payload}} {
		calls := 0
		err := tok.EachClaim(func(string, string) error { calls++; return stop })
		if err != stop || calls != 1 {
			t.Errorf("%s: EachClaim = %v after %d calls, want stop after 1", name, err, calls)
		}
	}

	if diff := cmp.Diff(want, eachClaim(t, &oidc.Token{Payload: payload})); diff != "" {
		t.Errorf("token made by hand (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "null", `["iss"]`, `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, "{\"a\":\"\xff\"}",
		`{"a":1}{}`, `{"a":01}`, `{"a":"\x01"}`} {
		err := (&oidc.Token{Payload: bad}).EachClaim(func(string, string) error { return nil })
		if !errors.Is(err, oidc.ErrMalformed) {
			t.Errorf("EachClaim of a token made with Payload %q = %v, want ErrMalformed", bad, err)
		}
	}
}
