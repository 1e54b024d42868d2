package vault

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// openAll lists v and gets every entry, returning the first error.
func openAll(v *Vault) error {
	infos, err := v.List()
	if err != nil {
		return err
	}
	for _, info := range infos {
		e, err := v.Get(info.Name)
		if err != nil {
			return err
		}
		e.Zero()
	}
	return nil
}

// sampleVault writes a small vault with two entries, sealed with
// cheapKDF, and returns its path and an open Vault.
func sampleVault(t *testing.T, ws string) (string, *Vault) {
	t.Helper()
	path := vaultPath(t)
	writeCheapVault(t, path, ws, passA, map[string]Entry{
		"github": entry([]string{"api.github.com"}, true, "GITHUB_TOKEN", "tok-gh"),
		"db":     entry(nil, false, "PGPASSWORD", "pw"),
	})
	return path, mustOpen(t, path, ws, passA)
}

// TestFlippedByte flips each bit 0 and bit 7 of every byte of a vault file
// in turn: each change must make a read fail, and Put must not overwrite
// the damaged file.
func TestFlippedByte(t *testing.T) {
	path, v := sampleVault(t, "acme")
	good := readBytes(t, path)
	for i := range good {
		for _, mask := range []byte{0x01, 0x80} {
			bad := bytes.Clone(good)
			bad[i] ^= mask
			writeBytes(t, path, bad)
			if err := openAll(v); err == nil {
				t.Fatalf("byte %d ^ %#x (%q → %q) went unnoticed", i, mask, good[i], bad[i])
			} else if strings.Contains(err.Error(), "tok-gh") {
				t.Fatalf("error shows a value: %v", err)
			}
		}
	}
	// Put refuses to overwrite a damaged file.
	bad := bytes.Clone(good)
	bad[len(bad)/2] ^= 0x01
	writeBytes(t, path, bad)
	if err := v.Put("new", entry(nil, false, "K", "v")); err == nil {
		t.Fatal("Put over a damaged file succeeded")
	}
	assertUnchanged(t, path, bad)
	writeBytes(t, path, good)
	if err := openAll(v); err != nil {
		t.Fatalf("the restored file: %v", err)
	}
}

func TestEntriesSwappedBetweenWorkspaces(t *testing.T) {
	pathA, _ := sampleVault(t, "tenant-a")
	pathB, vb := sampleVault(t, "tenant-b")

	t.Run("one block", func(t *testing.T) {
		var blockA string
		editJSON(t, pathA, func(j *fileJSON) { blockA = j.Entries["github"] })
		saved := readBytes(t, pathB)
		defer writeBytes(t, pathB, saved)
		editJSON(t, pathB, func(j *fileJSON) { j.Entries["github"] = blockA })
		_, err := vb.Get("github")
		assertEntryError(t, err, "github")
		if _, err := vb.Get("db"); err != nil {
			t.Errorf("the untouched entry: %v", err)
		}
	})
	t.Run("whole file", func(t *testing.T) {
		copied := vaultPath(t)
		writeBytes(t, copied, readBytes(t, pathA))
		_, err := Open(copied, "tenant-b", []byte(passA), testOpts)
		wantErr(t, "Open under another id", err, ErrWorkspaceMismatch)
		// With the workspace field edited, the key still opens (same
		// passphrase and salt), but no entry does: each is bound to
		// tenant-a.
		editJSON(t, copied, func(j *fileJSON) { j.Workspace = "tenant-b" })
		v := mustOpen(t, copied, "tenant-b", passA)
		for _, name := range []string{"github", "db"} {
			_, err := v.Get(name)
			assertEntryError(t, err, name)
		}
		_, err = v.List()
		assertEntryError(t, err, "db")
	})
}

func TestRenamedEntry(t *testing.T) {
	path, v := sampleVault(t, "acme")
	editJSON(t, path, func(j *fileJSON) {
		j.Entries["gh"] = j.Entries["github"]
		delete(j.Entries, "github")
	})
	_, err := v.Get("gh")
	assertEntryError(t, err, "gh")
	_, err = v.List()
	assertEntryError(t, err, "gh")
	// Delete removes the broken entry without opening it.
	if err := v.Delete("gh"); err != nil {
		t.Fatal(err)
	}
	if err := openAll(v); err != nil {
		t.Fatal(err)
	}
}

func TestBlocksSwappedWithinFile(t *testing.T) {
	path, v := sampleVault(t, "acme")
	editJSON(t, path, func(j *fileJSON) {
		j.Entries["github"], j.Entries["db"] = j.Entries["db"], j.Entries["github"]
	})
	for _, name := range []string{"github", "db"} {
		_, err := v.Get(name)
		assertEntryError(t, err, name)
	}
	// The check block is not an entry either.
	editJSON(t, path, func(j *fileJSON) { j.Entries["db"] = j.Check })
	_, err := v.Get("db")
	assertEntryError(t, err, "db")
}

// assertEntryError fails unless err is ErrTampered and quotes the entry.
func assertEntryError(t *testing.T, err error, name string) {
	t.Helper()
	if !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), fmt.Sprintf("entry %q", name)) {
		t.Fatalf("error = %v, want ErrTampered naming entry %q", err, name)
	}
}

func TestTruncatedFile(t *testing.T) {
	path, v := sampleVault(t, "acme")
	good := readBytes(t, path)
	end := bytes.LastIndexByte(good, '}')
	for n := 0; n <= end; n++ {
		writeBytes(t, path, good[:n])
		_, err := Open(path, "acme", []byte(passA), testOpts)
		wantErr(t, fmt.Sprintf("Open of %d of %d bytes", n, len(good)), err, ErrMalformed)
	}
	writeBytes(t, path, good[:end])
	wantErr(t, "Put over a truncated file", v.Put("x", entry(nil, false, "K", "v")), ErrMalformed)
	assertUnchanged(t, path, good[:end])
}

func TestGarbage(t *testing.T) {
	path, v := sampleVault(t, "acme")
	good := string(readBytes(t, path))
	cases := map[string]string{
		"empty":           "",
		"null":            "null",
		"array":           "[]",
		"empty object":    "{}",
		"text":            "not a vault",
		"binary":          "\x00\x01\x02\xff",
		"two objects":     good + good,
		"trailing junk":   good + "x",
		"unknown field":   strings.Replace(good, `"check"`, `"extra": 1, "check"`, 1),
		"missing entries": strings.Replace(good, `"entries"`, `"x"`, 1),
		"other format":    strings.Replace(good, FormatName, "other-vault", 1),
		"other kdf":       strings.Replace(good, kdfAlgorithm, "scrypt", 1),
		"bad salt length": strings.Replace(good, `"salt": "`, `"salt": "AAAA`, 1),
		"huge memory":     strings.Replace(good, `"memoryKiB": 64`, `"memoryKiB": 4194304`, 1),
		"zero iterations": strings.Replace(good, `"iterations": 1`, `"iterations": 0`, 1),
		"bad entry name":  strings.Replace(good, `"db":`, `"../db":`, 1),
		"short block":     strings.Replace(good, `"db": "`, `"db": "AAAA", "x": "`, 1),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			writeBytes(t, path, []byte(content))
			_, err := Open(path, "acme", []byte(passA), testOpts)
			wantErr(t, "Open", err, ErrMalformed)
			wantErr(t, "Put", v.Put("x", entry(nil, false, "K", "v")), ErrMalformed)
			assertUnchanged(t, path, []byte(content))
		})
	}
}

func TestWrongVersion(t *testing.T) {
	path, _ := sampleVault(t, "acme")
	good := string(readBytes(t, path))
	for _, content := range []string{
		strings.Replace(good, `"version": 1,`, `"version": 2,`, 1),
		strings.Replace(good, `"version": 1,`, `"version": 0,`, 1),
		strings.Replace(good, `"version": 1,`, `"version": 2, "aead": "xchacha",`, 1),
	} {
		writeBytes(t, path, []byte(content))
		_, err := Open(path, "acme", []byte(passA), testOpts)
		wantErr(t, "Open", err, ErrUnsupportedVersion)
	}
}

func TestEditedKDFLooksLikeWrongPassphrase(t *testing.T) {
	path, _ := sampleVault(t, "acme")
	good := string(readBytes(t, path))
	writeBytes(t, path, []byte(strings.Replace(good, `"iterations": 1`, `"iterations": 2`, 1)))
	_, err := Open(path, "acme", []byte(passA), testOpts)
	wantErr(t, "Open", err, ErrWrongPassphrase)
}

func TestDeleteBrokenEntriesOneByOne(t *testing.T) {
	path, v := sampleVault(t, "acme")
	editJSON(t, path, func(j *fileJSON) {
		j.Entries["github"], j.Entries["db"] = j.Entries["db"], j.Entries["github"]
	})
	// Both entries are broken; the write cannot upgrade the cheap KDF
	// parameters, and deletes anyway.
	for _, name := range []string{"github", "db"} {
		if err := v.Delete(name); err != nil {
			t.Fatalf("Delete(%s) = %v", name, err)
		}
	}
	if infos, err := v.List(); err != nil || len(infos) != 0 {
		t.Fatalf("List = %v, %v", infos, err)
	}
}
