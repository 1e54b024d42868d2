package runtime

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/memory"
)

// TestLayoutDocumented: the tree in layout.go and the one in the package
// documentation are the same, and name every entry layout.go defines.
func TestLayoutDocumented(t *testing.T) {
	fset := token.NewFileSet()
	layoutFile, err := parser.ParseFile(fset, "layout.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docFile, err := parser.ParseFile(fset, "doc.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var layoutTree string
	for _, d := range layoutFile.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
			layoutTree = docTree(g.Doc.Text())
			for _, spec := range g.Specs {
				for _, v := range spec.(*ast.ValueSpec).Values {
					s, err := strconv.Unquote(v.(*ast.BasicLit).Value)
					if err != nil {
						t.Fatal(err)
					}
					names = append(names, s)
				}
			}
		}
	}
	pkgTree := docTree(docFile.Doc.Text())
	if layoutTree == "" || layoutTree != pkgTree {
		t.Fatalf("the trees differ:\nlayout.go:\n%s\ndoc.go:\n%s", layoutTree, pkgTree)
	}
	entries := strings.FieldsFunc(layoutTree, func(r rune) bool { return strings.ContainsRune(" \t\n/*", r) })
	if len(names) < 10 {
		t.Fatalf("found %d names in layout.go's constants", len(names))
	}
	for _, n := range names {
		if !slices.Contains(entries, n) {
			t.Errorf("%q is not in the layout's tree", n)
		}
	}
}

// docTree returns the indented lines of a doc comment's text.
func docTree(text string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "\t") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestLayoutOnDisk: the entries the runtime names are where the packages
// that receive them, and package sessions, which names its own, put them.
func TestLayoutOnDisk(t *testing.T) {
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "a")
	l := layout{filepath.Join(p.StateDir(), "workspaces", "a")}
	if ws.layout() != l || p.workspaceDir("a") != l.dir {
		t.Fatalf("layout %v, want %v", ws.layout(), l)
	}
	if err := ws.Sessions().Append("s1", "m", chat.UserText("hi")); err != nil {
		t.Fatal(err)
	}
	st, release, err := ws.Memory()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if st.Path() != l.memoryDB() {
		t.Errorf("memory at %s, want %s", st.Path(), l.memoryDB())
	}
	for _, path := range []string{l.config(), l.runsLock(), filepath.Join(l.transcripts(), "s1.jsonl"), l.memoryDB(), ws.FilesDir(), ws.HomeDir()} {
		if _, err := os.Lstat(path); err != nil {
			t.Error(err)
		}
	}
	if ws.FilesDir() != filepath.Join(l.dir, "files") || ws.HomeDir() != filepath.Join(l.dir, "home") {
		t.Errorf("files %s, home %s: want them in %s", ws.FilesDir(), ws.HomeDir(), l.dir)
	}
	if d := l.data(true); d.files() != filepath.Join(l.dir, "disk", "files") || d.tmp() != filepath.Join(l.dir, "disk", "tmp") {
		t.Errorf("with a quota: files %s, tmp %s", d.files(), d.tmp())
	}
}

// TestMemoryRefusesLinkedWorkspace: a workspace directory that is a
// symbolic link to another workspace's is refused before its memory is
// opened (memory.Open checks from memory/ down), and one that is gone is
// ErrWorkspaceNotFound.
func TestMemoryRefusesLinkedWorkspace(t *testing.T) {
	p := newTestPlatform(t)
	victim := newTestWorkspace(t, p, "victim")
	st, release, err := victim.Memory()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Store(bg, memory.NewMemory{Text: "victim secret"}); err != nil {
		t.Fatal(err)
	}
	release()
	if err := os.Symlink(victim.Dir(), p.workspaceDir("evil")); err != nil {
		t.Fatal(err)
	}
	evil, err := p.Workspace("evil")
	if err != nil {
		t.Fatal(err)
	}
	if _, release, err := evil.Memory(); !errors.Is(err, memory.ErrUnsafePath) {
		if err == nil {
			release()
		}
		t.Errorf("memory of a linked workspace: %v, want ErrUnsafePath", err)
	}
	gone := newTestWorkspace(t, p, "gone")
	if err := os.RemoveAll(gone.Dir()); err != nil {
		t.Fatal(err)
	}
	if st, err := gone.openStore(memory.Options{}); !errors.Is(err, ErrWorkspaceNotFound) {
		if err == nil {
			st.Close()
		}
		t.Errorf("memory of a removed workspace: %v, want ErrWorkspaceNotFound", err)
	}
	if _, err := os.Lstat(gone.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the removed workspace came back: %v", err)
	}
}
