package npmtest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustpub/trustpub/internal/npmtest"
)

func TestAtLeast(t *testing.T) {
	tests := []struct {
		v, min string
		want   bool
	}{
		{"11.5.1", "11.5.1", true},
		{"11.21.2", "11.5.1", true},
		{"12.0.0", "11.5.1", true},
		{"11.5.0", "11.5.1", false},
		{"11.4.9", "11.5.1", false},
		{"10.9.2", "11.5.1", false},
		{"11.5.1-pre.0", "11.5.1", false},
		{"11.5", "11.5.1", false},
		{"11.05.1", "11.5.1", false},
		{"", "11.5.1", false},
		{"v11.6.0", "11.5.1", false},
	}
	for _, tt := range tests {
		if got := npmtest.AtLeast(tt.v, tt.min); got != tt.want {
			t.Errorf("AtLeast(%q, %q) = %v", tt.v, tt.min, got)
		}
	}
	if !npmtest.AtLeast(npmtest.Version, npmtest.MinVersion) {
		t.Errorf("the pinned npm %s is older than %s", npmtest.Version, npmtest.MinVersion)
	}
}

func TestAuthToken(t *testing.T) {
	for reg, want := range map[string]string{
		"https://127.0.0.1:8443/":       "//127.0.0.1:8443/:_authToken=tok",
		"https://127.0.0.1:8443":        "//127.0.0.1:8443/:_authToken=tok",
		"http://registry.example/npm/":  "//registry.example/npm/:_authToken=tok",
		"https://registry.example/npm/": "//registry.example/npm/:_authToken=tok",
	} {
		if got := npmtest.AuthToken(reg, "tok"); got != want {
			t.Errorf("AuthToken(%s) = %s, want %s", reg, got, want)
		}
	}
}

func TestInstall(t *testing.T) {
	cli := npmtest.Install(t)
	if cli.Version != npmtest.Version {
		t.Errorf("version %s, want %s", cli.Version, npmtest.Version)
	}
	cache, err := os.UserCacheDir()
	if err == nil && cli.Dir != filepath.Join(cache, "trustpub", "npm-"+npmtest.Version) {
		t.Errorf("installed in %s", cli.Dir)
	}
	if again := npmtest.Install(t); again != cli {
		t.Error("a second Install did not reuse the first")
	}
}

// npm sees only what the test gives it: not the environment's npm_config_*
// variables, nor the user's npmrc.
func TestRunClean(t *testing.T) {
	cli := npmtest.Install(t)
	t.Setenv("npm_config_tag", "from-environment")
	t.Setenv("NPM_CONFIG_USERCONFIG", "/nonexistent")
	dir := t.TempDir()
	get := func(o npmtest.Options, key string) string {
		t.Helper()
		res := cli.Run(t, dir, o, "config", "get", key)
		if res.ExitCode != 0 {
			t.Fatal(res)
		}
		return strings.TrimSpace(res.Stdout)
	}
	o := npmtest.Options{Registry: "https://127.0.0.1:1/"}
	if got := get(o, "tag"); got != "latest" {
		t.Errorf("tag %q: the environment leaked into npm's config", got)
	}
	if got := get(o, "registry"); got != o.Registry {
		t.Errorf("registry %q", got)
	}
	o.Npmrc = []string{"tag=from-npmrc"}
	if got := get(o, "tag"); got != "from-npmrc" {
		t.Errorf("tag %q, want the npmrc's", got)
	}
	o.Env = []string{"npm_config_tag=from-options"}
	if got := get(o, "tag"); got != "from-options" {
		t.Errorf("tag %q, want Options.Env's", got)
	}
}

// npm's environment is Options.Env alone (beside HOME, PATH and the CA
// file): a test playing one CI is not also the CI the test runs in, whose
// variables (ci-info's, NPM_ID_TOKEN) would change what npm publish does.
func TestRunEnvClean(t *testing.T) {
	cli := npmtest.Install(t)
	for _, kv := range []string{"GITHUB_ACTIONS", "ACTIONS_ID_TOKEN_REQUEST_URL", "GITLAB_CI", "CIRCLECI", "NPM_ID_TOKEN", "CI"} {
		t.Setenv(kv, "from-host")
	}
	dir := npmtest.WritePackage(t, "env-probe", "1.0.0")
	res := cli.Run(t, dir, npmtest.Options{Registry: "https://127.0.0.1:1/", Env: []string{"CIRCLECI=true"}}, "run", "env")
	if res.ExitCode != 0 {
		t.Fatal(res)
	}
	if strings.Contains(res.Stdout, "from-host") || !strings.Contains(res.Stdout, "\nCIRCLECI=true\n") {
		t.Errorf("npm's environment is not Options.Env's alone:\n%s", res.Stdout)
	}
}
