// Package npmtest runs the real npm CLI in tests: a pinned npm 11,
// installed once from the npm registry with the machine's node and npm into
// the user's cache directory, and run with a clean home and configuration
// so that only what the test gives it counts.
//
// Where node, npm or the registry cannot be had, the test is skipped, unless
// TRUSTPUB_REQUIRE_NPM=1 (set by CI), which makes it a failure.
package npmtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is the npm CLI the tests run: pinned, so that every machine runs
// the same client and the cache is keyed by it. npm 12 needs node 22.
const Version = "11.21.2"

// MinVersion is the first npm CLI with trusted publishing (the OIDC
// exchange in npm publish).
const MinVersion = "11.5.1"

// RequireEnv, set to 1, turns a missing node, npm or registry into a test
// failure.
const RequireEnv = "TRUSTPUB_REQUIRE_NPM"

// CLI is an installed npm CLI, run by the machine's node.
type CLI struct {
	Version string // as the CLI reports it
	Dir     string // the install prefix, in the user's cache

	node   string
	script string // node_modules/npm/bin/npm-cli.js
}

var (
	mu         sync.Mutex
	installed  *CLI
	installErr error
)

// errUnavailable marks what a developer's machine may lack: node, npm, the
// registry.
var errUnavailable = errors.New("npm unavailable")

// Install returns the pinned npm CLI, installing it into the user's cache
// directory the first time (a few seconds), and reusing it after, across
// test runs and processes.
func Install(tb testing.TB) *CLI {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if installed == nil && installErr == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		installed, installErr = install(ctx)
		cancel()
	}
	switch {
	case errors.Is(installErr, errUnavailable):
		if os.Getenv(RequireEnv) == "1" {
			tb.Fatalf("npmtest: %v (and %s=1)", installErr, RequireEnv)
		}
		tb.Skipf("npmtest: %v (set %s=1 to fail instead)", installErr, RequireEnv)
	case installErr != nil:
		tb.Fatalf("npmtest: %v", installErr)
	}
	return installed
}

func install(ctx context.Context) (*CLI, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("%w: node: %v", errUnavailable, err)
	}
	dir := cacheDir()
	if c, err := open(ctx, node, dir); err == nil {
		return c, nil
	} else if _, serr := os.Stat(dir); serr == nil {
		os.RemoveAll(dir) // a broken install; another is made below
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return nil, fmt.Errorf("%w: npm, to install npm %s: %v", errUnavailable, Version, err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	// Install beside the cache entry and rename it into place, so that
	// test processes installing at once never see half an install.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".npm-"+Version+"-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, npm, "install", "--prefix", tmp, "--no-save", "--no-package-lock",
		"--no-audit", "--no-fund", "--update-notifier=false", "--loglevel=error", "npm@"+Version)
	cmd.Dir = tmp
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v\n%s", errUnavailable, strings.Join(cmd.Args, " "), err, out)
	}
	if _, err := open(ctx, node, tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if c, oerr := open(ctx, node, dir); oerr == nil {
			return c, nil // another process installed it first
		}
		return nil, err
	}
	return open(ctx, node, dir)
}

// cacheDir is where the pinned CLI is installed: the user's cache
// directory, or the temporary one when there is none.
func cacheDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "trustpub", "npm-"+Version)
}

// open checks the CLI installed in dir: it runs, and reports Version.
func open(ctx context.Context, node, dir string) (*CLI, error) {
	c := &CLI{Dir: dir, node: node, script: filepath.Join(dir, "node_modules", "npm", "bin", "npm-cli.js")}
	if _, err := os.Stat(c.script); err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp("", "npmtest-home-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	cmd := exec.CommandContext(ctx, node, c.script, "--version")
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s --version: %w", c.script, err)
	}
	c.Version = strings.TrimSpace(string(out))
	if c.Version != Version || !AtLeast(c.Version, MinVersion) {
		return nil, fmt.Errorf("%s reports npm %q, want %s (at least %s)", c.script, c.Version, Version, MinVersion)
	}
	return c, nil
}

// AtLeast reports whether version v (major.minor.patch) is min or later;
// a pre-release or a malformed version is not.
func AtLeast(v, min string) bool {
	a, ok1 := parse(v)
	b, ok2 := parse(min)
	if !ok1 || !ok2 {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return true
}

func parse(v string) ([3]int, bool) {
	var n [3]int
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return n, false
	}
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 || strconv.Itoa(x) != p {
			return n, false
		}
		n[i] = x
	}
	return n, true
}

// Options is how npm is run.
type Options struct {
	// Registry is the --registry URL. Required.
	Registry string
	// Env is added to the clean environment (PATH, HOME): e.g. a CI
	// runner's variables (providertest.Runner.Env).
	Env []string
	// CACerts are PEM certificates node trusts beside its own, through
	// NODE_EXTRA_CA_CERTS: the test issuer's and the registry's.
	CACerts [][]byte
	// Npmrc are the lines of the user config, otherwise empty: e.g.
	// AuthToken(registry, token).
	Npmrc []string
	// Timeout bounds the run. Default 2 min.
	Timeout time.Duration
}

// Result is a finished npm run.
type Result struct {
	Args     []string // npm's arguments
	ExitCode int
	Stdout   string
	Stderr   string // where npm logs, --loglevel verbose included
}

// String shows the run for a test failure.
func (r *Result) String() string {
	return fmt.Sprintf("npm %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.Args, " "), r.ExitCode, r.Stdout, r.Stderr)
}

// Publish runs `npm publish --provenance=false --loglevel verbose` in dir,
// the package's directory. A non-zero exit is a result, not a failure.
func (c *CLI) Publish(tb testing.TB, dir string, o Options, args ...string) *Result {
	tb.Helper()
	return c.Run(tb, dir, o, append([]string{"publish", "--provenance=false", "--loglevel", "verbose"}, args...)...)
}

// Run runs npm with args in dir, with a clean HOME, a user config of
// o.Npmrc alone, an empty global config, o.Registry and o.Env, and waits
// for it. It fails the test only when npm cannot be run at all.
func (c *CLI) Run(tb testing.TB, dir string, o Options, args ...string) *Result {
	tb.Helper()
	if o.Registry == "" {
		tb.Fatal("npmtest: Options.Registry is required")
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	tmp := tb.TempDir()
	home, userrc, globalrc := filepath.Join(tmp, "home"), filepath.Join(tmp, "npmrc"), filepath.Join(tmp, "global-npmrc")
	write(tb, userrc, []byte(strings.Join(o.Npmrc, "\n")+"\n"))
	write(tb, globalrc, nil)
	if err := os.Mkdir(home, 0o700); err != nil {
		tb.Fatal(err)
	}
	env := append([]string{"HOME=" + home, "PATH=" + filepath.Dir(c.node) + ":/usr/local/bin:/usr/bin:/bin"}, o.Env...)
	if len(o.CACerts) > 0 {
		ca := filepath.Join(tmp, "ca.pem")
		write(tb, ca, bytes.Join(o.CACerts, []byte("\n")))
		env = append(env, "NODE_EXTRA_CA_CERTS="+ca)
	}
	args = append([]string{"--userconfig", userrc, "--globalconfig", globalrc, "--registry", o.Registry,
		"--update-notifier=false", "--fetch-retries=0", "--audit=false", "--fund=false"}, args...)

	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.node, append([]string{c.script}, args...)...)
	cmd.Dir, cmd.Env, cmd.WaitDelay = dir, env, 5*time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := &Result{Args: args, Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		tb.Fatalf("npmtest: timed out after %v\n%s", o.Timeout, res)
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	case err != nil:
		tb.Fatalf("npmtest: %v", err)
	}
	return res
}

// AuthToken is the npmrc line giving npm a token for registry.
func AuthToken(registry, token string) string {
	r := strings.TrimPrefix(strings.TrimPrefix(registry, "https:"), "http:")
	if !strings.HasSuffix(r, "/") {
		r += "/"
	}
	return r + ":_authToken=" + token
}

// WritePackage writes a minimal package, name at version, into a new
// directory and returns it.
func WritePackage(tb testing.TB, name, version string) string {
	tb.Helper()
	dir := tb.TempDir()
	manifest := fmt.Sprintf("{\n  \"name\": %q,\n  \"version\": %q,\n  \"description\": \"trustpub test package\",\n  \"main\": \"index.js\",\n  \"license\": \"MIT\"\n}\n", name, version)
	write(tb, filepath.Join(dir, "package.json"), []byte(manifest))
	write(tb, filepath.Join(dir, "index.js"), []byte("module.exports = "+strconv.Quote(name+"@"+version)+"\n"))
	write(tb, filepath.Join(dir, "README.md"), []byte("# "+name+"\n"))
	return dir
}

func write(tb testing.TB, path string, b []byte) {
	tb.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}
