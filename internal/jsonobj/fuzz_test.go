package jsonobj_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/internal/jsonobj"
)

// FuzzEach checks Each against encoding/json: it never panics, accepts only
// what encoding/json accepts, and on every object encoding/json accepts
// without duplicate keys it agrees member for member. The exceptions are
// Each's deliberate refusals: invalid UTF-8, unpaired surrogate escapes and
// nesting deeper than MaxDepth (encoding/json accepts those, replacing bad
// text with U+FFFD).
// got is one member as Each reports it.
type got struct {
	key string
	v   jsonobj.Value
}

func FuzzEach(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"iss":"x","\u0069ss":"y"}`, `{"a":"\ud83d\ude00","b":"\ud800"}`,
		`{"a":[1,{"b":null}],"c":-1.5e+3,"d":true}`, "{\"a\":\"\xff\"}", `{"a":1}{}`, `{"\/":"\"\\"}`, `{"s":"\b\f\n\r\t\u0041\u00e9"}`,
		`{"exp":1700000000,"aud":["x","y"],"sub":"repo:o/r:ref:refs/heads/main"}`, `{"d":` + nest(40) + `}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var members []got
		err := jsonobj.Each(src, func(k string, v jsonobj.Value) error {
			members = append(members, got{k, v})
			v.Str() // none of these may panic, whatever the kind
			v.Int()
			v.Bool()
			if v.Kind == jsonobj.Array {
				jsonobj.EachElem(v.Raw, func(e jsonobj.Value) error { e.Str(); return nil })
			}
			return nil
		})
		if err != nil && !errors.Is(err, jsonobj.ErrSyntax) {
			t.Fatalf("Each(%q): error %v does not wrap ErrSyntax", src, err)
		}
		checkMembers(t, src, members, err)
		if err == nil && (!json.Valid([]byte(src)) || !isObject(src)) {
			t.Fatalf("Each accepted %q, which is not a JSON object", src)
		}
		if !json.Valid([]byte(src)) || !isObject(src) || !utf8.ValidString(src) {
			return
		}
		depth, dup := shape(t, src)
		if dup {
			if err == nil {
				t.Fatalf("Each accepted duplicate keys in %q", src)
			}
			return
		}
		if err != nil {
			msg := err.Error()
			switch {
			case depth > jsonobj.MaxDepth && strings.Contains(msg, "nesting too deep"):
			case strings.Contains(msg, "surrogate") && surrogate.MatchString(src):
			default:
				t.Fatalf("Each(%q): %v, but encoding/json accepts it", src, err)
			}
			return
		}
		want := map[string]any{}
		if err := unmarshal(src, &want); err != nil {
			t.Fatal(err)
		}
		if len(members) != len(want) {
			t.Fatalf("Each(%q) gave %d members, encoding/json %d", src, len(members), len(want))
		}
		for _, m := range members {
			w, ok := want[m.key]
			if !ok {
				t.Fatalf("Each(%q) gave key %q, encoding/json has none", src, m.key)
			}
			agree(t, m.key, m.v, w)
		}
	})
}

// agree checks, all the way down, that v reads as encoding/json's w (decoded
// with UseNumber): strings decode alike, nested objects and arrays hold the
// same members in the same order, and numbers convert exactly.
func agree(t *testing.T, path string, v jsonobj.Value, w any) {
	t.Helper()
	switch v.Kind {
	case jsonobj.String:
		s, err := v.Str()
		if err != nil && strings.Contains(err.Error(), "surrogate") && surrogate.MatchString(v.Raw) {
			return
		}
		if err != nil || s != w {
			t.Fatalf("%s: %q (%v), encoding/json %q", path, s, err, w)
		}
	case jsonobj.Number:
		n, ok := w.(json.Number)
		if !ok || n.String() != v.Raw {
			t.Fatalf("%s: number %s, encoding/json %v", path, v.Raw, w)
		}
		agreeNumber(t, path, v)
	case jsonobj.Bool:
		if b, err := v.Bool(); err != nil || b != w {
			t.Fatalf("%s: %v (%v), encoding/json %v", path, b, err, w)
		}
	case jsonobj.Null:
		if w != nil {
			t.Fatalf("%s: null, encoding/json %v", path, w)
		}
	case jsonobj.Array:
		ws, _ := w.([]any)
		i := 0
		err := jsonobj.EachElem(v.Raw, func(e jsonobj.Value) error {
			if i >= len(ws) {
				t.Fatalf("%s: more elements than encoding/json's %d", path, len(ws))
			}
			agree(t, fmt.Sprintf("%s[%d]", path, i), e, ws[i])
			i++
			return nil
		})
		if err != nil || i != len(ws) || w == nil {
			t.Fatalf("%s: %d elements (%v), encoding/json %v", path, i, err, w)
		}
	case jsonobj.Object:
		wm, _ := w.(map[string]any)
		n := 0
		err := jsonobj.Each(v.Raw, func(k string, e jsonobj.Value) error {
			we, ok := wm[k]
			if !ok {
				t.Fatalf("%s: key %q, encoding/json has none", path, k)
			}
			agree(t, path+"."+k, e, we)
			n++
			return nil
		})
		if err != nil || n != len(wm) || w == nil {
			t.Fatalf("%s: %d members (%v), encoding/json %v", path, n, err, w)
		}
	default:
		t.Fatalf("%s: kind %v", path, v.Kind)
	}
}

// agreeNumber checks Int and Trunc against the number's exact value:
// Trunc is the value truncated toward zero, Int the value if it is an
// integer, both only when in the int64 range, never rounded.
func agreeNumber(t *testing.T, path string, v jsonobj.Value) {
	t.Helper()
	if e := strings.IndexAny(v.Raw, "eE"); e >= 0 && len(strings.TrimLeft(v.Raw[e+1:], "+-0")) > 3 {
		return // an exponent past ±999: big.Rat would be slow; unit tests cover these
	}
	exact, ok := new(big.Rat).SetString(v.Raw)
	if !ok {
		t.Fatalf("%s: big.Rat cannot read %s", path, v.Raw)
	}
	trunc := new(big.Int).Quo(exact.Num(), exact.Denom())
	inRange := trunc.IsInt64()
	got, err := v.Trunc()
	if inRange != (err == nil) || inRange && got != trunc.Int64() {
		t.Fatalf("%s: Trunc(%s) = %d, %v; exactly %s", path, v.Raw, got, err, trunc)
	}
	got, err = v.Int()
	if want := inRange && exact.IsInt(); want != (err == nil) || want && got != trunc.Int64() {
		t.Fatalf("%s: Int(%s) = %d, %v; exactly %s", path, v.Raw, got, err, exact.RatString())
	}
}

// checkMembers holds EachMember to Each: the same members and error, and
// offsets that locate each key and value in src; and Parsed to the kind
// the parser gave each value.
func checkMembers(t *testing.T, src string, each []got, eachErr error) {
	var members []got
	err := jsonobj.EachMember(src, func(m jsonobj.Member) error {
		if src[m.KeyAt:m.KeyAt+len(m.RawKey)] != m.RawKey || src[m.ValueAt:m.ValueAt+len(m.Value.Raw)] != m.Value.Raw {
			t.Fatalf("EachMember(%q): %q at %d, %q at %d are not where they say", src, m.RawKey, m.KeyAt, m.Value.Raw, m.ValueAt)
		}
		if k, err := jsonobj.Parsed(m.RawKey).Str(); err != nil || k != m.Key {
			t.Fatalf("EachMember(%q): key %q unquotes to %q (%v), want %q", src, m.RawKey, k, err, m.Key)
		}
		if p := jsonobj.Parsed(m.Value.Raw); p != m.Value {
			t.Fatalf("Parsed(%q) = %v, the parser said %v", m.Value.Raw, p.Kind, m.Value.Kind)
		}
		members = append(members, got{m.Key, m.Value})
		return nil
	})
	if (err == nil) != (eachErr == nil) || len(members) != len(each) {
		t.Fatalf("EachMember(%q) = %v after %d members, Each %v after %d", src, err, len(members), eachErr, len(each))
	}
	if d := cmp.Diff(each, members, cmp.AllowUnexported(got{})); d != "" {
		t.Fatalf("EachMember(%q) differs from Each (-each +members):\n%s", src, d)
	}
}

// surrogate matches a \u escape in the surrogate range (or an escaped
// backslash followed by such text, which only loosens the exception).
var surrogate = regexp.MustCompile(`\\u[dD][89abcdefABCDEF]`)

func isObject(s string) bool {
	return strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), "{")
}

func unmarshal(s string, v any) error {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	return d.Decode(v)
}

// shape walks valid JSON with encoding/json's tokenizer and reports the
// deepest nesting and whether any object repeats a key.
func shape(t *testing.T, src string) (depth int, dup bool) {
	d := json.NewDecoder(bytes.NewReader([]byte(src)))
	d.UseNumber() // a number beyond float64 (1e700) is valid JSON
	type frame struct {
		keys   map[string]bool
		object bool
		key    bool // the next token of an object is a key
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return depth, dup
		}
		if err != nil {
			t.Fatalf("encoding/json tokenizing %q: %v", src, err)
		}
		top := func() *frame {
			if len(stack) == 0 {
				return nil
			}
			return stack[len(stack)-1]
		}
		if f := top(); f != nil && f.object && f.key {
			if k, ok := tok.(string); ok {
				if f.keys[k] {
					dup = true
				}
				f.keys[k] = true
				f.key = false
				continue
			}
		}
		if f := top(); f != nil && f.object {
			f.key = true // a value was read; a key comes next
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, object: true, key: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		depth = max(depth, len(stack))
	}
}
