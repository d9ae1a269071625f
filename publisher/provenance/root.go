package provenance

import (
	"os"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// TrustedRoot is the Sigstore trust material attestations are verified
// against: Fulcio CAs, Rekor (transparency log) keys, CT log keys and
// timestamp authorities, each with its validity period. It is the
// trusted_root.json Sigstore distributes through TUF; the caller supplies
// it, and refreshes it by loading a newer one (nothing here uses the
// network). It is immutable and safe for concurrent use.
type TrustedRoot struct {
	tr *root.TrustedRoot
}

// ParseTrustedRoot reads a trusted_root.json. It must name at least one
// Fulcio CA and one transparency log, without which nothing verifies. The
// error is an *Error wrapping ErrTrustedRoot.
func ParseTrustedRoot(data []byte) (*TrustedRoot, error) {
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fail(ErrTrustedRoot, err, "not a Sigstore trusted root")
	}
	switch {
	case len(tr.FulcioCertificateAuthorities()) == 0:
		return nil, fail(ErrTrustedRoot, nil, "no Fulcio certificate authority")
	case len(tr.RekorLogs()) == 0:
		return nil, fail(ErrTrustedRoot, nil, "no transparency log")
	}
	return &TrustedRoot{tr: tr}, nil
}

// LoadTrustedRoot reads a trusted_root.json file.
func LoadTrustedRoot(path string) (*TrustedRoot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fail(ErrTrustedRoot, err, "reading %s", path)
	}
	return ParseTrustedRoot(data)
}
