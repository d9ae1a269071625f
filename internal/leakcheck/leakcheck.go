// Package leakcheck lets tests prove that no goroutine outlives its owner:
// it counts the goroutines whose stacks run a given function.
package leakcheck

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// Count returns the number of goroutines whose stack mentions marker, e.g.
// "oidc.(*KeyCache)".
func Count(marker string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, marker) {
			count++
		}
	}
	return count
}

// Wait polls until Count(marker) is want, and fails the test if that takes
// longer than a few seconds.
func Wait(tb testing.TB, marker string, want int) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for Count(marker) != want {
		if time.Now().After(deadline) {
			tb.Fatalf("%d goroutines running %s, want %d", Count(marker), marker, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
