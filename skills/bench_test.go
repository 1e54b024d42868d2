package skills

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// benchCatalog returns a catalog in a temporary directory.
func benchCatalog(b *testing.B) *Catalog {
	b.Helper()
	c, err := Open(filepath.Join(b.TempDir(), "skills"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// benchEntries returns SKILL.md and n files of 4 KiB of text-like bytes
// in scripts/ and references/, the shape of the larger public skills.
func benchEntries(n int) []tarEntry {
	rng := rand.New(rand.NewPCG(1, 1))
	words := []string{"the ", "skill ", "reads ", "a ", "file ", "and ", "writes ", "output\n"}
	entries := []tarEntry{file("bench/SKILL.md", skillDoc("bench", "Benchmark skill."))}
	for i := range n {
		var body []byte
		for len(body) < 4096 {
			body = append(body, words[rng.IntN(len(words))]...)
		}
		dir := "scripts"
		if i%2 == 1 {
			dir = "references"
		}
		entries = append(entries, file(fmt.Sprintf("bench/%s/f%03d.txt", dir, i), string(body[:4096])))
	}
	return entries
}

// BenchmarkAddFolder adds the 4-file pdf-tools fixture, replacing it.
func BenchmarkAddFolder(b *testing.B) {
	c := benchCatalog(b)
	for b.Loop() {
		if _, err := c.Add(ctx, "testdata/public/pdf-tools", AddOptions{Replace: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddTarGz adds a .tar.gz of SKILL.md and 60 files of 4 KiB
// (like the docx skill of anthropics/skills), replacing it.
func BenchmarkAddTarGz(b *testing.B) {
	p := filepath.Join(b.TempDir(), "bench.tgz")
	os.WriteFile(p, buildTarGz(b, benchEntries(60)...), 0o644)
	c := benchCatalog(b)
	for b.Loop() {
		if _, err := c.Add(ctx, p, AddOptions{Replace: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddZip adds the same files as a .zip.
func BenchmarkAddZip(b *testing.B) {
	var entries []zipEntry
	for _, e := range benchEntries(60) {
		entries = append(entries, zipEntry{e.hdr.Name, 0o644, e.body})
	}
	p := filepath.Join(b.TempDir(), "bench.zip")
	os.WriteFile(p, buildZip(b, entries...), 0o644)
	c := benchCatalog(b)
	for b.Loop() {
		if _, err := c.Add(ctx, p, AddOptions{Replace: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet loads one skill's SKILL.md and entry point, what a run
// does per enabled skill.
func BenchmarkGet(b *testing.B) {
	c := benchCatalog(b)
	if _, err := c.Add(ctx, "testdata/public/api-guide", AddOptions{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.Get("api-guide"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkShow lists and hashes SKILL.md and 60 files of 4 KiB.
func BenchmarkShow(b *testing.B) {
	p := filepath.Join(b.TempDir(), "bench.tgz")
	os.WriteFile(p, buildTarGz(b, benchEntries(60)...), 0o644)
	c := benchCatalog(b)
	if _, err := c.Add(ctx, p, AddOptions{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.Show("bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadFile serves one skill_read of a 4 KiB file.
func BenchmarkReadFile(b *testing.B) {
	p := filepath.Join(b.TempDir(), "bench.tgz")
	os.WriteFile(p, buildTarGz(b, benchEntries(2)...), 0o644)
	c := benchCatalog(b)
	if _, err := c.Add(ctx, p, AddOptions{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.ReadFile("bench", "references/f001.txt"); err != nil {
			b.Fatal(err)
		}
	}
}
