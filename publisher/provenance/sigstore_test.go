package provenance

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/url"
	"testing"
	"time"

	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	ctx509 "github.com/google/certificate-transparency-go/x509"
	ctx509util "github.com/google/certificate-transparency-go/x509util"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"google.golang.org/protobuf/encoding/protojson"
)

// testSigstore is a private Sigstore instance for tests: a Fulcio CA that
// issues certificates with any identity extensions, a CT log that embeds
// its signed certificate timestamp in them, and a Rekor log (sigstore-go's
// virtual one) that records signatures with an inclusion promise and
// proof. Its trusted root goes through ParseTrustedRoot like a real one.
//
// Real attestations cannot show a self-hosted runner, a reusable workflow
// or an arbitrary ref: these can.
type testSigstore struct {
	rootCert, interCert *x509.Certificate
	interKey            *ecdsa.PrivateKey
	ctKey               *ecdsa.PrivateKey
	rekor               *ca.VirtualSigstore
	rekorLog            *root.TransparencyLog
	start               time.Time
}

func newTestSigstore(t testing.TB) *testSigstore {
	t.Helper()
	rootCert, rootKey, err := ca.GenerateRootCa()
	if err != nil {
		t.Fatal(err)
	}
	interCert, interKey, err := ca.GenerateFulcioIntermediate(rootCert, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	ctKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	var rekorLog *root.TransparencyLog
	for _, l := range vs.RekorLogs() {
		rekorLog = l
	}
	return &testSigstore{rootCert: rootCert, interCert: interCert, interKey: interKey,
		ctKey: ctKey, rekor: vs, rekorLog: rekorLog, start: time.Now().Add(-time.Hour)}
}

// keyID is the log id of a key: the SHA-256 of its PKIX form.
func keyID(t testing.TB, pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return sum[:]
}

// TrustedRoot is the instance's trusted_root.json.
func (s *testSigstore) TrustedRoot(t testing.TB) []byte {
	t.Helper()
	fulcio := &root.FulcioCertificateAuthority{Root: s.rootCert, Intermediates: []*x509.Certificate{s.interCert},
		ValidityPeriodStart: s.start, URI: "https://fulcio.test"}
	rekorID := keyID(t, s.rekorLog.PublicKey)
	ctID := keyID(t, s.ctKey.Public())
	tlogs := map[string]*root.TransparencyLog{hex.EncodeToString(rekorID): {
		BaseURL: s.rekorLog.BaseURL, ID: rekorID, ValidityPeriodStart: s.start, HashFunc: crypto.SHA256,
		PublicKey: s.rekorLog.PublicKey, SignatureHashFunc: crypto.SHA256}}
	ctlogs := map[string]*root.TransparencyLog{hex.EncodeToString(ctID): {
		BaseURL: "https://ctfe.test", ID: ctID, ValidityPeriodStart: s.start, HashFunc: crypto.SHA256,
		PublicKey: s.ctKey.Public(), SignatureHashFunc: crypto.SHA256}}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, []root.CertificateAuthority{fulcio}, ctlogs, nil, tlogs)
	if err != nil {
		t.Fatal(err)
	}
	data, err := tr.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// signed is one attestation the instance made: the parts both wire formats
// are built from.
type signed struct {
	cert      *x509.Certificate
	entry     *protorekor.TransparencyLogEntry
	statement []byte
	sig       []byte
}

// signOptions vary how the instance signs, to make broken attestations.
type signOptions struct {
	noSCT      bool      // issue the certificate without an SCT
	issuerV1   string    // the deprecated issuer extension, when not id.Issuer
	integrated time.Time // the log's integration time, when not a minute ago
}

// Sign issues a certificate for id, signs statement with its key as a DSSE
// envelope of an in-toto statement and records the signature in the log.
func (s *testSigstore) Sign(t testing.TB, id Identity, statement []byte, opts ...func(*signOptions)) *signed {
	t.Helper()
	o := signOptions{issuerV1: id.Issuer, integrated: time.Now().Add(-time.Minute)}
	for _, f := range opts {
		f(&o)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert := s.issue(t, id, key, o)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sha256Of(dsse.PAE(inTotoPayloadType, statement)))
	if err != nil {
		t.Fatal(err)
	}
	env := &dsse.Envelope{PayloadType: inTotoPayloadType, Payload: base64.StdEncoding.EncodeToString(statement),
		Signatures: []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}}}
	entry, err := s.rekor.GenerateTlogEntry(cert, env, sig, o.integrated.Unix(), true)
	if err != nil {
		t.Fatal(err)
	}
	tle := entry.TransparencyLogEntry()
	// The virtual log leaves the promise and the kind out of the entry's
	// protobuf form; a real log's bundle carries both.
	set, err := s.rekor.RekorSignPayload(tlog.RekorPayload{LogID: hex.EncodeToString(tle.GetLogId().GetKeyId()),
		IntegratedTime: tle.GetIntegratedTime(), LogIndex: tle.GetLogIndex(),
		Body: base64.StdEncoding.EncodeToString(tle.GetCanonicalizedBody())})
	if err != nil {
		t.Fatal(err)
	}
	tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
	tle.KindVersion = &protorekor.KindVersion{Kind: "dsse", Version: "0.0.1"}
	return &signed{cert: cert, entry: tle, statement: statement, sig: sig}
}

// issue makes a Fulcio-like certificate for id: its extensions, its SAN,
// and an embedded SCT of the instance's CT log.
func (s *testSigstore) issue(t testing.TB, id Identity, key *ecdsa.PrivateKey, o signOptions) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:    serial,
		NotBefore:       time.Now().Add(-5 * time.Minute),
		NotAfter:        time.Now().Add(5 * time.Minute),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: fulcioExtensions(t, id, o.issuerV1),
	}
	if id.SubjectAlternativeName != "" {
		u, err := url.Parse(id.SubjectAlternativeName)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = []*url.URL{u}
	}
	// The SCT signs the certificate as it is without the SCT list.
	pre := s.create(t, tmpl, key)
	if o.noSCT {
		return pre
	}
	when := uint64(time.Now().UnixMilli())
	entry := ct.LogEntry{Leaf: ct.MerkleTreeLeaf{Version: ct.V1, LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{Timestamp: when, EntryType: ct.PrecertLogEntryType,
			PrecertEntry: &ct.PreCert{IssuerKeyHash: sha256.Sum256(s.interCert.RawSubjectPublicKeyInfo),
				TBSCertificate: pre.RawTBSCertificate}}}}
	sct := ct.SignedCertificateTimestamp{SCTVersion: ct.V1, Timestamp: when}
	copy(sct.LogID.KeyID[:], keyID(t, s.ctKey.Public()))
	input, err := ct.SerializeSCTSignatureInput(sct, entry)
	if err != nil {
		t.Fatal(err)
	}
	sctSig, err := ecdsa.SignASN1(rand.Reader, s.ctKey, sha256Of(input))
	if err != nil {
		t.Fatal(err)
	}
	sct.Signature = ct.DigitallySigned{Algorithm: cttls.SignatureAndHashAlgorithm{Hash: cttls.SHA256, Signature: cttls.ECDSA},
		Signature: sctSig}
	list, err := ctx509util.MarshalSCTsIntoSCTList([]*ct.SignedCertificateTimestamp{&sct})
	if err != nil {
		t.Fatal(err)
	}
	listBytes, err := cttls.Marshal(*list)
	if err != nil {
		t.Fatal(err)
	}
	value, err := asn1.Marshal(listBytes)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions,
		pkix.Extension{Id: asn1.ObjectIdentifier(ctx509.OIDExtensionCTSCT), Value: value})
	return s.create(t, tmpl, key)
}

func (s *testSigstore) create(t testing.TB, tmpl *x509.Certificate, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.interCert, key.Public(), s.interKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func sha256Of(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}

// fulcioOIDs numbers Identity's extensions in the Fulcio arc
// 1.3.6.1.4.1.57264.1.
func fulcioOIDs(id Identity) []struct {
	n int
	v string
} {
	return []struct {
		n int
		v string
	}{
		{8, id.Issuer}, {9, id.BuildSignerURI}, {10, id.BuildSignerDigest}, {11, id.RunnerEnvironment},
		{12, id.SourceRepositoryURI}, {13, id.SourceRepositoryDigest}, {14, id.SourceRepositoryRef},
		{15, id.SourceRepositoryIdentifier}, {16, id.SourceRepositoryOwnerURI},
		{17, id.SourceRepositoryOwnerIdentifier}, {18, id.BuildConfigURI}, {19, id.BuildConfigDigest},
		{20, id.BuildTrigger}, {21, id.RunInvocationURI}, {22, id.SourceRepositoryVisibility},
	}
}

// fulcioExtensions encodes id as Fulcio does: the deprecated issuer (….1.1)
// as raw bytes, the others as DER UTF8Strings; empty values are left out.
func fulcioExtensions(t testing.TB, id Identity, issuerV1 string) []pkix.Extension {
	t.Helper()
	var exts []pkix.Extension
	if issuerV1 != "" {
		exts = append(exts, pkix.Extension{Id: fulcioOID(1), Value: []byte(issuerV1)})
	}
	for _, e := range fulcioOIDs(id) {
		if e.v == "" {
			continue
		}
		der, err := asn1.MarshalWithParams(e.v, "utf8")
		if err != nil {
			t.Fatal(err)
		}
		exts = append(exts, pkix.Extension{Id: fulcioOID(e.n), Value: der})
	}
	return exts
}

func fulcioOID(n int) asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, n}
}

// Bundle is the attestation as a Sigstore bundle v0.3 in JSON.
func (a *signed) Bundle(t testing.TB) []byte {
	t.Helper()
	pb := &protobundle.Bundle{
		MediaType: bundleV03,
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{
				Certificate: &protocommon.X509Certificate{RawBytes: a.cert.Raw}},
			TlogEntries: []*protorekor.TransparencyLogEntry{a.entry},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload: a.statement, PayloadType: inTotoPayloadType,
			Signatures: []*protodsse.Signature{{Sig: a.sig}}}},
	}
	data, err := protojson.Marshal(pb)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// PEP740 is the attestation as a PEP 740 attestation object.
func (a *signed) PEP740(t testing.TB) []byte {
	t.Helper()
	entry, err := protojson.Marshal(a.entry)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(map[string]any{
		"version": 1,
		"verification_material": map[string]any{
			"certificate":          a.cert.Raw,
			"transparency_entries": []json.RawMessage{entry},
		},
		"envelope": map[string]any{"statement": a.statement, "signature": a.sig},
	})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// statementFor is an in-toto v1 statement about one artifact.
func statementFor(t testing.TB, name string, digests map[string]string, predicateType string) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{
		"_type":         statementV1,
		"subject":       []any{map[string]any{"name": name, "digest": digests}},
		"predicateType": predicateType,
		"predicate":     map[string]any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return data
}
