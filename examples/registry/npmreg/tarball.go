package npmreg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"path"
	"strings"
)

// Bounds on reading a tarball: what it may unpack to before package.json
// is found (a gzip bomb stops here), and package.json's own size.
const (
	maxUnpacked    = 256 << 20
	maxPackageJSON = 1 << 20
)

// packageJSON reads the name and version of the package.json at the root of
// a package tarball (<dir>/package.json; npm's dir is "package"). npm
// strips the first directory when it unpacks, so two such files, whatever
// their directories, or one that is not a regular file, are refused.
func packageJSON(tgz []byte) (name, version string, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return "", "", errors.New("the tarball is not gzip")
	}
	tr := tar.NewReader(io.LimitReader(zr, maxUnpacked))
	found := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", "", errors.New("the tarball is not a valid tar.gz")
		}
		_, rest, _ := strings.Cut(strings.TrimPrefix(h.Name, "./"), "/")
		if path.Clean(rest) != "package.json" {
			continue
		}
		switch {
		case found:
			return "", "", errors.New("the tarball has two package.json")
		case h.Typeflag != tar.TypeReg:
			return "", "", errors.New("the tarball's package.json is not a regular file")
		case h.Size > maxPackageJSON:
			return "", "", errors.New("the tarball's package.json is too large")
		}
		var m struct{ Name, Version string }
		b, err := io.ReadAll(tr)
		if err != nil || json.Unmarshal(b, &m) != nil {
			return "", "", errors.New("the tarball's package.json is not JSON")
		}
		name, version, found = m.Name, m.Version, true
	}
	if !found {
		return "", "", errors.New("the tarball has no package.json")
	}
	return name, version, nil
}
