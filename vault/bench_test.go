package vault

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// benchVault writes a vault of n entries (sealed with DefaultKDF) and
// returns its path. Each entry holds one token and one host, like
// `cred set github GITHUB_TOKEN=… --for-host api.github.com`.
func benchVault(b *testing.B, n int) string {
	b.Helper()
	path := vaultPath(b)
	v, err := Open(path, "acme", []byte(passA), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	for i := range n {
		mustPut(b, v, fmt.Sprintf("entry-%d", i), entry([]string{fmt.Sprintf("api%d.example.com", i)}, false,
			"TOKEN", fmt.Sprintf("tok_%040d", i)))
	}
	return path
}

// BenchmarkOpen measures Open of an existing vault with DefaultKDF
// parameters: one Argon2id derivation (m=64 MiB, t=3, p=4) and the read.
func BenchmarkOpen(b *testing.B) {
	path := benchVault(b, 10)
	for b.Loop() {
		v, err := Open(path, "acme", []byte(passA), Options{})
		if err != nil {
			b.Fatal(err)
		}
		v.Close()
	}
}

// BenchmarkGet measures one Get after Open in a vault of 1, 10 and 100
// entries: read and decode the file, check the passphrase verifier, open
// and decode one entry, zero it. It reports the median (p50-µs) and the
// 99th percentile (p99-µs) besides the mean.
func BenchmarkGet(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			path := benchVault(b, n)
			v, err := Open(path, "acme", []byte(passA), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer v.Close()
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				e, err := v.Get("entry-0")
				took = append(took, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				e.Zero()
			}
			reportPercentiles(b, took)
		})
	}
}

// BenchmarkGetChanged is BenchmarkGet when the file changed since the
// Vault last read it (another process wrote): the file is decoded again.
func BenchmarkGetChanged(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			path := benchVault(b, n)
			v, err := Open(path, "acme", []byte(passA), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer v.Close()
			var took []time.Duration
			for b.Loop() {
				v.seen, v.seenFile = nil, nil
				start := time.Now()
				e, err := v.Get("entry-0")
				took = append(took, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				e.Zero()
			}
			reportPercentiles(b, took)
		})
	}
}

// BenchmarkPut measures one Put into a vault of 10 entries: lock, read,
// seal, and the atomic replacement with its two fsyncs.
func BenchmarkPut(b *testing.B) {
	path := benchVault(b, 10)
	v, err := Open(path, "acme", []byte(passA), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	e := entry([]string{"api.github.com"}, false, "GITHUB_TOKEN", "ghp_0123456789012345678901234567890123456789")
	for b.Loop() {
		mustPut(b, v, "github", e)
	}
}

func reportPercentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	at := func(q float64) float64 {
		return float64(took[int(q*float64(len(took)-1))]) / float64(time.Microsecond)
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// BenchmarkDeriveKey measures one Argon2id derivation and key setup for
// DefaultKDF and for the OWASP rows and RFC 9106 options it was chosen
// among (see docs/RATIONALE.md, "KDF parameters").
func BenchmarkDeriveKey(b *testing.B) {
	salt := newSalt()
	for _, p := range []KDFParams{
		{MemoryKiB: 19 << 10, Iterations: 2, Parallelism: 1}, // OWASP minimum
		{MemoryKiB: 46 << 10, Iterations: 1, Parallelism: 1}, // OWASP, same cost
		{MemoryKiB: 64 << 10, Iterations: 3, Parallelism: 1},
		DefaultKDF(),
		{MemoryKiB: 256 << 10, Iterations: 3, Parallelism: 4},
	} {
		b.Run(fmt.Sprintf("m=%dMiB,t=%d,p=%d", p.MemoryKiB>>10, p.Iterations, p.Parallelism), func(b *testing.B) {
			for b.Loop() {
				if _, err := deriveKey([]byte(passA), salt, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
