package nilness

import (
	"io"
	"strings"
	"testing"
)

func TestIs(t *testing.T) {
	t.Parallel()
	var r *strings.Reader
	var m map[string]int
	var f func()
	for _, c := range []struct {
		x    any
		want bool
	}{
		{nil, true}, {r, true}, {io.Reader(r), true}, {m, true}, {f, true},
		{strings.NewReader(""), false}, {0, false}, {"", false}, {struct{}{}, false},
	} {
		if got := Is(c.x); got != c.want {
			t.Errorf("Is(%#v) = %v, want %v", c.x, got, c.want)
		}
	}
}
