package claims

import (
	"fmt"
	"testing"
)

// indexed is what the index of a schema must answer: every claim the maps
// name, read the way decode read it from the maps, and nothing else.
type indexed interface {
	check(t *testing.T, name string, elsewhere []string)
	names() map[string]string
}

// schemas are every schema of the package, by the claim they decode.
var schemas = map[string]indexed{"github": &githubSchema, "gitlab": &gitlabSchema, "google": &googleSchema,
	"google.google": &googleInfoSchema, "google.compute_engine": &computeEngineSchema, "activestate": &activestateSchema,
	"buildkite": &buildkiteSchema, "circleci": &circleciSchema,
	"semaphore": &semaphoreSchema}

// names maps each claim the schema names to how decode reads it.
func (s *schema[T]) names() map[string]string {
	want := map[string]string{}
	for n := range registered {
		want[n] = "registered"
	}
	for n := range s.bools {
		want[n] = "bool"
	}
	for n := range s.ints {
		want[n] = "int"
	}
	for n := range s.strings {
		want[n] = "string"
	}
	for n := range s.other {
		want[n] = "other"
	}
	return want
}

func (s *schema[T]) check(t *testing.T, name string, elsewhere []string) {
	t.Helper()
	want := s.names()
	kind := func(f *field[T]) string {
		switch {
		case f == nil:
			return "none"
		case f.other != nil:
			return "other"
		case f.str != nil:
			return "string"
		case f.int != nil:
			return "int"
		case f.bool != nil:
			return "bool"
		}
		return "registered"
	}
	x := s.fields()
	if len(x.list) != len(want) || len(x.slots) < 4*len(want) {
		t.Errorf("%s: %d fields in %d slots, want %d in at least %d", name, len(x.list), len(x.slots), len(want), 4*len(want))
	}
	for n, k := range want {
		if got := kind(x.find(n)); got != k || !s.known(n) {
			t.Errorf("%s: %q is %s, want %s", name, n, got, k)
		}
	}
	// Names close to the schema's, and the names other schemas know.
	others := append([]string{"", "sub_", "ISS", "project_path\x00", fmt.Sprint(len(want))}, elsewhere...)
	for n := range want {
		others = append(others, n+"x", "x"+n, n[:len(n)-1], n+n)
	}
	for _, n := range others {
		if _, named := want[n]; !named && (x.find(n) != nil || s.known(n)) {
			t.Errorf("%s: %q found, but the schema does not name it", name, n)
		}
	}
}

func TestFieldIndex(t *testing.T) {
	var all []string
	for _, s := range schemas {
		for n := range s.names() {
			all = append(all, n)
		}
	}
	for name, s := range schemas {
		s.check(t, name, all)
	}
}
