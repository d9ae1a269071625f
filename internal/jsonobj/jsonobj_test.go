package jsonobj_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/internal/jsonobj"
)

// member is what Each reports for one member, with the string decoded.
type member struct {
	Key  string
	Kind jsonobj.Kind
	Raw  string
	Str  string
}

func each(src string) ([]member, error) {
	var out []member
	err := jsonobj.Each(src, func(k string, v jsonobj.Value) error {
		m := member{Key: k, Kind: v.Kind, Raw: v.Raw}
		if v.Kind == jsonobj.String {
			s, err := v.Str()
			if err != nil {
				return err
			}
			m.Str = s
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

func TestEachValid(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		src  string
		want []member
	}{
		{`{}`, nil},
		{" \t\r\n{ } \n", nil},
		{`{"a":1}`, []member{{"a", jsonobj.Number, "1", ""}}},
		{`{"a":"b","c":[1, "x",{"d":null}],"e":{"f":true},"g":false,"h":null}`, []member{
			{"a", jsonobj.String, `"b"`, "b"},
			{"c", jsonobj.Array, `[1, "x",{"d":null}]`, ""},
			{"e", jsonobj.Object, `{"f":true}`, ""},
			{"g", jsonobj.Bool, "false", ""},
			{"h", jsonobj.Null, "null", ""},
		}},
		{`{"s":"\"\\\/\b\f\n\r\t"}`, []member{{"s", jsonobj.String, `"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t"}}},
		{`{"s":"\u00e9\u20AC\ud83d\ude00\u0000"}`, []member{{"s", jsonobj.String, `"\u00e9\u20AC\ud83d\ude00\u0000"`, "é€😀\x00"}}},
		{`{"s":"é€😀"}`, []member{{"s", jsonobj.String, `"é€😀"`, "é€😀"}}},
		{`{"\u0069ss":"x"}`, []member{{"iss", jsonobj.String, `"x"`, "x"}}},
		{`{"":""}`, []member{{"", jsonobj.String, `""`, ""}}},
		{`{"a":{"b":1},"b":{"a":1}}`, []member{{"a", jsonobj.Object, `{"b":1}`, ""}, {"b", jsonobj.Object, `{"a":1}`, ""}}},
		{`{"a":[{"b":1},{"b":1}]}`, []member{{"a", jsonobj.Array, `[{"b":1},{"b":1}]`, ""}}},
		{`{"n":[0,-0,1.5,-1.0e+3,1E-2,10e10,123456789012345678901234567890]}`, []member{
			{"n", jsonobj.Array, `[0,-0,1.5,-1.0e+3,1E-2,10e10,123456789012345678901234567890]`, ""}}},
		{`{"d":` + nest(jsonobj.MaxDepth-1) + `}`, []member{{"d", jsonobj.Array, nest(jsonobj.MaxDepth - 1), ""}}},
	} {
		got, err := each(c.src)
		if err != nil {
			t.Errorf("Each(%q): %v", c.src, err)
			continue
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("Each(%q) (-want +got):\n%s", c.src, d)
		}
	}
}

// nest is n nested arrays.
func nest(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

func TestEachInvalid(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		// not one object
		``, ` `, `[]`, `"x"`, `1`, `null`, `{`, `}`, `{}{}`, `{} x`, "{}\x00", `{},`,
		// members
		`{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `{"a":1 "b":2}`, `{a:1}`, `{'a':1}`, `{"a"=1}`, `{1:1}`, `{"a":1]`, `{"a":[1}`,
		`{"a":[1,]}`, `{"a":[,1]}`, `{"a":{"b"}}`,
		// literals
		`{"a":tru}`, `{"a":True}`, `{"a":nul}`, `{"a":falsey}`, `{"a":undefined}`,
		// numbers
		`{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":1e+}`, `{"a":+1}`, `{"a":0x10}`,
		`{"a":NaN}`, `{"a":Infinity}`, `{"a":1.5.5}`, `{"a":--1}`, `{"a":-01}`,
		// strings
		"{\"a\":\"\x01\"}", "{\"a\":\"\t\"}", "{\"a\":\"\n\"}", "{\"a\":\"\x1f\"}", `{"a":"\x"}`, `{"a":"\u12"}`,
		`{"a":"\u12g4"}`, `{"a":"\`, `{"a":"abc`, `{"a":"\'"}`, `{"a":"\U0041"}`,
		// bad UTF-8, in values and keys
		"{\"a\":\"\xff\"}", "{\"\xc3\x28\":1}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xf4\x90\x80\x80\"}",
		"{\"a\":\"\xe2\x82\"}",
		// surrogates in keys, which Each decodes
		`{"\ud800":1}`, `{"\udc00\ud800":1}`, `{"\ud800\u0041":1}`, `{"\ud800\n":1}`,
		// duplicate keys, at any depth and however spelled
		`{"a":1,"a":2}`, `{"iss":"x","\u0069ss":"y"}`, `{"\u0069ss":"x","iss":"y"}`, `{"a":{"b":1,"b":2}}`,
		`{"a":[{"b":1,"b":2}]}`, `{"\ud83d\ude00":1,"😀":2}`, `{"/":1,"\/":2}`,
		// depth
		`{"d":` + nest(jsonobj.MaxDepth) + `}`, `{"d":` + nest(100000) + `}`,
		strings.Repeat(`{"a":`, 100000) + strings.Repeat(`}`, 100000),
	} {
		if got, err := each(src); !errors.Is(err, jsonobj.ErrSyntax) {
			t.Errorf("Each(%q) = %v, %v; want ErrSyntax", clip(src), got, err)
		}
	}
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Each decodes keys; string values are decoded by Str, which refuses what
// the key decoder refuses.
func TestStr(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		`""`: "", `"a"`: "a", `"\u0041\u00e9"`: "Aé", `"\ud834\udd1e"`: "𝄞", `"\/"`: "/",
	} {
		if got, err := (jsonobj.Value{Kind: jsonobj.String, Raw: raw}).Str(); err != nil || got != want {
			t.Errorf("Str(%s) = %q, %v; want %q", raw, got, err, want)
		}
	}
	// Lone or swapped surrogates, and values built by hand, never a panic.
	for _, raw := range []string{`"\ud800"`, `"\udc00"`, `"\udc00\ud800"`, `"\ud800\u0041"`, `"\ud800\n"`, `"\ud800\u12"`,
		`"`, ``, `x`, `"\"`, `"\u12"`, `"\ud800\u"`, `"\q"`, `"\`, `'a'`} {
		if got, err := (jsonobj.Value{Kind: jsonobj.String, Raw: raw}).Str(); !errors.Is(err, jsonobj.ErrSyntax) {
			t.Errorf("Str(%s) = %q, %v; want ErrSyntax", raw, got, err)
		}
	}
	var src string
	err := jsonobj.Each(`{"a":"\ud800"}`, func(_ string, v jsonobj.Value) error { src = v.Raw; return nil })
	if err != nil || src != `"\ud800"` {
		t.Errorf("Each gave %q, %v", src, err)
	}
}

func TestValueTypes(t *testing.T) {
	t.Parallel()
	var te *jsonobj.TypeError
	if _, err := (jsonobj.Value{Kind: jsonobj.Number, Raw: "1"}).Str(); !errors.As(err, &te) || te.Want != jsonobj.String || te.Got != jsonobj.Number {
		t.Errorf("Str of a number: %v", err)
	}
	if _, err := (jsonobj.Value{Kind: jsonobj.String, Raw: `"1"`}).Int(); !errors.As(err, &te) || err.Error() != "expected a JSON number, got string" {
		t.Errorf("Int of a string: %v", err)
	}
	if _, err := (jsonobj.Value{Kind: jsonobj.Null, Raw: "null"}).Bool(); !errors.As(err, &te) {
		t.Errorf("Bool of null: %v", err)
	}
	for raw, want := range map[string]bool{"true": true, "false": false} {
		if got, err := (jsonobj.Value{Kind: jsonobj.Bool, Raw: raw}).Bool(); err != nil || got != want {
			t.Errorf("Bool(%s) = %v, %v", raw, got, err)
		}
	}
	for raw, want := range map[string]int64{
		"0": 0, "-0": 0, "1700000000": 1700000000, "1.7e9": 1700000000, "1.9": 1, "-1.9": -1, "1E3": 1000,
		"9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63, "0.5e1": 5,
	} {
		v := jsonobj.Value{Kind: jsonobj.Number, Raw: raw}
		if got, err := v.Trunc(); err != nil || got != want {
			t.Errorf("Trunc(%s) = %d, %v; want %d", raw, got, err, want)
		}
		integral := !strings.Contains(raw, ".9")
		if got, err := v.Int(); integral && (err != nil || got != want) || !integral && !errors.Is(err, jsonobj.ErrSyntax) {
			t.Errorf("Int(%s) = %d, %v; want %d or, for a fraction, ErrSyntax", raw, got, err, want)
		}
	}
	for _, raw := range []string{"9223372036854775808", "1e19", "-1e19", "1e400"} {
		if got, err := (jsonobj.Value{Kind: jsonobj.Number, Raw: raw}).Int(); !errors.Is(err, jsonobj.ErrSyntax) {
			t.Errorf("Int(%s) = %d, %v; want out of range", raw, got, err)
		}
	}
	names := map[jsonobj.Kind]string{jsonobj.Invalid: "invalid", jsonobj.String: "string", jsonobj.Number: "number",
		jsonobj.Bool: "boolean", jsonobj.Null: "null", jsonobj.Object: "object", jsonobj.Array: "array", 200: "invalid"}
	for k, want := range names {
		if k.String() != want {
			t.Errorf("Kind(%d) = %q, want %q", k, k, want)
		}
	}
}

func TestEachElem(t *testing.T) {
	t.Parallel()
	var kinds []jsonobj.Kind
	err := jsonobj.EachElem(` [1, "a", {"b":[]}, [], true, null] `, func(v jsonobj.Value) error {
		kinds = append(kinds, v.Kind)
		return nil
	})
	want := []jsonobj.Kind{jsonobj.Number, jsonobj.String, jsonobj.Object, jsonobj.Array, jsonobj.Bool, jsonobj.Null}
	if err != nil || !cmp.Equal(kinds, want) {
		t.Errorf("EachElem = %v, %v; want %v", kinds, err, want)
	}
	for _, src := range []string{``, `{}`, `[1,]`, `[1]x`, `[1][2]`, `[{"a":1,"a":2}]`, "[\"\xff\"]", `[` + nest(jsonobj.MaxDepth) + `]`} {
		if err := jsonobj.EachElem(src, nil); !errors.Is(err, jsonobj.ErrSyntax) {
			t.Errorf("EachElem(%q) = %v, want ErrSyntax", clip(src), err)
		}
	}
}

// An error from the callback stops the walk and comes back unchanged.
func TestEachCallbackError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	var seen []string
	err := jsonobj.Each(`{"a":1,"b":2,"c":3}`, func(k string, _ jsonobj.Value) error {
		seen = append(seen, k)
		if k == "b" {
			return stop
		}
		return nil
	})
	if err != stop || !cmp.Equal(seen, []string{"a", "b"}) {
		t.Errorf("Each = %v after %v; want stop after a, b", err, seen)
	}
	if err := jsonobj.EachElem(`[1,2]`, func(jsonobj.Value) error { return stop }); err != stop {
		t.Errorf("EachElem = %v, want stop", err)
	}
}

// A claims set without escapes decodes without allocating.
func TestEachAllocs(t *testing.T) {
	src := `{"iss":"https://token.actions.githubusercontent.com","aud":"pypi","exp":1700000300,"iat":1700000000,` +
		`"sub":"repo:octo/demo:ref:refs/heads/main","repository":"octo/demo","nested":{"a":[1,2,3]}}`
	var sink string
	allocs := testing.AllocsPerRun(100, func() {
		jsonobj.Each(src, func(k string, v jsonobj.Value) error {
			if v.Kind == jsonobj.String {
				sink, _ = v.Str()
			}
			return nil
		})
	})
	if allocs > 0 {
		t.Errorf("Each allocates %.0f times per claims set, want 0", allocs)
	}
	_ = sink
}

// Duplicate keys are found past the small-object fast path too, and many
// keys cost linear time (checked by the benchmark below).
func TestManyKeys(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&b, `"k%d":%d,`, i, i)
	}
	ok := b.String()[:b.Len()-1] + "}"
	n := 0
	if err := jsonobj.Each(ok, func(string, jsonobj.Value) error { n++; return nil }); err != nil || n != 500 {
		t.Fatalf("500 distinct keys: %d members, %v", n, err)
	}
	for _, dup := range []string{"k0", "k47", "k48", "k499"} {
		bad := b.String() + fmt.Sprintf(`"%s":1}`, dup)
		if err := jsonobj.Each(bad, nil); !errors.Is(err, jsonobj.ErrSyntax) || !strings.Contains(err.Error(), "duplicate key") {
			t.Errorf("duplicate %s after 500 keys: %v", dup, err)
		}
	}
}

// BenchmarkManyKeys: a 16 KiB object of ~1,500 short keys, the worst a
// token under the default size cap can carry.
func BenchmarkManyKeys(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("{")
	for i := 0; sb.Len() < 16<<10-16; i++ {
		fmt.Fprintf(&sb, `"%03x":0,`, i)
	}
	src := sb.String()[:sb.Len()-1] + "}"
	b.ReportAllocs()
	for b.Loop() {
		if err := jsonobj.Each(src, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// Numbers convert exactly, never through a float64 that would round, and a
// Value built by hand must hold JSON number text.
func TestNumberExact(t *testing.T) {
	for raw, want := range map[string]struct {
		n     int64
		exact bool
	}{
		"9007199254740993.0": {9007199254740993, true}, "1.0000000000000000001": {1, false},
		"1700000000.99999999999999999": {1700000000, false}, "-1.9e0": {-1, false}, "-0.5": {0, false},
		"92233720368547758.07e2": {1<<63 - 1, true}, "-9223372036854775808.0": {-1 << 63, true},
		"0e99999999999999999999": {0, true}, "1e-99999999999999999999": {0, false}, "12e-1": {1, false},
		"1200e-2": {12, true}, "0.000120e5": {12, true},
	} {
		v := jsonobj.Value{Kind: jsonobj.Number, Raw: raw}
		if n, err := v.Trunc(); err != nil || n != want.n {
			t.Errorf("Trunc(%s) = %d, %v; want %d", raw, n, err, want.n)
		}
		if n, err := v.Int(); want.exact && (err != nil || n != want.n) || !want.exact && err == nil {
			t.Errorf("Int(%s) = %d, %v; want %d, exact %v", raw, n, err, want.n, want.exact)
		}
	}
	for _, raw := range []string{"", "+5", "007", "1.", ".5", "1e", "abc", "1 ", "0x10", "1_000", "9223372036854775807.5e1", "1e99999999999999999999"} {
		if n, err := (jsonobj.Value{Kind: jsonobj.Number, Raw: raw}).Trunc(); !errors.Is(err, jsonobj.ErrSyntax) {
			t.Errorf("Trunc(%q) = %d, %v; want ErrSyntax", raw, n, err)
		}
	}
}

// EachMember tells where each key and value lie, whitespace and escapes
// included.
func TestEachMember(t *testing.T) {
	src := " { \"a\" : 1 ,\n\"b\\u0063\":\t{\"x\":[true]}, \"\":\"s\\\"\" } "
	type got struct {
		Key, RawKey, Raw string
		KeyAt, ValueAt   int
	}
	var members []got
	if err := jsonobj.EachMember(src, func(m jsonobj.Member) error {
		members = append(members, got{m.Key, m.RawKey, m.Value.Raw, m.KeyAt, m.ValueAt})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []got{
		{"a", `"a"`, "1", 3, 9},
		{"bc", `"b\u0063"`, `{"x":[true]}`, 13, 24},
		{"", `""`, `"s\""`, 38, 41},
	}
	if diff := cmp.Diff(want, members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	for _, m := range members {
		if src[m.KeyAt:m.KeyAt+len(m.RawKey)] != m.RawKey || src[m.ValueAt:m.ValueAt+len(m.Raw)] != m.Raw {
			t.Errorf("%q: offsets %d, %d do not locate it", m.Key, m.KeyAt, m.ValueAt)
		}
	}
}

// Parsed reads the kind of a value from its text; the Value's methods still
// refuse what is not of their kind.
func TestParsed(t *testing.T) {
	for raw, want := range map[string]jsonobj.Kind{
		`"s"`: jsonobj.String, `{}`: jsonobj.Object, `[1]`: jsonobj.Array, `true`: jsonobj.Bool, `false`: jsonobj.Bool,
		`null`: jsonobj.Null, `-1`: jsonobj.Number, `0.5`: jsonobj.Number, ``: jsonobj.Invalid, `x`: jsonobj.Invalid,
	} {
		if got := jsonobj.Parsed(raw); got.Kind != want || got.Raw != raw {
			t.Errorf("Parsed(%q) = %v, want %v", raw, got, want)
		}
	}
	if _, err := jsonobj.Parsed(`"unterminated`).Str(); !errors.Is(err, jsonobj.ErrSyntax) {
		t.Errorf("Str of an unterminated string: %v", err)
	}
	if _, err := jsonobj.Parsed(`1x`).Int(); !errors.Is(err, jsonobj.ErrSyntax) {
		t.Errorf("Int of 1x: %v", err)
	}
}

// Duplicate keys are found in small objects wherever they are, whatever
// the filter that spares most of the scan says.
func TestDuplicateKeysSmall(t *testing.T) {
	var keys []string
	for i := range 47 {
		keys = append(keys, fmt.Sprintf("%c%d", 'a'+i%26, i)) // shared first bytes and lengths
	}
	var b strings.Builder
	b.WriteString("{")
	for _, k := range keys {
		fmt.Fprintf(&b, "%q:0,", k)
	}
	for _, dup := range keys {
		src := b.String() + fmt.Sprintf("%q:1}", dup)
		if err := jsonobj.Each(src, nil); !errors.Is(err, jsonobj.ErrSyntax) || !strings.Contains(err.Error(), "duplicate key") {
			t.Errorf("duplicate %s among %d keys: %v", dup, len(keys), err)
		}
	}
	if err := jsonobj.Each(b.String()+`"new":1}`, nil); err != nil {
		t.Errorf("%d distinct keys: %v", len(keys)+1, err)
	}
}

// EachMemberLimit counts every value at any depth, the object included.
func TestEachMemberLimit(t *testing.T) {
	t.Parallel()
	src := `{"a":[1,2,{"b":null}],"c":"d"}` // 7 values
	if err := jsonobj.EachMemberLimit(src, 7, nil); err != nil {
		t.Errorf("7 values, limit 7: %v", err)
	}
	if err := jsonobj.EachMemberLimit(src, 6, nil); !errors.Is(err, jsonobj.ErrSyntax) || !strings.Contains(err.Error(), "more than 6 values") {
		t.Errorf("7 values, limit 6: %v", err)
	}
	if err := jsonobj.EachMemberLimit(src, 0, nil); err != nil {
		t.Errorf("no limit: %v", err)
	}
}

// An escaped key in a nested object is checked by the hash of its text:
// it collides with the same key spelt plainly, before and after the set
// grows, and distinct escaped keys stay distinct.
func TestNestedEscapedKeys(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 10, 47, 48, 200, 3000} {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `"k%d":0,`, i)
		}
		plain := b.String()
		ok := `{"o":{` + plain + `"\u0061":1,"\u0062":2}}`
		if err := jsonobj.Each(ok, nil); err != nil {
			t.Errorf("%d keys, then two escaped: %v", n, err)
		}
		for _, dup := range []string{`{"o":{` + plain + `"a":1,"\u0061":2}}`, `{"o":{` + plain + `"\u0061":1,"a":2}}`,
			`{"o":{"\u006b0":1,` + plain + `"z":0}}`} {
			if n == 0 && strings.Contains(dup, `"z"`) {
				continue
			}
			if err := jsonobj.Each(dup, nil); !errors.Is(err, jsonobj.ErrSyntax) || !strings.Contains(err.Error(), "duplicate key") {
				t.Errorf("%d keys: %.40s…: %v, want a duplicate key", n, dup, err)
			}
		}
	}
}
