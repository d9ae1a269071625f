package publisher_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
	"github.com/trustpub/trustpub/oidc/oidctest"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/providers/providertest"
	"github.com/trustpub/trustpub/publisher"
)

// sentinels names every sentinel error of the packages whose errors Verify
// returns, as the source declares it. TestClassifyCoversEverySentinel
// fails when one is added without a place in Classify's table.
var sentinels = map[string]error{
	"oidc.ErrTooLarge":          oidc.ErrTooLarge,
	"oidc.ErrMalformed":         oidc.ErrMalformed,
	"oidc.ErrUnsafeHeader":      oidc.ErrUnsafeHeader,
	"oidc.ErrAlgorithm":         oidc.ErrAlgorithm,
	"oidc.ErrIssuer":            oidc.ErrIssuer,
	"oidc.ErrAudience":          oidc.ErrAudience,
	"oidc.ErrMissingClaim":      oidc.ErrMissingClaim,
	"oidc.ErrExpired":           oidc.ErrExpired,
	"oidc.ErrNotYetValid":       oidc.ErrNotYetValid,
	"oidc.ErrIssuedInFuture":    oidc.ErrIssuedInFuture,
	"oidc.ErrLifetime":          oidc.ErrLifetime,
	"oidc.ErrUnknownKey":        oidc.ErrUnknownKey,
	"oidc.ErrSignature":         oidc.ErrSignature,
	"oidc.ErrKeysUnavailable":   oidc.ErrKeysUnavailable,
	"oidc.ErrReplayed":          oidc.ErrReplayed,
	"oidc.ErrReplayStore":       oidc.ErrReplayStore,
	"claims.ErrMissing":         claims.ErrMissing,
	"claims.ErrType":            claims.ErrType,
	"claims.ErrInvalid":         claims.ErrInvalid,
	"publisher.ErrNoPublisher":  publisher.ErrNoPublisher,
	"publisher.ErrClaims":       publisher.ErrClaims,
	"publisher.ErrStore":        publisher.ErrStore,
	"publisher.ErrPolicy":       publisher.ErrPolicy,
	"publisher.ErrUnserved":     publisher.ErrUnserved,
	"context.Canceled":          context.Canceled,
	"context.DeadlineExceeded":  context.DeadlineExceeded,
	"(an error of no sentinel)": errors.New("something else"),
}

// class is the part of a Class a table states; Message is checked apart.
type class struct {
	Name      string
	Status    int
	PyPICode  string
	Retryable bool
}

func classOf(err error) class {
	c := publisher.Classify(err)
	return class{c.Name, c.Status, c.PyPICode, c.Retryable}
}

func TestClassifyTable(t *testing.T) {
	tok := func(name string) class { return class{name, 401, "invalid-token", false} }
	down := func(name string) class { return class{name, 503, "", true} }
	want := map[string]class{
		"oidc.ErrTooLarge":          tok("token-too-large"),
		"oidc.ErrMalformed":         tok("malformed-token"),
		"oidc.ErrUnsafeHeader":      tok("unsafe-token-header"),
		"oidc.ErrAlgorithm":         tok("algorithm-not-allowed"),
		"oidc.ErrIssuer":            tok("untrusted-issuer"),
		"oidc.ErrAudience":          tok("wrong-audience"),
		"oidc.ErrMissingClaim":      tok("missing-claim"),
		"oidc.ErrExpired":           tok("token-expired"),
		"oidc.ErrNotYetValid":       tok("token-not-yet-valid"),
		"oidc.ErrIssuedInFuture":    tok("token-issued-in-future"),
		"oidc.ErrLifetime":          tok("token-lifetime-too-long"),
		"oidc.ErrUnknownKey":        {"unknown-signing-key", 401, "invalid-token", true},
		"oidc.ErrSignature":         tok("invalid-signature"),
		"oidc.ErrKeysUnavailable":   down("keys-unavailable"),
		"oidc.ErrReplayed":          {"token-reused", 401, "invalid-reuse-token", false},
		"oidc.ErrReplayStore":       down("replay-store-unavailable"),
		"claims.ErrMissing":         {"invalid-claims", 403, "invalid-publisher", false},
		"claims.ErrType":            {"invalid-claims", 403, "invalid-publisher", false},
		"claims.ErrInvalid":         {"invalid-claims", 403, "invalid-publisher", false},
		"publisher.ErrNoPublisher":  {"no-publisher", 403, "invalid-publisher", false},
		"publisher.ErrClaims":       {"invalid-claims", 403, "invalid-publisher", false},
		"publisher.ErrStore":        down("store-unavailable"),
		"publisher.ErrPolicy":       {"invalid-policy", 500, "", false},
		"publisher.ErrUnserved":     {"unserved-publisher", 500, "", false},
		"context.Canceled":          down("canceled"),
		"context.DeadlineExceeded":  down("timeout"),
		"(an error of no sentinel)": {"internal", 500, "", false},
	}
	if diff := cmp.Diff(len(want), len(sentinels)); diff != "" {
		t.Fatalf("the test's tables differ in length (-want +got):\n%s", diff)
	}
	for name, err := range sentinels {
		// Bare, wrapped as Verify wraps, and inside a typed error: the
		// same class.
		for _, e := range []error{err, fmt.Errorf("publisher: %w: detail", err),
			&oidc.Error{Err: err, Field: "kid", Value: "k"}, &claims.Error{Err: err, Claim: "sub"}} {
			if diff := cmp.Diff(want[name], classOf(e)); diff != "" {
				t.Errorf("Classify(%v) (-want +got):\n%s", e, diff)
			}
		}
	}
	if diff := cmp.Diff(class{"internal", 500, "", false}, classOf(nil)); diff != "" {
		t.Errorf("Classify(nil) (-want +got):\n%s", diff)
	}
}

// TestClassifyInvariants: what a handler relies on holds for every class.
func TestClassifyInvariants(t *testing.T) {
	names := map[string]string{} // class name -> message
	for name, err := range sentinels {
		c := publisher.Classify(err)
		switch {
		case c.Status == 401 || c.Status == 403:
			if c.PyPICode == "" {
				t.Errorf("%s: %s is the client's fault but has no PyPI code", name, c.Name)
			}
		case c.Status == 503:
			if c.PyPICode != "" || !c.Retryable {
				t.Errorf("%s: outage %s has PyPI code %q, retryable %v", name, c.Name, c.PyPICode, c.Retryable)
			}
		case c.Status == 500:
			if c.PyPICode != "" || c.Retryable {
				t.Errorf("%s: server error %s has PyPI code %q, retryable %v", name, c.Name, c.PyPICode, c.Retryable)
			}
		default:
			t.Errorf("%s: status %d", name, c.Status)
		}
		if http.StatusText(c.Status) == "" || c.Name == "" || strings.ContainsAny(c.Name, " \n") {
			t.Errorf("%s: class %+v", name, c)
		}
		if c.Message == "" || strings.ContainsAny(c.Message, "\n\"") || !strings.HasSuffix(c.Message, ".") {
			t.Errorf("%s: message %q is not one plain sentence", name, c.Message)
		}
		if m, seen := names[c.Name]; seen && m != c.Message {
			t.Errorf("class %s has two messages: %q and %q", c.Name, m, c.Message)
		}
		names[c.Name] = c.Message
	}
}

// TestClassifyPrecedence: an error wrapping an outage or a misconfiguration
// and a client fault is never the client's fault.
func TestClassifyPrecedence(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("publisher: %w: %w", publisher.ErrStore, context.DeadlineExceeded), "store-unavailable"},
		{fmt.Errorf("oidc: %w: %w", oidc.ErrReplayStore, context.Canceled), "replay-store-unavailable"},
		{fmt.Errorf("%w: %w", publisher.ErrClaims, oidc.ErrKeysUnavailable), "keys-unavailable"},
		{errors.Join(publisher.ErrNoPublisher, publisher.ErrPolicy), "invalid-policy"},
		{fmt.Errorf("%w: %w", oidc.ErrReplayed, oidc.ErrReplayStore), "replay-store-unavailable"},
		{fmt.Errorf("%w: %w", publisher.ErrStore, publisher.ErrPolicy), "invalid-policy"},
	} {
		if got := publisher.Classify(tc.err).Name; got != tc.want {
			t.Errorf("Classify(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

// TestClassifyMessageIsFixed: the client's message never carries what the
// error does (claim values, publisher ids, the repository).
func TestClassifyMessageIsFixed(t *testing.T) {
	secret := "octo-org/secret-package\nINFO accepted"
	for _, err := range []error{
		&publisher.NoMatchError{Issuer: providers.GitHubIssuer, Key: secret,
			Rejected: []publisher.Rejection{{ID: secret, Mismatches: []publisher.Mismatch{{Rule: "workflow", Claim: "workflow_ref", Want: secret, Got: secret}}}}},
		&oidc.Error{Err: oidc.ErrAudience, Field: "aud", Value: secret, Reason: "want " + secret},
		fmt.Errorf("publisher: %w: %w", publisher.ErrClaims, &claims.Error{Err: claims.ErrInvalid, Claim: "repository", Reason: secret}),
		fmt.Errorf("publisher: %w: %s", publisher.ErrStore, secret),
		errors.New(secret),
	} {
		c := publisher.Classify(err)
		if strings.Contains(c.Message, "secret") || strings.Contains(c.Message, "octo-org") {
			t.Errorf("Classify(%v).Message = %q", err, c.Message)
		}
		if bare := publisher.Classify(errors.Unwrap(err)); errors.Unwrap(err) != nil && bare.Name == c.Name && bare.Message != c.Message {
			t.Errorf("the message of %s depends on the error: %q, %q", c.Name, c.Message, bare.Message)
		}
	}
}

// TestClassifyCoversEverySentinel reads the sources of the packages whose
// errors Verify returns: a sentinel added there must be given a class (one
// line in Classify's table) and a line in this test's tables.
func TestClassifyCoversEverySentinel(t *testing.T) {
	for pkg, dir := range map[string]string{"oidc": "../oidc", "claims": "../claims", "publisher": "."} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, decl := range file.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.VAR {
					continue
				}
				for _, spec := range gd.Specs {
					for _, id := range spec.(*ast.ValueSpec).Names {
						if !strings.HasPrefix(id.Name, "Err") || !id.IsExported() {
							continue
						}
						name := pkg + "." + id.Name
						err, ok := sentinels[name]
						if !ok {
							t.Errorf("%s (%s) is not in this test's tables: give it a class in Classify's table, then add it here", name, f)
							continue
						}
						if publisher.Classify(err).Name == "internal" {
							t.Errorf("%s classifies as internal: give it a line in Classify's table", name)
						}
					}
				}
			}
		}
	}
}

// classifyEnv is a local issuer and a Verifier trusting it as GitHub.
type classifyEnv struct {
	iss *providertest.Issuer
	v   *publisher.Verifier
}

func newClassifyEnv(t *testing.T, edit func(*publisher.Config)) *classifyEnv {
	t.Helper()
	e := &classifyEnv{iss: providertest.New(t, oidctest.Options{})}
	store, err := publisher.NewMemoryStore(publisher.Registered{ID: "hello", Policy: &publisher.GitHub{
		IssuerURL: e.iss.URL(), Owner: "octo-org", OwnerID: "9919", Repository: "hello", Workflow: "release.yml"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := publisher.Config{Audience: oidctest.DefaultAudience, Providers: []providers.Provider{e.iss.GitHub()},
		Publishers: store, HTTPClient: e.iss.Client()}
	if edit != nil {
		edit(&cfg)
	}
	if e.v, err = publisher.New(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.v.Close() })
	return e
}

func (e *classifyEnv) mint(t *testing.T, c *claims.GitHub, opts ...oidctest.MintOption) string {
	t.Helper()
	if c == nil {
		c = providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0")
	}
	tok, err := e.iss.MintGitHub(c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type replayFunc func(ctx context.Context, id string, until time.Time) error

func (f replayFunc) Claim(ctx context.Context, id string, until time.Time) error {
	return f(ctx, id, until)
}

// TestClassifyVerify classifies what Verify really returns, end to end.
func TestClassifyVerify(t *testing.T) {
	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	down := errors.New("connection refused")
	for _, tc := range []struct {
		name string
		edit func(*publisher.Config)
		run  func(t *testing.T, e *classifyEnv) error
		want string
	}{
		{"accepted, then replayed", nil, func(t *testing.T, e *classifyEnv) error {
			tok := e.mint(t, nil)
			if _, err := e.v.Verify(context.Background(), tok); err != nil {
				t.Fatalf("first use: %v", err)
			}
			_, err := e.v.Verify(context.Background(), tok)
			return err
		}, "token-reused"},
		{"expired", nil, func(t *testing.T, e *classifyEnv) error {
			_, err := e.v.Verify(context.Background(), e.mint(t, nil, oidctest.Expired()))
			return err
		}, "token-expired"},
		{"wrong audience", nil, func(t *testing.T, e *classifyEnv) error {
			_, err := e.v.Verify(context.Background(), e.mint(t, nil, oidctest.Audience("pypi")))
			return err
		}, "wrong-audience"},
		{"untrusted issuer", nil, func(t *testing.T, e *classifyEnv) error {
			_, err := e.v.Verify(context.Background(), e.mint(t, nil, oidctest.IssuerURL("https://issuer.example")))
			return err
		}, "untrusted-issuer"},
		{"malformed", nil, func(t *testing.T, e *classifyEnv) error {
			_, err := e.v.Verify(context.Background(), "x.y.z")
			return err
		}, "malformed-token"},
		{"too large", nil, func(t *testing.T, e *classifyEnv) error {
			_, err := e.v.Verify(context.Background(), strings.Repeat("a", 20<<10))
			return err
		}, "token-too-large"},
		{"key the issuer never published", nil, func(t *testing.T, e *classifyEnv) error {
			_, err := e.v.Verify(context.Background(), e.mint(t, nil, oidctest.SignWith(&oidctest.Key{ID: "stranger", Private: stranger})))
			return err
		}, "unknown-signing-key"},
		{"issuer down", nil, func(t *testing.T, e *classifyEnv) error {
			e.iss.Fail(http.StatusBadGateway)
			_, err := e.v.Verify(context.Background(), e.mint(t, nil))
			return err
		}, "keys-unavailable"},
		{"claims invalid", nil, func(t *testing.T, e *classifyEnv) error {
			c := providertest.GitHubWorkflow("octo-org/hello", "9919", "release.yml", "refs/tags/v1.0.0")
			c.RepositoryOwnerID = "octo-org"
			_, err := e.v.Verify(context.Background(), e.mint(t, c))
			return err
		}, "invalid-claims"},
		{"no publisher", nil, func(t *testing.T, e *classifyEnv) error {
			c := providertest.GitHubWorkflow("octo-org/hello", "9919", "build.yml", "refs/heads/main")
			_, err := e.v.Verify(context.Background(), e.mint(t, c))
			return err
		}, "no-publisher"},
		{"store down", func(cfg *publisher.Config) {
			cfg.Publishers = storeFunc(func(context.Context, string, string) ([]publisher.Registered, error) { return nil, down })
		}, func(t *testing.T, e *classifyEnv) error {
			_, err := e.v.Verify(context.Background(), e.mint(t, nil))
			return err
		}, "store-unavailable"},
		{"store times out", func(cfg *publisher.Config) {
			cfg.Publishers = storeFunc(func(ctx context.Context, _, _ string) ([]publisher.Registered, error) {
				return nil, context.DeadlineExceeded
			})
		}, func(t *testing.T, e *classifyEnv) error {
			_, err := e.v.Verify(context.Background(), e.mint(t, nil))
			return err
		}, "store-unavailable"},
		{"replay store down", func(cfg *publisher.Config) {
			cfg.Replay = replayFunc(func(context.Context, string, time.Time) error { return down })
		}, func(t *testing.T, e *classifyEnv) error {
			_, err := e.v.Verify(context.Background(), e.mint(t, nil))
			return err
		}, "replay-store-unavailable"},
		{"request cancelled at the replay store", nil, func(t *testing.T, e *classifyEnv) error {
			if _, err := e.v.Verify(context.Background(), e.mint(t, nil)); err != nil {
				t.Fatal(err) // keys are cached now
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := e.v.Verify(ctx, e.mint(t, nil))
			return err
		}, "replay-store-unavailable"},
		{"a Verifier not built by New", nil, func(t *testing.T, e *classifyEnv) error {
			_, err := new(publisher.Verifier).Verify(context.Background(), e.mint(t, nil))
			return err
		}, "internal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newClassifyEnv(t, tc.edit)
			err := tc.run(t, e)
			if err == nil {
				t.Fatal("Verify accepted the token")
			}
			if got := publisher.Classify(err).Name; got != tc.want {
				t.Errorf("Classify(%v) = %s, want %s", err, got, tc.want)
			}
		})
	}
}
