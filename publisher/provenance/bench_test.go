package provenance

import (
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/trustpub/trustpub/publisher"
)

// BenchmarkVerifyNPM measures the verification of the real npm provenance
// bundle against the baseline of sigstore-go's own Verify alone, on the
// same bundle with the same requirements (a log entry, the chain at the
// log's time, an SCT) and the artifact's digest, as sigstore-go's
// documentation configures it:
//
//   - sigstore-go: verify.Verifier.Verify on a bundle parsed once;
//   - verify: Verifier.Verify on an Attestation parsed once (the same work
//     plus the subject's name and the identity);
//   - parse+verify: ParseBundle then Verify;
//   - verify+match: Verifier.VerifyFor with the bundle's publisher (the
//     identity read into GitHub's claims, the policy's Check);
//   - parse+verify+match: ParseBundle then VerifyFor, what a registry does
//     for each upload;
//   - match: Result.Match alone, on a verified Result.
//
// Each of ours reports its time as a multiple of the baseline's, measured
// alternately in the same iterations (x-sigstore-go).
func BenchmarkVerifyNPM(b *testing.B) {
	f := fixtures(b)[0]
	data := readTestdata(b, f.file)
	tr, err := LoadTrustedRoot("testdata/trusted-root-public-good.json")
	if err != nil {
		b.Fatal(err)
	}
	v, err := NewVerifier(tr, Options{})
	if err != nil {
		b.Fatal(err)
	}
	att, err := ParseBundle(data)
	if err != nil {
		b.Fatal(err)
	}
	sv, err := verify.NewVerifier(tr.tr, verify.WithSignedCertificateTimestamps(1),
		verify.WithTransparencyLog(1), verify.WithIntegratedTimestamps(1))
	if err != nil {
		b.Fatal(err)
	}
	var sb bundle.Bundle
	if err := sb.UnmarshalJSON(data); err != nil {
		b.Fatal(err)
	}
	reg := publisher.Registered{ID: "sigstore-js", Policy: fixturePolicies(b)[f.file]}
	policy := verify.NewPolicy(verify.WithArtifactDigest("sha512", f.artifact.SHA512), verify.WithoutIdentitiesUnsafe())

	base := func() {
		if _, err := sv.Verify(&sb, policy); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("sigstore-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			base()
		}
	})
	b.Run("verify", func(b *testing.B) {
		againstBase(b, base, func() {
			if _, err := v.Verify(att, f.artifact); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("parse+verify", func(b *testing.B) {
		againstBase(b, base, func() {
			att, err := ParseBundle(data)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Verify(att, f.artifact); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("verify+match", func(b *testing.B) {
		againstBase(b, base, func() {
			if _, err := v.VerifyFor(att, f.artifact, reg, MatchOptions{}); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("parse+verify+match", func(b *testing.B) {
		againstBase(b, base, func() {
			att, err := ParseBundle(data)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.VerifyFor(att, f.artifact, reg, MatchOptions{}); err != nil {
				b.Fatal(err)
			}
		})
	})
	res, err := v.Verify(att, f.artifact)
	if err != nil {
		b.Fatal(err)
	}
	// Match takes microseconds: alternating it with the baseline would run
	// the baseline for every one of its many iterations, so the baseline's
	// mean is taken over a few runs before and after instead.
	b.Run("match", func(b *testing.B) {
		b.ReportAllocs()
		baseTime := timeOf(base, 5)
		b.ResetTimer()
		for b.Loop() {
			if _, err := res.Match(reg, MatchOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		elapsed := b.Elapsed()
		b.StopTimer()
		baseTime = (baseTime + timeOf(base, 5)) / 2
		b.ReportMetric(float64(elapsed)/float64(b.N)/float64(baseTime), "x-sigstore-go")
	})
}

// timeOf is the mean time of n runs of f.
func timeOf(f func(), n int) time.Duration {
	start := time.Now()
	for range n {
		f()
	}
	return time.Since(start) / time.Duration(n)
}

// againstBase measures op, and reports its time as a multiple of base's
// (x-sigstore-go). The two alternate in each iteration, base with the timer
// stopped, so that both see the same load on a shared machine.
func againstBase(b *testing.B, base, op func()) {
	b.ReportAllocs()
	var opTime, baseTime time.Duration
	for b.Loop() {
		start := time.Now()
		op()
		opTime += time.Since(start)
		b.StopTimer()
		start = time.Now()
		base()
		baseTime += time.Since(start)
		b.StartTimer()
	}
	if baseTime > 0 {
		b.ReportMetric(float64(opTime)/float64(baseTime), "x-sigstore-go")
	}
}
