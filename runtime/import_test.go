package runtime

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"

	"github.com/bulkhead-dev/bulkhead/internal/archive"
	"github.com/bulkhead-dev/bulkhead/vault"
)

// sourceArchive exports a workspace "alpha" of a platform with passphrase
// pass: a file, a credential.
func sourceArchive(t *testing.T, pass string) []byte {
	t.Helper()
	p := platformWith(t, pass)
	ws := newTestWorkspace(t, p, "alpha")
	writeFile(t, filepath.Join(ws.FilesDir(), "notes.txt"), "alpha's notes\n")
	v, err := ws.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	must(t, v.Put("github", vault.Entry{Values: map[string]vault.Secret{"TOKEN": vault.Secret("ghp_alpha")}}))
	data, _ := exportBytes(t, ws, ExportOptions{})
	return data
}

// bombArchive crafts an archive whose config.json is followed by a file of
// size zeros in files/: the tar stream up to that file's header in one
// frame, then 64 MiB of zeros compressed once and the frame repeated.
func bombArchive(t *testing.T, size int64) []byte {
	t.Helper()
	cfg := rawFile("workspace/config.json", `{"created":"2025-01-01T00:00:00Z"}`)
	entries := []rawEntry{rawDir("workspace"), cfg, rawDir("workspace/files")}
	m := archive.Manifest{Format: archive.Format, Version: archive.Version, Workspace: "alpha", Files: 2, Bytes: cfg.listed.Size + size}
	for _, e := range entries {
		m.Entries = append(m.Entries, e.listed)
	}
	m.Entries = append(m.Entries, archive.Entry{Path: "workspace/files/zeros", Type: archive.TypeFile, Mode: 0o644, Size: size, SHA256: strings.Repeat("0", 64)})
	manifest, _ := json.Marshal(m)
	var plain bytes.Buffer
	tw := tar.NewWriter(&plain)
	tw.WriteHeader(&tar.Header{Name: archive.ManifestName, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(manifest))})
	tw.Write(manifest)
	for _, e := range entries {
		h := e.hdr
		tw.WriteHeader(&h)
		tw.Write(e.data)
	}
	tw.WriteHeader(&tar.Header{Name: "workspace/files/zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: size}) // its content follows
	enc, _ := zstd.NewWriter(nil)
	out := enc.EncodeAll(plain.Bytes(), nil)
	chunk := enc.EncodeAll(make([]byte, 64<<20), nil)
	for range size / (64 << 20) {
		out = append(out, chunk...)
	}
	return out
}

// TestImportRefusesHostileArchives: a flipped byte, a truncated stream, a
// path traversal, a symlink escape, a Zstandard bomb and a duplicate
// entry are each refused with an error naming the fault, and nothing is
// written: no workspace, no temporary directory, no skill.
func TestImportRefusesHostileArchives(t *testing.T) {
	good := sourceArchive(t, "pass")
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x01
	cfg := rawFile("workspace/config.json", `{"created":"2025-01-01T00:00:00Z"}`)
	dup := rawFile("workspace/config.json", `{"created":"2025-01-01T00:00:00Z"}`)
	dup.unlisted = true
	tests := []struct {
		name string
		data []byte
		want error
		says string
	}{
		{"flipped byte", flipped, archive.ErrCorrupt, ""},
		{"truncated", good[:len(good)*2/3], archive.ErrCorrupt, ""},
		{"path traversal", craft(t, "alpha", []rawEntry{rawDir("workspace"), cfg, rawFile("workspace/../../../../tmp/evil", "x")}), archive.ErrUnsafe, `"workspace/../../../../tmp/evil" is not clean`},
		{"outside the layout", craft(t, "alpha", []rawEntry{rawDir("etc"), rawFile("etc/cron", "x")}), archive.ErrUnsafe, `"etc" lies outside`},
		{"symlink escape", craft(t, "alpha", []rawEntry{rawDir("workspace"), cfg, rawDir("workspace/files"), rawLink("workspace/files/state", "../../../..")}), archive.ErrUnsafe, "leaves workspace/files"},
		{"write through a symlink", craft(t, "alpha", []rawEntry{rawDir("workspace"), cfg, rawDir("workspace/files"), rawLink("workspace/files/d", "."), rawFile("workspace/files/d/x", "x")}), archive.ErrUnsafe, "not a directory listed before"},
		{"zstd bomb", bombArchive(t, 1<<30), archive.ErrLimit, "ratio above 1000"},
		{"duplicate entry", craft(t, "alpha", []rawEntry{rawDir("workspace"), cfg, dup}), archive.ErrCorrupt, "not in the manifest"},
		{"reserved name", craft(t, "alpha", []rawEntry{rawDir("workspace"), cfg, rawFile("workspace/disk.img", "x")}), archive.ErrUnsafe, "keeps that name"},
		{"files before config", craft(t, "alpha", []rawEntry{rawDir("workspace"), rawDir("workspace/files"), cfg}), archive.ErrCorrupt, "before workspace/config.json"},
		{"no config", craft(t, "alpha", []rawEntry{rawDir("workspace")}), archive.ErrCorrupt, "no workspace/config.json"},
	}
	p := platformWith(t, "pass")
	before := stateEntries(t, p)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := p.Import(bg, bytes.NewReader(tc.data), ImportOptions{})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want %v saying %q", err, tc.want, tc.says)
			}
			if after := stateEntries(t, p); !slices.Equal(before, after) {
				t.Errorf("left %q (before %q)", after, before)
			}
			if _, err := os.Lstat("/tmp/evil"); err == nil {
				t.Error("the traversal wrote /tmp/evil")
			}
		})
	}
	if _, _, err := p.Import(bg, bytes.NewReader(good), ImportOptions{}); err != nil {
		t.Fatalf("the archive itself: %v", err)
	}
}

// TestImportLimits: each limit has a default and refuses past itself,
// before anything is written.
func TestImportLimits(t *testing.T) {
	if (ImportLimits{}).archive() != (archive.Limits{MaxEntries: DefaultImportMaxEntries, MaxBytes: DefaultImportMaxBytes, MaxRatio: DefaultImportMaxRatio}) {
		t.Errorf("defaults: %+v", ImportLimits{}.archive())
	}
	data := sourceArchive(t, "pass")
	p := platformWith(t, "pass")
	for _, tc := range []struct {
		lim  ImportLimits
		says string
	}{
		{ImportLimits{MaxEntries: 3}, "more than the limit of 3"},
		{ImportLimits{MaxBytes: 100}, "more than the limit of 100 bytes"},
	} {
		_, _, err := p.Import(bg, bytes.NewReader(data), ImportOptions{Limits: tc.lim})
		if !errors.Is(err, archive.ErrLimit) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%+v: %v", tc.lim, err)
		}
	}
	if left := stateEntries(t, p); len(left) != 0 {
		t.Errorf("left %q", left)
	}
}

// TestImportAs: under a new id the vault is re-sealed for it (the same
// passphrase opens it there, the old id is gone from it); without a
// passphrase that is refused, saying so, and nothing is written; under its
// own id no passphrase is needed, and the platform's opens it later.
func TestImportAs(t *testing.T) {
	data := sourceArchive(t, "pass")
	bare := platformWith(t, "")
	_, _, err := bare.Import(bg, bytes.NewReader(data), ImportOptions{As: "beta"})
	if !errors.Is(err, ErrNoPassphrase) || !strings.Contains(err.Error(), "re-seals") {
		t.Fatalf("without a passphrase: %v", err)
	}
	if left := stateEntries(t, bare); len(left) != 0 {
		t.Errorf("left %q", left)
	}
	if _, _, err := bare.Import(bg, bytes.NewReader(data), ImportOptions{As: "beta", Passphrase: []byte("wrong")}); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Errorf("a wrong passphrase: %v", err)
	}

	p := platformWith(t, "pass")
	ws, st, err := p.Import(bg, bytes.NewReader(data), ImportOptions{As: "beta"})
	if err != nil {
		t.Fatal(err)
	}
	if ws.ID() != "beta" || st.Source != "alpha" || st.Credentials != "resealed" || readFile(t, filepath.Join(ws.FilesDir(), "notes.txt")) != "alpha's notes\n" {
		t.Errorf("%s %+v", ws.ID(), st)
	}
	v, err := ws.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	if e, err := v.Get("github"); err != nil || string(e.Values["TOKEN"]) != "ghp_alpha" {
		t.Errorf("Get = %v", err)
	}
	if raw := readFile(t, filepath.Join(ws.Dir(), credentialsFile)); !strings.Contains(raw, `"workspace": "beta"`) || strings.Contains(raw, "alpha") {
		t.Errorf("vault file: %s", raw)
	}
	if _, err := p.Workspace("alpha"); !errors.Is(err, ErrWorkspaceNotFound) {
		t.Errorf("alpha: %v", err)
	}

	// Its own id, no passphrase: kept sealed, unchecked.
	ws, st, err = bare.Import(bg, bytes.NewReader(data), ImportOptions{})
	if err != nil || st.Credentials != "unchecked" || len(st.Warnings) != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	later, err := NewPlatform(Options{StateDir: bare.StateDir(), CredentialPassphrase: []byte("pass")})
	if err != nil {
		t.Fatal(err)
	}
	defer later.Close()
	w, _ := later.Workspace("alpha")
	if v, err := w.Credentials(); err != nil {
		t.Fatal(err)
	} else if e, err := v.Get("github"); err != nil || string(e.Values["TOKEN"]) != "ghp_alpha" {
		t.Errorf("restored under its own id: %v", err)
	}

	// Another host's passphrase: given, the vault is re-sealed under the
	// platform's.
	other := platformWith(t, "other host")
	ws, st, err = other.Import(bg, bytes.NewReader(data), ImportOptions{As: "gamma", Passphrase: []byte("pass")})
	if err != nil || st.Credentials != "rekeyed" {
		t.Fatalf("%+v %v", st, err)
	}
	if v, err := ws.Credentials(); err != nil {
		t.Fatal(err)
	} else if e, err := v.Get("github"); err != nil || string(e.Values["TOKEN"]) != "ghp_alpha" {
		t.Errorf("after rekeying: %v", err)
	}
}

// TestImportReplace: an existing id is refused without Replace; with it
// the workspace is swapped whole, unless a run holds it (ErrWorkspaceBusy,
// nothing changed); the swap falls back to two renames where the file
// system lacks RENAME_EXCHANGE.
func TestImportReplace(t *testing.T) {
	data := sourceArchive(t, "pass")
	p := platformWith(t, "pass")
	old := newTestWorkspace(t, p, "alpha")
	writeFile(t, filepath.Join(old.FilesDir(), "old.txt"), "old\n")
	if _, _, err := p.Import(bg, bytes.NewReader(data), ImportOptions{}); !errors.Is(err, ErrWorkspaceExists) {
		t.Fatalf("without Replace: %v", err)
	}
	release, err := old.Acquire() // as a run does
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Import(bg, bytes.NewReader(data), ImportOptions{Replace: true}); !errors.Is(err, ErrWorkspaceBusy) {
		t.Fatalf("while in use: %v", err)
	}
	release()
	if got := readFile(t, filepath.Join(old.FilesDir(), "old.txt")); got != "old\n" {
		t.Fatalf("the refused replacement changed it: %q", got)
	}
	for _, fallback := range []bool{false, true} {
		if fallback {
			exchange := renameExchange
			renameExchange = func(a, b string) error { return unix.EINVAL }
			t.Cleanup(func() { renameExchange = exchange })
			writeFile(t, filepath.Join(old.FilesDir(), "old.txt"), "old again\n")
		}
		ws, st, err := p.Import(bg, bytes.NewReader(data), ImportOptions{Replace: true})
		if err != nil {
			t.Fatal(err)
		}
		if !st.Replaced || readFile(t, filepath.Join(ws.FilesDir(), "notes.txt")) != "alpha's notes\n" {
			t.Errorf("fallback %v: %+v", fallback, st)
		}
		if _, err := os.Lstat(filepath.Join(ws.FilesDir(), "old.txt")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("fallback %v: the old workspace's file is there: %v", fallback, err)
		}
		if left := stateEntries(t, p); !slices.Equal(left, []string{"workspaces/alpha"}) {
			t.Errorf("fallback %v: left %q", fallback, left)
		}
	}
}

// TestSweepRestoresReplaced: a workspace that an interrupted fallback
// swap moved aside is put back by the next platform when nothing took its
// place, and dropped when the new one is in place; temporary directories
// of dead imports and exports are removed, those in use kept.
func TestSweepRestoresReplaced(t *testing.T) {
	dir := t.TempDir()
	p, err := NewPlatform(Options{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ws := newTestWorkspace(t, p, "alpha")
	writeFile(t, filepath.Join(ws.FilesDir(), "keep.txt"), "keep\n")
	newTestWorkspace(t, p, "beta")
	p.Close()
	root := filepath.Join(dir, "workspaces")
	mk := func(name string) string {
		path := filepath.Join(root, name)
		must(t, os.MkdirAll(path, 0o700))
		return path
	}
	must(t, os.Rename(filepath.Join(root, "alpha"), filepath.Join(mk(replacedPrefix+"1"), "alpha")))
	must(t, os.Rename(filepath.Join(root, "beta"), filepath.Join(mk(replacedPrefix+"2"), "beta")))
	mk("beta") // the replacement got in
	writeFile(t, filepath.Join(mk(importingPrefix+"dead"), "workspace", "config.json"), "{}")
	mk(exportingPrefix + "dead")
	busy := mk(importingPrefix + "alive")
	lock, err := lockDir(busy)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	p, err = NewPlatform(Options{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	entries, _ := os.ReadDir(root)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{importingPrefix + "alive", "alpha", "beta"}; !slices.Equal(names, want) {
		t.Errorf("after the sweep: %q, want %q", names, want)
	}
	w, err := p.Workspace("alpha")
	if err != nil || readFile(t, filepath.Join(w.FilesDir(), "keep.txt")) != "keep\n" {
		t.Errorf("alpha not restored: %v", err)
	}
}

// TestImportFormatMismatch: a tar stream that is not ours is refused as
// corrupt, naming what is missing.
func TestImportFormatMismatch(t *testing.T) {
	var plain bytes.Buffer
	zw, _ := zstd.NewWriter(&plain)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "README", Typeflag: tar.TypeReg, Size: 2, Mode: 0o644})
	tw.Write([]byte("hi"))
	tw.Close()
	zw.Close()
	_, _, err := platformWith(t, "").Import(bg, &plain, ImportOptions{})
	if !errors.Is(err, archive.ErrCorrupt) || !strings.Contains(err.Error(), "not a bulkhead workspace archive") {
		t.Errorf("err = %v", err)
	}
}

// TestImportQuota: a workspace with a disk quota is imported into a fresh
// volume of the same size (files/ and home/ inside it), replaced with the
// old volume removed, and refused, naming the quota, when its files do not
// fit.
func TestImportQuota(t *testing.T) {
	src := newTestPlatform(t)
	ws, err := src.CreateWorkspace("q", WorkspaceConfig{DiskQuota: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.DeleteWorkspace("q") })
	writeFile(t, filepath.Join(ws.FilesDir(), "a.txt"), "in the volume\n")
	writeFile(t, filepath.Join(ws.HomeDir(), ".cache", "c"), "cached\n")
	data, _ := exportBytes(t, ws, ExportOptions{})

	p := newTestPlatform(t)
	for _, replace := range []bool{false, true} {
		got, st, err := p.Import(bg, bytes.NewReader(data), ImportOptions{Replace: replace})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.DeleteWorkspace("q") })
		if st.Replaced != replace || !strings.HasPrefix(got.HomeDir(), filepath.Join(got.Dir(), diskDirName)) {
			t.Errorf("replace %v: %+v, home %s", replace, st, got.HomeDir())
		}
		if u, ok, err := got.DiskUsage(); !ok || err != nil || u.Limit != 32<<20 {
			t.Errorf("disk usage %+v %v %v", u, ok, err)
		}
		if readFile(t, filepath.Join(got.FilesDir(), "a.txt")) != "in the volume\n" || readFile(t, filepath.Join(got.HomeDir(), ".cache", "c")) != "cached\n" {
			t.Error("content lost")
		}
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if n := strings.Count(string(mounts), p.StateDir()); n != 1 {
		t.Errorf("%d mounts under the state directory, want the workspace's one:\n%s", n, mounts)
	}

	big := rewrite(t, data, func(e archive.Entry, c []byte) (archive.Entry, []byte, bool) {
		switch e.Path {
		case "workspace/config.json":
			c = bytes.Replace(c, []byte(`"disk_quota": 33554432`), []byte(`"disk_quota": 16777216`), 1)
		case "workspace/files/a.txt":
			c = bytes.Repeat([]byte("x"), 20<<20)
		}
		return e, c, true
	})
	other := newTestPlatform(t)
	_, _, err = other.Import(bg, bytes.NewReader(big), ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "disk quota of 16777216 bytes") {
		t.Fatalf("files past the quota: %v", err)
	}
	if left := stateEntries(t, other); len(left) != 0 {
		t.Errorf("left %q", left)
	}
}

// TestTransferCancelled: an export or import whose context ends stops
// with the context's error; the import leaves nothing.
func TestTransferCancelled(t *testing.T) {
	p := platformWith(t, "")
	ws := newTestWorkspace(t, p, "alpha")
	writeFile(t, filepath.Join(ws.FilesDir(), "a.txt"), "a\n")
	data, _ := exportBytes(t, ws, ExportOptions{})
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, err := ws.Export(ctx, io.Discard, ExportOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("export: %v", err)
	}
	other := platformWith(t, "")
	if _, _, err := other.Import(ctx, bytes.NewReader(data), ImportOptions{}); !errors.Is(err, context.Canceled) || errors.Is(err, archive.ErrCorrupt) {
		t.Errorf("import: %v", err)
	}
	if left := stateEntries(t, other); len(left) != 0 {
		t.Errorf("left %q", left)
	}
}
