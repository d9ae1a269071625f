package provenance

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// edit returns the JSON document data with f applied to it.
func edit(t *testing.T, data []byte, f func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func obj(v any) map[string]any { return v.(map[string]any) }

func TestParseBundleRefusesMalformed(t *testing.T) {
	npm := readTestdata(t, "npm-sigstore-1.3.0.provenance.sigstore.json")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string // in the error's detail
	}{
		{"not JSON", []byte("not json"), "not a Sigstore bundle"},
		{"empty object", []byte("{}"), "invalid sigstore bundle"},
		{"unknown field", edit(t, npm, func(d map[string]any) { d["extra"] = 1 }), "not a Sigstore bundle"},
		{"unknown media type", edit(t, npm, func(d map[string]any) { d["mediaType"] = "application/json" }), "invalid sigstore bundle"},
		{"message signature", edit(t, npm, func(d map[string]any) {
			delete(d, "dsseEnvelope")
			d["messageSignature"] = map[string]any{"messageDigest": map[string]any{"algorithm": "SHA2_256",
				"digest": base64.StdEncoding.EncodeToString(sha256Of(nil))}, "signature": "AAAA"}
		}), "no DSSE envelope"},
		{"payload type", edit(t, npm, func(d map[string]any) {
			obj(d["dsseEnvelope"])["payloadType"] = "application/json"
		}), "not an in-toto statement"},
		{"two signatures", edit(t, npm, func(d map[string]any) {
			env := obj(d["dsseEnvelope"])
			sigs := env["signatures"].([]any)
			env["signatures"] = append(sigs, sigs[0])
		}), "2 signatures"},
		{"no log entry", edit(t, npm, func(d map[string]any) {
			obj(d["verificationMaterial"])["tlogEntries"] = []any{}
		}), "no transparency log entry"},
		{"a key, not a certificate", edit(t, npm, func(d map[string]any) {
			vm := obj(d["verificationMaterial"])
			delete(vm, "x509CertificateChain")
			vm["publicKey"] = map[string]any{"hint": base64.StdEncoding.EncodeToString(pub)}
		}), "signed with a key"},
		{"certificate garbage", edit(t, npm, func(d map[string]any) {
			chain := obj(obj(d["verificationMaterial"])["x509CertificateChain"])
			obj(chain["certificates"].([]any)[0])["rawBytes"] = "AAAA"
		}), "verification material"},
		{"too large", append(npm, make([]byte, MaxSize)...), "more than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			att, err := ParseBundle(c.data)
			if att != nil {
				t.Fatal("an attestation with the error")
			}
			pe := wantErr(t, err, ErrMalformed)
			if !strings.Contains(pe.Error(), c.want) {
				t.Errorf("error %q should contain %q", pe.Error(), c.want)
			}
		})
	}
}

func TestParsePEP740RefusesMalformed(t *testing.T) {
	pypi := readTestdata(t, "pypi_attestations-0.0.19.tar.gz.publish.attestation")
	vm := func(d map[string]any) map[string]any { return obj(d["verification_material"]) }
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"not JSON", []byte("[]"), "not a PEP 740 attestation"},
		{"a Sigstore bundle", readTestdata(t, "npm-sigstore-1.3.0.provenance.sigstore.json"), "not a PEP 740 attestation"},
		{"trailing data", append(append([]byte(nil), pypi...), "{}"...), "data after the object"},
		{"no version", edit(t, pypi, func(d map[string]any) { delete(d, "version") }), "version must be 1"},
		{"version 2", edit(t, pypi, func(d map[string]any) { d["version"] = 2 }), "version must be 1"},
		{"unknown field", edit(t, pypi, func(d map[string]any) { vm(d)["extra"] = true }), "unknown field"},
		{"no certificate", edit(t, pypi, func(d map[string]any) { delete(vm(d), "certificate") }), "no verification_material.certificate"},
		{"certificate not base64", edit(t, pypi, func(d map[string]any) { vm(d)["certificate"] = "%%%" }), "not a PEP 740 attestation"},
		{"certificate garbage", edit(t, pypi, func(d map[string]any) { vm(d)["certificate"] = "AAAA" }), "verification material"},
		{"no entries", edit(t, pypi, func(d map[string]any) { vm(d)["transparency_entries"] = []any{} }), "no verification_material.transparency_entries"},
		{"entry not an entry", edit(t, pypi, func(d map[string]any) {
			vm(d)["transparency_entries"] = []any{map[string]any{"logIndex": "x"}}
		}), "transparency entry 0"},
		{"entry without proof", edit(t, pypi, func(d map[string]any) {
			delete(obj(vm(d)["transparency_entries"].([]any)[0]), "inclusionProof")
		}), "inclusion proof missing"},
		{"no envelope", edit(t, pypi, func(d map[string]any) { delete(d, "envelope") }), "needs a statement and a signature"},
		{"no signature", edit(t, pypi, func(d map[string]any) { delete(obj(d["envelope"]), "signature") }), "needs a statement and a signature"},
		{"too large", append(pypi, make([]byte, MaxSize)...), "more than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			att, err := ParsePEP740(c.data)
			if att != nil {
				t.Fatal("an attestation with the error")
			}
			pe := wantErr(t, err, ErrMalformed)
			if !strings.Contains(pe.Error(), c.want) {
				t.Errorf("error %q should contain %q", pe.Error(), c.want)
			}
		})
	}
}

func TestParseTrustedRootRefusesUnusable(t *testing.T) {
	pg := readTestdata(t, "trusted-root-public-good.json")
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"not JSON", []byte("nope"), "not a Sigstore trusted root"},
		{"another media type", edit(t, pg, func(d map[string]any) { d["mediaType"] = "application/json" }), "not a Sigstore trusted root"},
		{"no Fulcio CA", edit(t, pg, func(d map[string]any) { delete(d, "certificateAuthorities") }), "no Fulcio certificate authority"},
		{"no log", edit(t, pg, func(d map[string]any) { delete(d, "tlogs") }), "no transparency log"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := ParseTrustedRoot(c.data)
			if tr != nil {
				t.Fatal("a trusted root with the error")
			}
			pe := wantErr(t, err, ErrTrustedRoot)
			if !strings.Contains(pe.Error(), c.want) {
				t.Errorf("error %q should contain %q", pe.Error(), c.want)
			}
		})
	}
	_, err := LoadTrustedRoot(filepath.Join("testdata", "missing.json"))
	wantErr(t, err, ErrTrustedRoot)
	_, err = NewVerifier(nil, Options{})
	wantErr(t, err, ErrTrustedRoot)
}

func TestFormatString(t *testing.T) {
	for f, want := range map[Format]string{FormatBundle: "sigstore bundle", FormatPEP740: "PEP 740 attestation", 0: "Format(0)"} {
		if got := f.String(); got != want {
			t.Errorf("Format(%d).String() = %q, want %q", int(f), got, want)
		}
	}
}
