package skills

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// addFolder adds a skill made of files and returns its catalog.
func addFolder(t *testing.T, c *Catalog, files map[string]string) *Details {
	t.Helper()
	d, err := c.Add(ctx, writeFolder(t, files), AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestGetUnknownAndInvalidIDs(t *testing.T) {
	c := newCatalog(t, Limits{})
	for _, id := range []string{"nope", "../etc", "", ".lock", "A"} {
		if _, err := c.Get(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", id, err)
		}
	}
}

func TestGetChecksFolderName(t *testing.T) {
	c := newCatalog(t, Limits{})
	addFolder(t, c, map[string]string{"SKILL.md": skillDoc("real", "r")})
	if err := os.Rename(filepath.Join(c.Dir(), "real"), filepath.Join(c.Dir(), "renamed")); err != nil {
		t.Fatal(err)
	}
	_, err := c.Get("renamed")
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "name" || !strings.Contains(err.Error(), `"real" does not match the skill folder "renamed"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestGetRefusesPlantedSymlink(t *testing.T) {
	c := newCatalog(t, Limits{})
	other := filepath.Join(t.TempDir(), "elsewhere")
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, "SKILL.md"), []byte(skillDoc("planted", "p")), 0o644)
	os.Symlink(other, filepath.Join(c.Dir(), "planted"))
	if _, err := c.Get("planted"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
}

func TestListSkipsBrokenAndOwnFiles(t *testing.T) {
	c := newCatalog(t, Limits{})
	addFolder(t, c, map[string]string{"SKILL.md": skillDoc("good-b", "b")})
	addFolder(t, c, map[string]string{"SKILL.md": skillDoc("good-a", "a")})
	broken := addFolder(t, c, map[string]string{"SKILL.md": skillDoc("broken", "x")})
	os.WriteFile(filepath.Join(broken.Dir, "SKILL.md"), []byte("no frontmatter"), 0o644)
	os.MkdirAll(filepath.Join(c.Dir(), ".incoming-9"), 0o755)
	list, err := c.List()
	if len(list) != 2 || list[0].ID != "good-a" || list[1].ID != "good-b" {
		t.Fatalf("List = %v", list)
	}
	if err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadFile(t *testing.T) {
	c := newCatalog(t, Limits{MaxReadBytes: 100})
	d := addFolder(t, c, map[string]string{
		"SKILL.md":        skillDoc("reader", "r"),
		"scripts/a.py":    "print(1)\n",
		"references/big":  strings.Repeat("x", 101),
		"references/fits": strings.Repeat("x", 100),
	})
	addFolder(t, c, map[string]string{"SKILL.md": skillDoc("other", "o"), "secret.txt": "other skill"})
	got, err := c.ReadFile("reader", "")
	if err != nil || string(got) != skillDoc("reader", "r") {
		t.Fatalf("default file: %q %v", got, err)
	}
	for name, want := range map[string]string{"scripts/a.py": "print(1)\n", "./scripts/a.py": "print(1)\n", "references/fits": strings.Repeat("x", 100)} {
		if got, err := c.ReadFile("reader", name); err != nil || string(got) != want {
			t.Errorf("%s: %q %v", name, got, err)
		}
	}
	// Files planted after Add (the catalog is not expected to hold links,
	// but ReadFile must not follow them out).
	os.Symlink("/etc/passwd", filepath.Join(d.Dir, "passwd"))
	os.Symlink("../other/secret.txt", filepath.Join(d.Dir, "sibling"))
	syscall.Mkfifo(filepath.Join(d.Dir, "fifo"), 0o644)
	tests := map[string]error{
		"../other/secret.txt": ErrUnsafe,
		"/etc/passwd":         ErrUnsafe,
		"scripts/../../x":     ErrUnsafe,
		"scripts":             ErrUnsafe,
		".":                   ErrUnsafe,
		"passwd":              ErrUnsafe,
		"sibling":             ErrUnsafe,
		"fifo":                ErrUnsafe,
		"references/big":      ErrLimit,
		"missing.md":          ErrNotFound,
	}
	for name, want := range tests {
		if got, err := c.ReadFile("reader", name); !errors.Is(err, want) {
			t.Errorf("ReadFile(%q) = %q, %v; want %v", name, got, err, want)
		}
	}
	if _, err := c.ReadFile("missing", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown skill: %v", err)
	}
}

func TestRemove(t *testing.T) {
	c := newCatalog(t, Limits{})
	addFolder(t, c, map[string]string{"SKILL.md": skillDoc("tool", "t"), "deep/er/file": "x"})
	enabledIn := func(id string) ([]string, error) { return []string{"ws-a", "ws-b"}, nil }
	err := c.Remove(ctx, "tool", RemoveOptions{EnabledIn: enabledIn})
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "ws-a, ws-b") {
		t.Fatalf("err = %v", err)
	}
	if _, err := c.Get("tool"); err != nil {
		t.Fatalf("refused remove changed the skill: %v", err)
	}
	failing := func(string) ([]string, error) { return nil, errors.New("cannot read workspaces") }
	if err := c.Remove(ctx, "tool", RemoveOptions{EnabledIn: failing}); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Fatalf("err = %v", err)
	}
	if err := c.Remove(ctx, "tool", RemoveOptions{EnabledIn: enabledIn, Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get("tool"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after remove: %v", err)
	}
	if err := c.Remove(ctx, "tool", RemoveOptions{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second remove: %v", err)
	}
	if names := catalogNames(t, c); len(names) != 0 {
		t.Fatalf("catalog holds %v", names)
	}
}

func TestLockTimeout(t *testing.T) {
	c := newCatalog(t, Limits{LockTimeout: 50_000_000})
	held, err := c.lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	_, err = c.Add(ctx, writeFolder(t, map[string]string{"SKILL.md": skillDoc("s", "s")}), AddOptions{})
	if err == nil || !strings.Contains(err.Error(), "lock") {
		t.Fatalf("err = %v", err)
	}
	if err := c.Remove(ctx, "s", RemoveOptions{}); err == nil || !strings.Contains(err.Error(), "lock") {
		t.Fatalf("remove err = %v", err)
	}
}

// TestConcurrentAddsFromProcesses runs several processes that add and
// replace skills in one catalog at once; afterwards every skill loads
// whole and no temporary folder is left.
func TestConcurrentAddsFromProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "skills")
	const procs, rounds = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, procs)
	for p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAdder$")
			cmd.Env = append(os.Environ(), "SKILLS_ADDER_DIR="+dir, fmt.Sprintf("SKILLS_ADDER_ID=%d", p), fmt.Sprintf("SKILLS_ADDER_ROUNDS=%d", rounds))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("process %d: %v\n%s", p, err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.List()
	if err != nil || len(list) != procs+1 {
		t.Fatalf("List = %d skills, %v", len(list), err)
	}
	shared, err := c.Show("shared")
	if err != nil || len(shared.Files) != 2 {
		t.Fatalf("shared: %v %v", shared, err)
	}
	// The shared skill's two files come from the same writer.
	a, _ := os.ReadFile(filepath.Join(shared.Dir, "SKILL.md"))
	b, _ := os.ReadFile(filepath.Join(shared.Dir, "owner.txt"))
	if !strings.Contains(string(a), "written by "+string(b)) {
		t.Fatalf("torn skill: SKILL.md %q owner %q", a, b)
	}
	if names := catalogNames(t, c); len(names) != procs+1 {
		t.Fatalf("catalog holds %v", names)
	}
}

// TestHelperAdder is the body of TestConcurrentAddsFromProcesses's child
// processes; it does nothing when run directly.
func TestHelperAdder(t *testing.T) {
	dir := os.Getenv("SKILLS_ADDER_DIR")
	if dir == "" {
		return
	}
	id := os.Getenv("SKILLS_ADDER_ID")
	var rounds int
	fmt.Sscan(os.Getenv("SKILLS_ADDER_ROUNDS"), &rounds)
	c, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for r := range rounds {
		owner := fmt.Sprintf("p%s-r%d", id, r)
		shared := writeFolder(t, map[string]string{"SKILL.md": skillDoc("shared", "written by "+owner), "owner.txt": owner})
		if _, err := c.Add(ctx, shared, AddOptions{Replace: true}); err != nil {
			t.Fatal(err)
		}
		own := writeFolder(t, map[string]string{"SKILL.md": skillDoc("own-"+id, owner)})
		if _, err := c.Add(ctx, own, AddOptions{Replace: true}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenCreatesPrivateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "skills")
	c, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(c.Dir())
	if err != nil || fi.Mode() != fs.ModeDir|0o700 || !filepath.IsAbs(c.Dir()) {
		t.Fatalf("%v %v %q", fi.Mode(), err, c.Dir())
	}
}
