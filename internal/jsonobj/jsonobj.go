// Package jsonobj reads JSON objects strictly and with few allocations.
//
// Token payloads are decoded on every verification, so this reader works on a
// string and hands out substrings of it: a claim without escapes costs no
// allocation. It is also stricter than encoding/json where that matters for
// security: duplicate keys, invalid UTF-8, trailing data and deep nesting are
// errors, so two parsers can never disagree about what a token says.
package jsonobj

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/trustpub/trustpub/internal/quote"
)

// MaxDepth bounds the nesting of objects and arrays.
const MaxDepth = 32

// Kind is the JSON type of a value.
type Kind uint8

// The JSON types.
const (
	Invalid Kind = iota
	String
	Number
	Bool
	Null
	Object
	Array
)

var kindNames = [...]string{"invalid", "string", "number", "boolean", "null", "object", "array"}

// String returns the kind's JSON name, e.g. "boolean"; "invalid" for an
// unknown kind.
func (k Kind) String() string {
	if int(k) >= len(kindNames) {
		return "invalid"
	}
	return kindNames[k]
}

// ErrSyntax is wrapped by every error about malformed JSON.
var ErrSyntax = errors.New("malformed JSON")

// Value is one JSON value: its kind and its exact text in the source.
type Value struct {
	Kind Kind   // the value's JSON type
	Raw  string // the value's exact source text, quotes and escapes included
}

// Parsed returns the Value whose exact text is raw, text this package's
// parser has already accepted as one value (such as a member of a claims
// set that oidc.Token.EachClaim hands out): its kind is read off the first
// byte and nothing is checked again. The Value's methods still refuse text
// that is not of their kind.
func Parsed(raw string) Value {
	kind := Invalid
	if raw != "" {
		switch c := raw[0]; {
		case c == '"':
			kind = String
		case c == '{':
			kind = Object
		case c == '[':
			kind = Array
		case c == 't' || c == 'f':
			kind = Bool
		case c == 'n':
			kind = Null
		case c == '-' || (c >= '0' && c <= '9'):
			kind = Number
		}
	}
	return Value{Kind: kind, Raw: raw}
}

// Str decodes a string value.
func (v Value) Str() (string, error) {
	if v.Kind != String {
		return "", &TypeError{Want: String, Got: v.Kind}
	}
	return unquote(v.Raw)
}

// Bool decodes a boolean value.
func (v Value) Bool() (bool, error) {
	if v.Kind != Bool {
		return false, &TypeError{Want: Bool, Got: v.Kind}
	}
	return v.Raw == "true", nil
}

// Int decodes a number that is an integer (1e3 is; 1.5 is not). Claims
// that are counts or ids must not be silently rounded.
func (v Value) Int() (int64, error) {
	n, exact, err := v.number()
	if err == nil && !exact {
		err = fmt.Errorf("%w: number %s is not an integer", ErrSyntax, quote.Text(v.Raw))
	}
	return n, err
}

// Trunc decodes a number, truncating a fraction toward zero: JWT NumericDate
// values may carry one.
func (v Value) Trunc() (int64, error) {
	n, _, err := v.number()
	return n, err
}

func (v Value) number() (n int64, exact bool, err error) {
	if v.Kind != Number {
		return 0, false, &TypeError{Want: Number, Got: v.Kind}
	}
	if n, err := strconv.ParseInt(v.Raw, 10, 64); err == nil && jsonInt(v.Raw) {
		return n, true, nil
	}
	if p := (parser{src: v.Raw}); v.Raw == "" || p.number() != nil || p.i != len(v.Raw) {
		return 0, false, fmt.Errorf("%w: %s is not a JSON number", ErrSyntax, quote.Value(v.Raw))
	}
	return decimal(v.Raw)
}

// jsonInt reports whether text strconv.ParseInt took is also JSON: no "+",
// no leading zero. It matters only for a Value built by hand.
func jsonInt(s string) bool {
	digits := strings.TrimPrefix(s, "-")
	return s[0] != '+' && (len(digits) == 1 || digits[0] != '0')
}

// decimal converts the text of a JSON number that is not a plain integer
// exactly: the value truncated toward zero, and whether that lost nothing.
// A float64 would round, taking 1.0000000000000000001 for an integer and
// 9007199254740993.0 for 9007199254740992.
func decimal(raw string) (n int64, exact bool, err error) {
	s, neg := strings.CutPrefix(raw, "-")
	mant, expText := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, expText = s[:i], s[i+1:]
	}
	whole, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(whole+frac, "0")
	if digits == "" {
		return 0, true, nil // zero, whatever the exponent
	}
	sig := strings.TrimRight(digits, "0")
	exp, err := strconv.ParseInt(strings.TrimPrefix(expText, "+"), 10, 64)
	if expText == "" {
		exp, err = 0, nil
	}
	if err != nil { // beyond int64: clamped, the value is 0 or out of range either way
		exp = math.MaxInt64 / 4
		if strings.HasPrefix(expText, "-") {
			exp = -exp
		}
	}
	// The value is sig × 10^e; sig has no trailing zeros.
	e := exp - int64(len(frac)) + int64(len(digits)-len(sig))
	intDigits := int64(len(sig)) + e
	switch {
	case intDigits > 19:
		return 0, false, fmt.Errorf("%w: number %s out of range", ErrSyntax, quote.Text(raw))
	case intDigits <= 0:
		return 0, false, nil // between -1 and 1, not zero
	case e >= 0:
		s, exact = sig+strings.Repeat("0", int(e)), true
	default:
		s, exact = sig[:intDigits], false
	}
	if neg {
		s = "-" + s
	}
	if n, err = strconv.ParseInt(s, 10, 64); err != nil {
		return 0, false, fmt.Errorf("%w: number %s out of range", ErrSyntax, quote.Text(raw))
	}
	return n, exact, nil
}

// TypeError reports a value of another JSON type than the one expected.
type TypeError struct {
	Want, Got Kind // the type expected and the type found
}

// Error implements error.
func (e *TypeError) Error() string {
	return fmt.Sprintf("expected a JSON %s, got %s", e.Want, e.Got)
}

// Each calls fn for every member of the JSON object src, in order. It fails on
// anything but exactly one well-formed object, and on duplicate keys.
func Each(src string, fn func(key string, v Value) error) error {
	var each func(Member) error
	if fn != nil {
		each = func(m Member) error { return fn(m.Key, m.Value) }
	}
	return EachMember(src, each)
}

// Member is one member of an object, and where it lies in the source.
type Member struct {
	Key     string // the key, unescaped
	RawKey  string // the key's exact source text, quotes and escapes included
	Value   Value  // the value
	KeyAt   int    // the offset of RawKey in the source
	ValueAt int    // the offset of Value.Raw in the source
}

// EachMember is Each, telling also where each member lies in src.
func EachMember(src string, fn func(Member) error) error {
	return EachMemberLimit(src, 0, fn)
}

// EachMemberLimit is EachMember failing, with ErrSyntax, on a document of
// more than maxValues values in all (members and elements at any depth, the
// object itself included); 0 means no limit. It bounds the parsing cost of
// an unauthenticated document by its count of values, not only its size.
func EachMemberLimit(src string, maxValues int, fn func(Member) error) error {
	p := parser{src: src, max: maxValues, n: 1} // n counts the object itself
	p.space()
	if err := p.object(0, fn); err != nil {
		return err
	}
	p.space()
	if p.i != len(p.src) {
		return p.fail("trailing data")
	}
	return nil
}

// EachElem calls fn for every element of the JSON array src, in order.
func EachElem(src string, fn func(v Value) error) error {
	p := parser{src: src}
	p.space()
	if err := p.array(0, fn); err != nil {
		return err
	}
	p.space()
	if p.i != len(p.src) {
		return p.fail("trailing data")
	}
	return nil
}

type parser struct {
	src string
	i   int
	max int    // the most values the document may hold; 0: no limit
	n   int    // values read so far
	buf []byte // scratch for unescaping keys
}

func (p *parser) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, what, p.i)
}

func (p *parser) space() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) object(depth int, fn func(Member) error) error {
	if depth >= MaxDepth {
		return p.fail("nesting too deep")
	}
	if p.i >= len(p.src) || p.src[p.i] != '{' {
		return p.fail("expected an object")
	}
	p.i++
	var seen keySet
	defer seen.release()
	p.space()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		p.space()
		keyAt := p.i
		rawKey, escaped, err := p.str()
		if err != nil {
			return err
		}
		key := rawKey[1 : len(rawKey)-1]
		hint := (len(p.src) - p.i) / 5 // a member takes at least 5 bytes: "":0,
		if p.max > 0 {
			hint = min(hint, p.max-p.n)
		}
		switch {
		case escaped && fn == nil:
			// Only the duplicate check needs the key: unescape it into a
			// reused buffer and keep its hash, with no string built.
			if p.buf, err = appendUnquoted(p.buf[:0], key); err != nil {
				return err
			}
			if !seen.addBytes(p.buf, hint) {
				return fmt.Errorf("%w: duplicate key %s", ErrSyntax, quote.Value(string(p.buf)))
			}
		case escaped:
			if key, err = unquote(rawKey); err != nil {
				return err
			}
			fallthrough
		default:
			if !seen.add(key, hint) {
				return fmt.Errorf("%w: duplicate key %s", ErrSyntax, quote.Value(key))
			}
		}
		p.space()
		if p.i >= len(p.src) || p.src[p.i] != ':' {
			return p.fail("expected ':'")
		}
		p.i++
		p.space()
		valueAt := p.i
		v, err := p.value(depth)
		if err != nil {
			return err
		}
		if fn != nil {
			if err := fn(Member{key, rawKey, v, keyAt, valueAt}); err != nil {
				return err
			}
		}
		p.space()
		if p.i >= len(p.src) {
			return p.fail("unterminated object")
		}
		switch p.src[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return p.fail("expected ',' or '}'")
		}
	}
}

// keySet finds duplicate keys: a linear scan of a fixed array for the
// small objects tokens are, a map past that, so a hostile object of many
// keys costs linear time, not quadratic. A 128-bit filter of the keys seen
// spares the scan for most new keys.
type keySet struct {
	small  [48]string
	n      int
	filter [2]uint64
	large  *bigKeySet
}

// add records key and reports whether it was new; hint bounds how many
// keys may follow, to size a large set once.
func (s *keySet) add(key string, hint int) bool {
	if s.large != nil {
		return s.large.add(key)
	}
	h := uint32(len(key)) * 0x9E3779B1 // mix the length and the first and last bytes
	if key != "" {
		h = (h ^ uint32(key[0])<<8 ^ uint32(key[len(key)-1])) * 0x9E3779B1
	}
	word, bit := h>>31, uint64(1)<<(h>>25&63)
	if s.filter[word]&bit != 0 {
		for _, k := range s.small[:s.n] {
			if k == key {
				return false
			}
		}
	}
	s.filter[word] |= bit
	if s.n < len(s.small) {
		s.small[s.n] = key
		s.n++
		return true
	}
	s.large = newBigKeySet(s.small[:], hint)
	return s.large.add(key)
}

// addBytes is add for a key held in a buffer the caller reuses: the set
// turns to hashes, so that the key need not be kept.
func (s *keySet) addBytes(key []byte, hint int) bool {
	if s.large == nil {
		s.large = newBigKeySet(s.small[:s.n], hint)
	}
	return s.large.addHash(maphash.Bytes(keySeed, key))
}

// bigKeySet is the key set of a large object: an open-addressing table of
// the keys' 64-bit seeded hashes, cheaper per key than a map of strings (a
// hostile token may be one object of thousands of short keys). Two keys
// with one hash read as a duplicate: that fails closed, and with a random
// seed per process no input is known to collide (about 1 in 10^13 for an
// object of 2,000 keys).
type bigKeySet struct {
	slots []uint64 // hash with the low bit set, or 0 when free
	n     int
}

var keySeed = maphash.MakeSeed()

// newBigKeySet holds keys and has room for about hint more.
func newBigKeySet(keys []string, hint int) *bigKeySet {
	size := 64
	for size < 2*(len(keys)+hint) && size < 1<<16 {
		size *= 2
	}
	b := &bigKeySet{}
	if p, ok := slotPool.Get().(*[]uint64); ok && cap(*p) >= size {
		b.slots = (*p)[:size]
		clear(b.slots)
	} else {
		b.slots = make([]uint64, size)
	}
	for _, k := range keys {
		b.add(k)
	}
	return b
}

// slotPool keeps the tables of large objects between documents: a hostile
// token is one such object, and its table would otherwise be garbage.
var slotPool sync.Pool

// release returns the table of a large set to slotPool.
func (s *keySet) release() {
	if s.large != nil && len(s.large.slots) <= 1<<13 {
		slots := s.large.slots
		slotPool.Put(&slots)
	}
}

func (b *bigKeySet) add(key string) bool { return b.addHash(maphash.String(keySeed, key)) }

// addHash records a key by its hash (maphash.String and maphash.Bytes agree
// on equal text).
func (b *bigKeySet) addHash(h uint64) bool {
	h |= 1
	mask := len(b.slots) - 1
	for i := int(h>>1) & mask; ; i = (i + 1) & mask {
		switch b.slots[i] {
		case 0:
			b.slots[i] = h
			if b.n++; 2*b.n > len(b.slots) {
				b.grow()
			}
			return true
		case h:
			return false
		}
	}
}

// grow doubles the table, rehashing only the stored hashes.
func (b *bigKeySet) grow() {
	old := b.slots
	b.slots = make([]uint64, 2*len(old))
	mask := len(b.slots) - 1
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := int(h>>1) & mask
		for b.slots[i] != 0 {
			i = (i + 1) & mask
		}
		b.slots[i] = h
	}
}

func (p *parser) array(depth int, fn func(Value) error) error {
	if depth >= MaxDepth {
		return p.fail("nesting too deep")
	}
	if p.i >= len(p.src) || p.src[p.i] != '[' {
		return p.fail("expected an array")
	}
	p.i++
	p.space()
	if p.i < len(p.src) && p.src[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		p.space()
		v, err := p.value(depth)
		if err != nil {
			return err
		}
		if fn != nil {
			if err := fn(v); err != nil {
				return err
			}
		}
		p.space()
		if p.i >= len(p.src) {
			return p.fail("unterminated array")
		}
		switch p.src[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		default:
			return p.fail("expected ',' or ']'")
		}
	}
}

func (p *parser) value(depth int) (Value, error) {
	if p.i >= len(p.src) {
		return Value{}, p.fail("expected a value")
	}
	if p.max > 0 {
		if p.n >= p.max {
			return Value{}, p.fail(fmt.Sprintf("more than %d values", p.max))
		}
		p.n++
	}
	start := p.i
	var kind Kind
	var err error
	switch c := p.src[p.i]; {
	case c == '"':
		kind = String
		_, _, err = p.str()
	case c == '{':
		kind = Object
		err = p.object(depth+1, nil)
	case c == '[':
		kind = Array
		err = p.array(depth+1, nil)
	case c == 't':
		kind, err = Bool, p.literal("true")
	case c == 'f':
		kind, err = Bool, p.literal("false")
	case c == 'n':
		kind, err = Null, p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		kind, err = Number, p.number()
	default:
		return Value{}, p.fail("unexpected character")
	}
	if err != nil {
		return Value{}, err
	}
	return Value{Kind: kind, Raw: p.src[start:p.i]}, nil
}

func (p *parser) literal(word string) error {
	if !strings.HasPrefix(p.src[p.i:], word) {
		return p.fail("invalid literal")
	}
	p.i += len(word)
	return nil
}

func (p *parser) digits() int {
	n := 0
	for p.i < len(p.src) && p.src[p.i] >= '0' && p.src[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

func (p *parser) number() error {
	if p.src[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.src) && p.src[p.i] == '0' {
		p.i++
	} else if p.digits() == 0 {
		return p.fail("invalid number")
	}
	if p.i < len(p.src) && p.src[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return p.fail("invalid number")
		}
	}
	if p.i < len(p.src) && (p.src[p.i] == 'e' || p.src[p.i] == 'E') {
		p.i++
		if p.i < len(p.src) && (p.src[p.i] == '+' || p.src[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return p.fail("invalid number")
		}
	}
	return nil
}

// str scans a string and returns it with its quotes, still escaped, and
// whether it has escapes.
func (p *parser) str() (raw string, escaped bool, err error) {
	if p.i >= len(p.src) || p.src[p.i] != '"' {
		return "", false, p.fail("expected a string")
	}
	start := p.i
	i, high := skipPlain(p.src, p.i+1)
	plain := 0 // plain bytes in a row: the SWAR scan pays off only in a run
	for i < len(p.src) {
		c := p.src[i]
		switch {
		case c == '"':
			p.i = i + 1
			raw := p.src[start:p.i]
			if high && !utf8.ValidString(raw) {
				return "", false, fmt.Errorf("%w: invalid UTF-8 in string", ErrSyntax)
			}
			return raw, escaped, nil
		case c == '\\':
			n := escapeLen(p.src[i:])
			if n == 0 {
				p.i = i
				return "", false, p.fail("invalid escape")
			}
			i += n
			escaped, plain = true, 0
		case c < 0x20:
			p.i = i
			return "", false, p.fail("control character in string")
		default:
			high = high || c >= utf8.RuneSelf
			i++
			if plain++; plain >= 8 {
				var h bool
				i, h = skipPlain(p.src, i)
				high, plain = high || h, 0
			}
		}
	}
	p.i = i
	return "", false, p.fail("unterminated string")
}

// escapeLen is the length of the valid escape s starts with ('\\' then one
// of "\\/bfnrt, or u and four hex digits), or 0.
func escapeLen(s string) int {
	if len(s) < 2 {
		return 0
	}
	switch s[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(s) >= 6 && isHex4(s[2:6]) {
			return 6
		}
	}
	return 0
}

// skipPlain returns i moved past the whole groups of eight bytes of s that
// a string holds as they are (anything but '"', '\\' and control
// characters), so that str looks at bytes one at a time only from the first
// group holding another (the closing quote, an escape); high reports
// whether a skipped byte is non-ASCII, for str to check UTF-8 once at the
// end. Each group is tested at once, its bytes the lanes of a word (SWAR);
// each test is exact about whether some lane qualifies.
func skipPlain(s string, i int) (next int, high bool) {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	var seen uint64
	for ; i+8 <= len(s); i += 8 {
		g := s[i : i+8]
		x := uint64(g[0]) | uint64(g[1])<<8 | uint64(g[2])<<16 | uint64(g[3])<<24 |
			uint64(g[4])<<32 | uint64(g[5])<<40 | uint64(g[6])<<48 | uint64(g[7])<<56
		quote := x ^ lo*'"'            // a zero lane where x holds '"'
		backslash := x ^ lo*'\\'       // a zero lane where x holds '\\'
		special := (quote-lo)&^quote | // some lane of quote is zero
			(backslash-lo)&^backslash | // some lane of backslash is zero
			(x-lo*0x20)&^x // some lane is below 0x20
		if special&hi != 0 {
			break
		}
		seen |= x
	}
	return i, seen&hi != 0
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// unquote decodes a scanned string; without escapes it is a substring. It
// also guards against a Value built by hand rather than by the parser.
func unquote(raw string) (string, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", fmt.Errorf("%w: not a quoted string", ErrSyntax)
	}
	body := raw[1 : len(raw)-1]
	if strings.IndexByte(body, '\\') < 0 {
		return body, nil
	}
	b, err := appendUnquoted(make([]byte, 0, len(body)), body)
	return string(b), err
}

// appendUnquoted appends the unescaped text of a string's body to b.
func appendUnquoted(b []byte, body string) ([]byte, error) {
	for i := 0; i < len(body); {
		c := body[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(body) {
			return b, fmt.Errorf("%w: unterminated escape", ErrSyntax)
		}
		e := body[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			if i+4 > len(body) || !isHex4(body[i:i+4]) {
				return b, fmt.Errorf("%w: invalid \\u escape", ErrSyntax)
			}
			r := rune(hex4(body[i : i+4]))
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 > len(body) || body[i] != '\\' || body[i+1] != 'u' || !isHex4(body[i+2:i+6]) {
					return b, fmt.Errorf("%w: unpaired surrogate in string", ErrSyntax)
				}
				r = utf16.DecodeRune(r, rune(hex4(body[i+2:i+6])))
				if r == utf8.RuneError {
					return b, fmt.Errorf("%w: invalid surrogate pair in string", ErrSyntax)
				}
				i += 6
			}
			b = utf8.AppendRune(b, r)
		default:
			return b, fmt.Errorf("%w: invalid escape", ErrSyntax)
		}
	}
	return b, nil
}

func hex4(s string) uint16 {
	var n uint16
	for i := 0; i < 4; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		n = n<<4 | uint16(c)
	}
	return n
}
