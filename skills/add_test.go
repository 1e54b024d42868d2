package skills

import (
	"archive/tar"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

var ctx = context.Background()

func TestAddPublicFolders(t *testing.T) {
	c := newCatalog(t, Limits{})
	for _, name := range []string{"pdf-tools", "api-guide", "deck-maker"} {
		d, err := c.Add(ctx, filepath.Join("testdata/public", name), AddOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.ID != name || d.Kind != Instruction || d.Dir != filepath.Join(c.Dir(), name) {
			t.Fatalf("%s: got id %q kind %v dir %q", name, d.ID, d.Kind, d.Dir)
		}
	}
	d, err := c.Show("pdf-tools")
	if err != nil {
		t.Fatal(err)
	}
	want := []File{
		{"LICENSE.txt", 50, 0o644},
		{"SKILL.md", d.Files[1].Size, 0o644},
		{"references/forms.md", 36, 0o644},
		{"scripts/extract.py", d.Files[3].Size, 0o755},
	}
	if len(d.Files) != len(want) {
		t.Fatalf("files %v", d.Files)
	}
	for i := range want {
		if d.Files[i] != want[i] {
			t.Errorf("file %d = %+v, want %+v", i, d.Files[i], want[i])
		}
	}
	list, err := c.List()
	if err != nil || len(list) != 3 || list[0].ID != "api-guide" || list[2].ID != "pdf-tools" {
		t.Fatalf("List = %v, %v", list, err)
	}
	if names := catalogNames(t, c); len(names) != 3 {
		t.Fatalf("catalog holds %v", names)
	}
}

func TestAddNormalisesModes(t *testing.T) {
	dir := writeFolder(t, map[string]string{"SKILL.md": skillDoc("modes", "m"), "bin/tool": "#!/bin/sh\n", "data.txt": "x"})
	if err := os.Chmod(filepath.Join(dir, "bin/tool"), 0o6755|fs.ModeSetuid|fs.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "data.txt"), 0o600|fs.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "bin"), 0o700); err != nil {
		t.Fatal(err)
	}
	c := newCatalog(t, Limits{})
	if _, err := c.Add(ctx, dir, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{"bin/tool": 0o755, "data.txt": 0o644, "bin": fs.ModeDir | 0o755, "": fs.ModeDir | 0o755} {
		fi, err := os.Lstat(filepath.Join(c.Dir(), "modes", p))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%q: mode %v, want %v", p, fi.Mode(), want)
		}
	}
}

func TestAddArchivesUnwrapAndHashEqually(t *testing.T) {
	md := skillDoc("same-skill", "Same content three ways.")
	dir := writeFolder(t, map[string]string{"SKILL.md": md, "scripts/run.sh": "echo hi\n", "empty/": ""})
	tgz := writeTarGz(t,
		tarEntry{hdr: tar.Header{Name: "same-skill-1.2/", Typeflag: tar.TypeDir, Mode: 0o755}},
		file("same-skill-1.2/SKILL.md", md),
		tarEntry{hdr: tar.Header{Name: "same-skill-1.2/scripts/run.sh", Typeflag: tar.TypeReg, Mode: 0o755, Size: 8}, body: "echo hi\n"},
		tarEntry{hdr: tar.Header{Name: "same-skill-1.2/empty/", Typeflag: tar.TypeDir, Mode: 0o700}},
	)
	zp := writeZip(t,
		zipEntry{"./SKILL.md", 0o644, md},
		zipEntry{"scripts/", fs.ModeDir | 0o755, ""},
		zipEntry{"scripts/run.sh", 0o755, "echo hi\n"},
		zipEntry{"empty/", fs.ModeDir | 0o755, ""},
	)
	var hashes []string
	for _, src := range []string{dir, tgz, zp} {
		c := newCatalog(t, Limits{})
		d, err := c.Add(ctx, src, AddOptions{})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if d.ID != "same-skill" || len(d.Files) != 2 || d.Files[1] != (File{"scripts/run.sh", 8, 0o755}) {
			t.Fatalf("%s: %+v", src, d.Files)
		}
		shown, err := c.Show("same-skill")
		if err != nil || shown.Hash != d.Hash {
			t.Fatalf("%s: Show hash %v, Add hash %s (%v)", src, shown, d.Hash, err)
		}
		hashes = append(hashes, d.Hash)
	}
	if hashes[0] != hashes[1] || hashes[1] != hashes[2] || !strings.HasPrefix(hashes[0], "sha256:") || len(hashes[0]) != 71 {
		t.Fatalf("hashes differ: %q", hashes)
	}
}

func TestHashChangesWithContentModeAndPath(t *testing.T) {
	base := map[string]string{"SKILL.md": skillDoc("h", "d"), "a.txt": "one"}
	hashOf := func(files map[string]string, chmod string) string {
		dir := writeFolder(t, files)
		if chmod != "" {
			os.Chmod(filepath.Join(dir, chmod), 0o755)
		}
		c := newCatalog(t, Limits{})
		d, err := c.Add(ctx, dir, AddOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d.Hash
	}
	h0 := hashOf(base, "")
	for name, h := range map[string]string{
		"content": hashOf(map[string]string{"SKILL.md": skillDoc("h", "d"), "a.txt": "two"}, ""),
		"path":    hashOf(map[string]string{"SKILL.md": skillDoc("h", "d"), "b.txt": "one"}, ""),
		"mode":    hashOf(base, "a.txt"),
		"dir":     hashOf(map[string]string{"SKILL.md": skillDoc("h", "d"), "a.txt": "one", "d/": ""}, ""),
	} {
		if h == h0 {
			t.Errorf("changing the %s kept the hash", name)
		}
	}
	if hashOf(base, "") != h0 {
		t.Error("the same content hashed differently")
	}
}

func TestAddRefusesHostileTar(t *testing.T) {
	md := file("SKILL.md", skillDoc("evil", "e"))
	tests := []struct {
		name     string
		entry    tarEntry
		sentinel error
	}{
		{"dot dot", file("../escape.sh", "x"), ErrUnsafe},
		{"dot dot inside", file("scripts/../../escape.sh", "x"), ErrUnsafe},
		{"absolute", file("/etc/cron.d/evil", "x"), ErrUnsafe},
		{"backslash", file(`..\..\evil`, "x"), ErrUnsafe},
		{"control character", file("a\nb", "x"), ErrUnsafe},
		{"unclean", file("a//b", "x"), ErrUnsafe},
		{"symlink out", tarEntry{hdr: tar.Header{Name: "passwd", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}}, ErrUnsafe},
		{"symlink in", tarEntry{hdr: tar.Header{Name: "alias.md", Typeflag: tar.TypeSymlink, Linkname: "SKILL.md"}}, ErrUnsafe},
		{"hard link out", tarEntry{hdr: tar.Header{Name: "shadow", Typeflag: tar.TypeLink, Linkname: "/etc/shadow"}}, ErrUnsafe},
		{"hard link up", tarEntry{hdr: tar.Header{Name: "x", Typeflag: tar.TypeLink, Linkname: "../../x"}}, ErrUnsafe},
		{"char device", tarEntry{hdr: tar.Header{Name: "null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}, ErrUnsafe},
		{"block device", tarEntry{hdr: tar.Header{Name: "sda", Typeflag: tar.TypeBlock, Devmajor: 8}}, ErrUnsafe},
		{"fifo", tarEntry{hdr: tar.Header{Name: "pipe", Typeflag: tar.TypeFifo}}, ErrUnsafe},
		{"duplicate", file("SKILL.md", skillDoc("evil", "second")), ErrInvalid},
		{"file under file", file("SKILL.md/x", "x"), ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCatalog(t, Limits{})
			_, err := c.Add(ctx, writeTarGz(t, md, tt.entry), AddOptions{})
			wantRefused(t, c, err, tt.entry.hdr.Name, tt.sentinel)
		})
	}
}

func TestAddRefusesHostileZip(t *testing.T) {
	md := zipEntry{"SKILL.md", 0o644, skillDoc("evil", "e")}
	tests := []struct {
		name     string
		entry    zipEntry
		sentinel error
	}{
		{"zip slip", zipEntry{"../../../../tmp/evil.sh", 0o755, "x"}, ErrUnsafe},
		{"absolute", zipEntry{"/tmp/evil", 0o644, "x"}, ErrUnsafe},
		{"symlink", zipEntry{"passwd", fs.ModeSymlink | 0o777, "/etc/passwd"}, ErrUnsafe},
		{"device", zipEntry{"null", fs.ModeDevice | fs.ModeCharDevice | 0o666, ""}, ErrUnsafe},
		{"fifo", zipEntry{"pipe", fs.ModeNamedPipe | 0o666, ""}, ErrUnsafe},
		{"socket", zipEntry{"sock", fs.ModeSocket | 0o666, ""}, ErrUnsafe},
		{"duplicate", zipEntry{"SKILL.md", 0o644, "again"}, ErrInvalid},
		{"dir then file", zipEntry{"SKILL.md/", fs.ModeDir | 0o755, ""}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCatalog(t, Limits{})
			_, err := c.Add(ctx, writeZip(t, md, tt.entry), AddOptions{})
			wantRefused(t, c, err, tt.entry.name, tt.sentinel)
		})
	}
}

func TestAddRefusesEncryptedZip(t *testing.T) {
	p := writeZip(t, zipEntry{"SKILL.md", 0o644, skillDoc("enc", "e")})
	data, _ := os.ReadFile(p)
	// Set bit 0 (encrypted) of the general purpose flags in the local and
	// central headers.
	for _, sig := range []string{"PK\x03\x04", "PK\x01\x02"} {
		i := strings.Index(string(data), sig)
		off := 6
		if sig == "PK\x01\x02" {
			off = 8
		}
		data[i+off] |= 1
	}
	os.WriteFile(p, data, 0o644)
	c := newCatalog(t, Limits{})
	_, err := c.Add(ctx, p, AddOptions{})
	wantRefused(t, c, err, "SKILL.md", ErrInvalid)
}

func TestAddRefusesHostileFolder(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("host secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		entry string
		make  func(t *testing.T, dir string) error
	}{
		{"symlink to /etc/passwd", "passwd", func(t *testing.T, dir string) error {
			return os.Symlink("/etc/passwd", filepath.Join(dir, "passwd"))
		}},
		{"relative symlink inside", "scripts/alias.md", func(t *testing.T, dir string) error {
			os.Mkdir(filepath.Join(dir, "scripts"), 0o755)
			return os.Symlink("../SKILL.md", filepath.Join(dir, "scripts/alias.md"))
		}},
		{"symlinked folder", "lib", func(t *testing.T, dir string) error {
			return os.Symlink("/usr/lib", filepath.Join(dir, "lib"))
		}},
		{"hard link to outside", "secret", func(t *testing.T, dir string) error {
			return os.Link(outside, filepath.Join(dir, "secret"))
		}},
		{"fifo", "pipe", func(t *testing.T, dir string) error {
			return syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644)
		}},
		{"device node", "null", func(t *testing.T, dir string) error {
			return syscall.Mknod(filepath.Join(dir, "null"), syscall.S_IFCHR|0o666, 1<<8|3)
		}},
		{"socket", "sock", func(t *testing.T, dir string) error {
			return syscall.Mknod(filepath.Join(dir, "sock"), syscall.S_IFSOCK|0o666, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFolder(t, map[string]string{"SKILL.md": skillDoc("evil", "e")})
			if err := tt.make(t, dir); err != nil {
				t.Fatal(err)
			}
			c := newCatalog(t, Limits{})
			_, err := c.Add(ctx, dir, AddOptions{})
			wantRefused(t, c, err, tt.entry, ErrUnsafe)
		})
	}
}

// A file with two names, both inside the folder, is two plain copies.
func TestAddFolderHardLinkInside(t *testing.T) {
	dir := writeFolder(t, map[string]string{"SKILL.md": skillDoc("linked", "l"), "a.txt": "shared"})
	if err := os.Link(filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")); err != nil {
		t.Fatal(err)
	}
	c := newCatalog(t, Limits{})
	d, err := c.Add(ctx, dir, AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Files) != 3 {
		t.Fatalf("files %v", d.Files)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(d.Dir, "b.txt"), &st); err != nil || st.Nlink != 1 {
		t.Fatalf("catalog copy has %d links (%v)", st.Nlink, err)
	}
}

func TestAddNeedsSkillMD(t *testing.T) {
	c := newCatalog(t, Limits{})
	for _, src := range []string{
		writeFolder(t, map[string]string{"README.md": "no skill"}),
		writeFolder(t, map[string]string{"SKILL.md/x": "a folder"}),
		writeFolder(t, map[string]string{"inner/SKILL.md": skillDoc("inner", "folders are not unwrapped")}),
		writeTarGz(t, file("a/SKILL.md", skillDoc("a", "a")), file("b/SKILL.md", skillDoc("b", "two tops"))),
	} {
		_, err := c.Add(ctx, src, AddOptions{})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "no SKILL.md") {
			t.Errorf("%s: err = %v", src, err)
		}
	}
	if names := catalogNames(t, c); len(names) != 0 {
		t.Fatalf("catalog holds %v", names)
	}
}

func TestAddRefusesBadFrontmatter(t *testing.T) {
	tests := []struct {
		md, field string
		line      int
	}{
		{skillDoc("Bad_Name", "d"), "name", 2},
		{skillDoc("ok", strings.Repeat("d", 1025)), "description", 3},
		{"---\nname: ok\n---\n", "description", 2},
		{"---\nname: ok\ndescription: d\ntimeout: 100000\n---\n", "timeout", 4},
	}
	for _, tt := range tests {
		c := newCatalog(t, Limits{})
		src := writeTarGz(t, file("pkg/SKILL.md", tt.md))
		_, err := c.Add(ctx, src, AddOptions{})
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || fe.Line != tt.line || fe.File != src+": pkg/SKILL.md" {
			t.Fatalf("err = %v, want field %q at line %d of %s: pkg/SKILL.md", err, tt.field, tt.line, src)
		}
		if names := catalogNames(t, c); len(names) != 0 {
			t.Fatalf("catalog holds %v", names)
		}
	}
}

func TestAddRefusesOtherFiles(t *testing.T) {
	c := newCatalog(t, Limits{})
	p := filepath.Join(t.TempDir(), "skill.rar")
	os.WriteFile(p, []byte("Rar!\x1a\x07\x00"), 0o644)
	if _, err := c.Add(ctx, p, AddOptions{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	if _, err := c.Add(ctx, filepath.Join(t.TempDir(), "missing"), AddOptions{}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func TestAddExistingAndReplace(t *testing.T) {
	c := newCatalog(t, Limits{})
	v1 := writeFolder(t, map[string]string{"SKILL.md": skillDoc("tool", "version one"), "old.txt": "1"})
	v2 := writeFolder(t, map[string]string{"SKILL.md": skillDoc("tool", "version two"), "new.txt": "2"})
	d1, err := c.Add(ctx, v1, AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Add(ctx, v2, AddOptions{}); !errors.Is(err, ErrExists) {
		t.Fatalf("second add: %v", err)
	}
	if s, _ := c.Get("tool"); s.Description != "version one" {
		t.Fatalf("refused add changed the skill: %q", s.Description)
	}
	d2, err := c.Add(ctx, v2, AddOptions{Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Get("tool")
	if err != nil || s.Description != "version two" || d2.Hash == d1.Hash {
		t.Fatalf("after replace: %v %v", s, err)
	}
	if _, err := os.Stat(filepath.Join(c.Dir(), "tool", "old.txt")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("old file survived the swap: %v", err)
	}
	if names := catalogNames(t, c); len(names) != 1 {
		t.Fatalf("catalog holds %v", names)
	}
	// Replace of a skill that is not there adds it.
	if _, err := c.Add(ctx, writeFolder(t, map[string]string{"SKILL.md": skillDoc("fresh", "f")}), AddOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
}

func TestAddSweepsCrashLeftovers(t *testing.T) {
	c := newCatalog(t, Limits{})
	for _, n := range []string{".incoming-123", ".removed-456"} {
		os.MkdirAll(filepath.Join(c.Dir(), n, "deep"), 0o755)
	}
	if _, err := c.Add(ctx, writeFolder(t, map[string]string{"SKILL.md": skillDoc("s", "s")}), AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if names := catalogNames(t, c); len(names) != 1 || names[0] != "s" {
		t.Fatalf("catalog holds %v", names)
	}
}

func TestAddEntryPoints(t *testing.T) {
	tests := []struct {
		files map[string]string
		kind  Kind
		entry string
	}{
		{map[string]string{"execute.wasm": "\x00asm"}, WASM, "execute.wasm"},
		{map[string]string{"execute.wasm": "\x00asm", "execute.sh": "#!/bin/sh"}, WASM, "execute.wasm"},
		{map[string]string{"execute": "#!/bin/sh"}, Native, "execute"},
		{map[string]string{"execute.py": "print(1)"}, Native, "execute.py"},
		{map[string]string{"execute.js": "1"}, Native, "execute.js"},
		{map[string]string{"scripts/execute.sh": "#!/bin/sh"}, Instruction, ""},
		{map[string]string{"execute/": ""}, Instruction, ""},
	}
	for _, tt := range tests {
		tt.files["SKILL.md"] = skillDoc("ep", "entry points")
		c := newCatalog(t, Limits{})
		d, err := c.Add(ctx, writeFolder(t, tt.files), AddOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != tt.kind || d.Entry != tt.entry {
			t.Errorf("%v: kind %v entry %q, want %v %q", tt.files, d.Kind, d.Entry, tt.kind, tt.entry)
		}
	}
	c := newCatalog(t, Limits{})
	_, err := c.Add(ctx, writeFolder(t, map[string]string{"SKILL.md": skillDoc("ep", "e"), "execute.sh": "a", "execute.py": "b"}), AddOptions{})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "execute.py and execute.sh") && !strings.Contains(err.Error(), "execute.sh and execute.py") {
		t.Fatalf("two native entry points: %v", err)
	}
}

func TestKindString(t *testing.T) {
	if Instruction.String() != "instruction" || Native.String() != "native" || WASM.String() != "wasm" {
		t.Fatal(Instruction, Native, WASM)
	}
}

// git archive writes a pax global header first; macOS Finder adds a
// __MACOSX folder beside the zipped one. Neither is content.
func TestAddSkipsArchiveMetadata(t *testing.T) {
	md := skillDoc("meta", "m")
	tgz := writeTarGz(t,
		tarEntry{hdr: tar.Header{Name: "pax_global_header", Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "0123abcd"}}},
		file("meta-main/SKILL.md", md),
	)
	zp := writeZip(t,
		zipEntry{"meta/SKILL.md", 0o644, md},
		zipEntry{"__MACOSX/meta/._SKILL.md", 0o644, "\x00\x05\x16\x07"},
		zipEntry{"__MACOSX/", fs.ModeDir | 0o755, ""},
	)
	for _, src := range []string{tgz, zp} {
		c := newCatalog(t, Limits{})
		d, err := c.Add(ctx, src, AddOptions{})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if len(d.Files) != 1 || d.Files[0].Path != "SKILL.md" {
			t.Fatalf("%s: files %v", src, d.Files)
		}
	}
}

func TestAddCancelled(t *testing.T) {
	c := newCatalog(t, Limits{})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := c.Add(cctx, writeFolder(t, map[string]string{"SKILL.md": skillDoc("s", "s")}), AddOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if names := catalogNames(t, c); len(names) != 0 {
		t.Fatalf("catalog holds %v", names)
	}
}

func TestAddSkillMDLimit(t *testing.T) {
	c := newCatalog(t, Limits{MaxSkillMDBytes: 100})
	md := skillDoc("big", "b") + strings.Repeat("x", 100)
	_, err := c.Add(ctx, writeFolder(t, map[string]string{"SKILL.md": md}), AddOptions{})
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "SKILL.md") {
		t.Fatalf("err = %v", err)
	}
	if names := catalogNames(t, c); len(names) != 0 {
		t.Fatalf("catalog holds %v", names)
	}
}

// A folder's file replaced by a hard link to an outside file between the
// two passes is refused by the second.
func TestAddFolderLinkedBetweenPasses(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(outside, []byte("host secret"), 0o600)
	dir := writeFolder(t, map[string]string{"SKILL.md": skillDoc("race", "r"), "a.txt": "mine"})
	src, err := openSource(dir, Limits{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	defer src.close()
	p, err := scan(ctx, src, Limits{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "a.txt"))
	if err := os.Link(outside, filepath.Join(dir, "a.txt")); err != nil {
		t.Fatal(err)
	}
	root, _ := os.OpenRoot(t.TempDir())
	defer root.Close()
	err = p.copyTo(root)
	var ee *EntryError
	if !errors.As(err, &ee) || ee.Entry != "a.txt" || !errors.Is(err, ErrUnsafe) {
		t.Fatalf("err = %v", err)
	}
}
