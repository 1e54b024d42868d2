package skills

import (
	"archive/tar"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: Parse never panics, and what it accepts obeys the field rules.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"pdf-tools", "api-guide", "deck-maker"} {
		data, err := os.ReadFile(filepath.Join("testdata/public", dir, "SKILL.md"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("---\nname: a\ndescription: b\ncredentials: [x]\ntimeout: 5\nnetwork: [h]\nworkspace: write\nmetadata: {a: [1]}\n---\n"))
	f.Add([]byte("---\nname: &a x\ndescription: *a\nextra: [*a, *a]\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fm, _, err := Parse("SKILL.md", data, ParseOptions{})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "SKILL.md") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if ValidateName(fm.Name) != nil {
			t.Fatalf("accepted name %q", fm.Name)
		}
		if n := utf8.RuneCountInString(fm.Description); n == 0 || n > MaxDescriptionLength {
			t.Fatalf("accepted description of %d characters", n)
		}
		if fm.Timeout <= 0 || fm.Timeout > DefaultMaxTimeout {
			t.Fatalf("accepted timeout %v", fm.Timeout)
		}
		switch fm.Workspace {
		case WorkspaceNone, WorkspaceRead, WorkspaceWrite:
		default:
			t.Fatalf("accepted workspace %q", fm.Workspace)
		}
	})
}

// FuzzAddArchive: Add never panics on any archive; what it accepts holds
// only regular files and folders inside the skill folder, within the
// limits, and what it refuses leaves the catalog untouched.
func FuzzAddArchive(f *testing.F) {
	md := skillDoc("fuzzed", "f")
	f.Add(buildTarGz(f,
		tarEntry{hdr: tar.Header{Name: "top/", Typeflag: tar.TypeDir, Mode: 0o755}},
		file("top/SKILL.md", md),
		file("top/a/b.txt", "b"),
		tarEntry{hdr: tar.Header{Name: "top/l", Typeflag: tar.TypeSymlink, Linkname: "../x"}},
	))
	f.Add(buildZip(f, zipEntry{"SKILL.md", 0o644, md}, zipEntry{"scripts/run.sh", 0o755, "echo"}))
	lim := Limits{MaxEntries: 50, MaxTotalBytes: 1 << 20, MaxFileBytes: 256 << 10, MaxDepth: 8}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := filepath.Join(t.TempDir(), "in")
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c := newCatalog(t, lim)
		d, err := c.Add(ctx, src, AddOptions{})
		names := catalogNames(t, c)
		if err != nil {
			if len(names) != 0 {
				t.Fatalf("refused add left %v", names)
			}
			return
		}
		if len(names) != 1 || names[0] != d.ID {
			t.Fatalf("catalog holds %v for %q", names, d.ID)
		}
		var total int64
		count := 0
		err = filepath.WalkDir(d.Dir, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			count++
			fi, err := e.Info()
			if err != nil {
				return err
			}
			if !fi.Mode().IsRegular() && !fi.IsDir() || fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != 0 {
				t.Fatalf("%s: mode %v", p, fi.Mode())
			}
			if fi.Mode().IsRegular() {
				total += fi.Size()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if count-1 > lim.MaxEntries || total > lim.MaxTotalBytes {
			t.Fatalf("%d entries, %d bytes", count-1, total)
		}
	})
}
