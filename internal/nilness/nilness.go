// Package nilness tells a nil interface from one holding a nil pointer.
//
// A typed nil (say a *redisstore.Store left nil by a failed constructor)
// passes "x != nil" and then panics, or worse, is quietly replaced by a
// weaker default. Configuration checks use Is to refuse it instead.
package nilness

import "reflect"

// Is reports whether x is nil or holds a nil pointer, map, slice, channel,
// function or interface.
func Is(x any) bool {
	if x == nil {
		return true
	}
	switch v := reflect.ValueOf(x); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		return v.IsNil()
	}
	return false
}
