package provenance

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// tufRepo is a TUF repository serving one target, trusted_root.json,
// over HTTPS: version 1 of each role, all signed by one key.
type tufRepo struct {
	srv   *httptest.Server
	root  []byte            // 1.root.json, the client's trust anchor
	files map[string][]byte // path → content
}

func newTUFRepo(t *testing.T, trustedRoot []byte) *tufRepo {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.LoadSigner(key, crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := metadata.KeyFromPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(24 * time.Hour)
	root := metadata.Root(expires)
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		if err := root.Signed.AddKey(pub, role); err != nil {
			t.Fatal(err)
		}
	}
	targets := metadata.Targets(expires)
	file, err := metadata.TargetFile().FromBytes("trusted_root.json", trustedRoot, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	targets.Signed.Targets["trusted_root.json"] = file
	snapshot, timestamp := metadata.Snapshot(expires), metadata.Timestamp(expires)

	r := &tufRepo{files: map[string][]byte{
		"/targets/" + hex.EncodeToString(file.Hashes["sha256"]) + ".trusted_root.json": trustedRoot,
	}}
	for path, md := range map[string]interface {
		Sign(signature.Signer) (*metadata.Signature, error)
		ToBytes(bool) ([]byte, error)
	}{"/1.root.json": root, "/1.targets.json": targets, "/1.snapshot.json": snapshot, "/timestamp.json": timestamp} {
		if _, err := md.Sign(signer); err != nil {
			t.Fatal(err)
		}
		if r.files[path], err = md.ToBytes(false); err != nil {
			t.Fatal(err)
		}
	}
	r.root = r.files["/1.root.json"]
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		data, ok := r.files[req.URL.Path]
		if !ok {
			http.NotFound(w, req)
			return
		}
		_, _ = w.Write(data)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *tufRepo) options() TUFOptions {
	return TUFOptions{RepositoryURL: r.srv.URL, Root: r.root, HTTPClient: r.srv.Client()}
}

func TestFetchTrustedRoot(t *testing.T) {
	repo := newTUFRepo(t, readTestdata(t, "trusted-root-public-good.json"))
	opts := repo.options()
	opts.CacheDir = t.TempDir()
	tr, err := FetchTrustedRoot(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	// The fetched root verifies what the file does.
	v, err := NewVerifier(tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := fixtures(t)[0]
	att, err := f.parse(readTestdata(t, f.file))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(att, f.artifact); err != nil {
		t.Fatal(err)
	}
	cached, err := filepath.Glob(filepath.Join(opts.CacheDir, "*", "timestamp.json"))
	if err != nil || len(cached) != 1 {
		t.Errorf("the cache directory holds %v, want the verified timestamp.json", cached)
	}
	// Without a cache directory nothing is written.
	home := t.TempDir()
	t.Setenv("HOME", home)
	if _, err := FetchTrustedRoot(context.Background(), repo.options()); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("$HOME holds %d entries after a fetch without CacheDir", len(entries))
	}
}

func TestFetchTrustedRootRefuses(t *testing.T) {
	pg := readTestdata(t, "trusted-root-public-good.json")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name   string
		ctx    context.Context
		opts   func(r *tufRepo) TUFOptions
		tamper func(r *tufRepo)
	}{
		{name: "a target that is not the signed one", tamper: func(r *tufRepo) {
			for p := range r.files {
				if filepath.Dir(p) == "/targets" {
					r.files[p] = append(r.files[p][:len(r.files[p])-1:len(r.files[p])-1], ' ')
				}
			}
		}},
		{name: "another repository's root", opts: func(r *tufRepo) TUFOptions {
			o := r.options()
			o.Root = newTUFRepo(t, pg).root
			return o
		}},
		{name: "a repository without its root", opts: func(r *tufRepo) TUFOptions {
			o := r.options()
			o.Root = nil
			return o
		}},
		{name: "no timestamp", tamper: func(r *tufRepo) { delete(r.files, "/timestamp.json") }},
		{name: "canceled", ctx: canceled},
	} {
		t.Run(c.name, func(t *testing.T) {
			repo := newTUFRepo(t, pg)
			if c.tamper != nil {
				c.tamper(repo)
			}
			opts := repo.options()
			if c.opts != nil {
				opts = c.opts(repo)
			}
			ctx := c.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			tr, err := FetchTrustedRoot(ctx, opts)
			if tr != nil {
				t.Fatal("a trusted root with the error")
			}
			wantErr(t, err, ErrTrustedRoot)
		})
	}
}
