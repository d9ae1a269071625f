package provenance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/sigstore/sigstore-go/pkg/tuf"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// TUFOptions say where FetchTrustedRoot gets the trusted root from. The
// zero value is Sigstore's public-good repository, trusted from the TUF
// root sigstore-go embeds, with nothing kept on disk.
type TUFOptions struct {
	// RepositoryURL is the TUF repository's base URL; empty means
	// Sigstore's public-good one (https://tuf-repo-cdn.sigstore.dev).
	RepositoryURL string
	// Root is the TUF root metadata (a root.json) to trust first. It is
	// required with RepositoryURL; empty means public-good's.
	Root []byte
	// CacheDir, when set, keeps the verified TUF metadata between calls,
	// so a later call downloads only what changed. Empty keeps nothing.
	CacheDir string
	// HTTPClient fetches the metadata; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// FetchTrustedRoot downloads Sigstore's trusted_root.json through TUF,
// which verifies it (and every root rotation since opts.Root) before it is
// parsed. It is the only function of the package that uses the network,
// and nothing calls it for the caller: fetch at start-up and then
// periodically (daily, say), build a new Verifier from each result, and
// keep the previous one when a fetch fails. The error wraps ErrTrustedRoot.
func FetchTrustedRoot(ctx context.Context, opts TUFOptions) (*TrustedRoot, error) {
	o := tuf.DefaultOptions()
	switch {
	case opts.RepositoryURL != "" && len(opts.Root) == 0:
		return nil, fail(ErrTrustedRoot, nil, "the TUF repository %s needs its root metadata (TUFOptions.Root)", opts.RepositoryURL)
	case opts.RepositoryURL != "":
		o.RepositoryBaseURL = opts.RepositoryURL
	}
	if len(opts.Root) > 0 {
		o.Root = opts.Root
	}
	o.CachePath, o.DisableLocalCache = opts.CacheDir, opts.CacheDir == ""
	o.CacheValidity, o.ForceCache = 0, false
	client := opts.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	o.Fetcher = ctxFetcher{ctx: ctx, client: client}
	c, err := tuf.New(o)
	if err != nil {
		return nil, fail(ErrTrustedRoot, err, "updating from the TUF repository %s", o.RepositoryBaseURL)
	}
	data, err := c.GetTarget("trusted_root.json")
	if err != nil {
		return nil, fail(ErrTrustedRoot, err, "fetching trusted_root.json from %s", o.RepositoryBaseURL)
	}
	return ParseTrustedRoot(data)
}

// ctxFetcher is go-tuf's metadata fetcher bound to a context and a client.
type ctxFetcher struct {
	ctx    context.Context
	client *http.Client
}

// DownloadFile implements go-tuf's fetcher.Fetcher. The updater tells
// "no newer root" from a failure by the ErrDownloadHTTP status.
func (f ctxFetcher) DownloadFile(url string, maxLength int64, _ time.Duration) ([]byte, error) {
	req, err := http.NewRequestWithContext(f.ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, &metadata.ErrDownloadHTTP{StatusCode: res.StatusCode, URL: url}
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxLength+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s is longer than %d bytes", url, maxLength)}
	}
	return data, nil
}
