package oidc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"
)

// The test kit signs with RSA only; ECDSA is checked here, on raw keys.
func TestECDSA(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		alg   string
		curve elliptic.Curve
	}{{"ES256", elliptic.P256()}, {"ES384", elliptic.P384()}, {"ES512", elliptic.P521()}} {
		t.Run(c.alg, func(t *testing.T) {
			t.Parallel()
			a := algorithms[c.alg]
			key, err := ecdsa.GenerateKey(c.curve, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			const input = "header.payload"
			digest := a.digest(nil, []byte(input))
			r, s, err := ecdsa.Sign(rand.Reader, key, digest)
			if err != nil {
				t.Fatal(err)
			}
			sig := make([]byte, 2*a.curve) // JWS: r and s, fixed width
			r.FillBytes(sig[:a.curve])
			s.FillBytes(sig[a.curve:])

			if !a.fits(&key.PublicKey) || a.fits(&rsaKey.PublicKey) {
				t.Errorf("fits: own curve %v, RSA %v", a.fits(&key.PublicKey), a.fits(&rsaKey.PublicKey))
			}
			if !a.verify(&key.PublicKey, digest, sig) {
				t.Fatal("a good signature does not verify")
			}
			if a.verify(&key.PublicKey, a.digest(nil, []byte(input+".")), sig) {
				t.Error("the signature verifies another input")
			}
			if a.verify(&key.PublicKey, digest, append([]byte{0}, sig...)) || a.verify(&key.PublicKey, digest, sig[1:]) {
				t.Error("a signature of the wrong length verifies")
			}
			bad := append([]byte(nil), sig...)
			bad[len(bad)-1] ^= 1
			if a.verify(&key.PublicKey, digest, bad) {
				t.Error("a tampered signature verifies")
			}
			if a.verify(&rsaKey.PublicKey, digest, sig) {
				t.Error("an RSA key verifies an ECDSA signature")
			}
			for other, oa := range algorithms {
				if other != c.alg && oa.fits(&key.PublicKey) {
					t.Errorf("%s fits a %s key", other, c.alg)
				}
			}
		})
	}
}

func TestMaxAge(t *testing.T) {
	t.Parallel()
	for cc, want := range map[string]time.Duration{
		"":                                       0,
		"max-age=300":                            300 * time.Second,
		"public, max-age=19800, must-revalidate": 19800 * time.Second,
		`max-age="60"`:                           time.Minute,
		"Max-Age=60":                             time.Minute,
		"max-age=60, no-cache":                   0,
		"no-store, max-age=60":                   0,
		"max-age=-5":                             0,
		"max-age=abc":                            0,
		"max-age=99999999999999999":              365 * 24 * time.Hour,
	} {
		if got := maxAge(cc); got != want {
			t.Errorf("maxAge(%q) = %s, want %s", cc, got, want)
		}
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	long := "€" + string(make([]byte, 100))
	for in, want := range map[string]int{"short": 5, long: 80 + len("…")} {
		got := clip(in)
		if len(got) != want {
			t.Errorf("clip(%q) has %d bytes, want %d", in, len(got), want)
		}
	}
	// A cut never splits a rune.
	s := string(make([]byte, 79)) + "€€"
	if got := clip(s); got != s[:79]+"…" {
		t.Errorf("clip split a rune: %q", got)
	}
}
