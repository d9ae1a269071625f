// Package curltest runs the shell commands an example prints, as a reader
// would paste them: with bash and curl.
//
// Where bash or curl is missing the test is skipped, unless
// TRUSTPUB_REQUIRE_CURL=1 (set by CI), which makes it a failure.
package curltest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// RequireEnv, set to 1, turns a missing bash or curl into a test failure.
const RequireEnv = "TRUSTPUB_REQUIRE_CURL"

// Run runs script with bash -eu -o pipefail, in a clean environment but
// for PATH, a new HOME and env ("KEY=value", overriding those), and returns
// its standard output. A failing script fails the test, showing its output.
func Run(tb testing.TB, script string, env ...string) string {
	tb.Helper()
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv(RequireEnv) == "1" {
				tb.Fatalf("curltest: %v (and %s=1)", err, RequireEnv)
			}
			tb.Skipf("curltest: %v (set %s=1 to fail instead)", err, RequireEnv)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-eu", "-o", "pipefail", "-c", script)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + tb.TempDir()}, env...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("curltest: %v\nscript:\n%s\nstdout:\n%s\nstderr:\n%s", err, script, stdout.String(), stderr.String())
	}
	return stdout.String()
}
