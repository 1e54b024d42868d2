package skills

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestEnabled(t *testing.T) {
	c := newCatalog(t, Limits{})
	for _, id := range []string{"pdf", "docx", "xlsx"} {
		addFolder(t, c, map[string]string{"SKILL.md": skillDoc(id, id)})
	}
	path := filepath.Join(t.TempDir(), EnabledFile)
	e := OpenEnabled(path, c)
	if list, err := e.List(); err != nil || len(list) != 0 {
		t.Fatalf("missing file: %v %v", list, err)
	}
	for _, id := range []string{"xlsx", "pdf", "docx", "pdf"} {
		if err := e.Enable(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(path)
	if string(data) != `["docx","pdf","xlsx"]`+"\n" {
		t.Fatalf("file = %q", data)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if err := e.Enable(ctx, "unknown"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("enable unknown: %v", err)
	}
	if err := e.Enable(ctx, "../x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("enable bad id: %v", err)
	}
	if err := e.Disable(ctx, "pdf"); err != nil {
		t.Fatal(err)
	}
	if err := e.Disable(ctx, "pdf"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("disable twice: %v", err)
	}
	if on, err := e.IsEnabled("docx"); !on || err != nil {
		t.Fatalf("IsEnabled(docx) = %v %v", on, err)
	}
	if on, _ := e.IsEnabled("pdf"); on {
		t.Fatal("pdf still enabled")
	}
	// A skill removed from the catalog can still be disabled.
	if err := c.Remove(ctx, "xlsx", RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.Disable(ctx, "xlsx"); err != nil {
		t.Fatal(err)
	}
	if err := e.Disable(ctx, "docx"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "[]\n" {
		t.Fatalf("file = %q", data)
	}
}

func TestEnabledCorruptFileIsKept(t *testing.T) {
	c := newCatalog(t, Limits{})
	addFolder(t, c, map[string]string{"SKILL.md": skillDoc("pdf", "p")})
	path := filepath.Join(t.TempDir(), EnabledFile)
	os.WriteFile(path, []byte(`{"not": "a list"}`), 0o600)
	e := OpenEnabled(path, c)
	if _, err := e.List(); !errors.Is(err, ErrInvalid) {
		t.Fatalf("List = %v", err)
	}
	if err := e.Enable(ctx, "pdf"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Enable = %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != `{"not": "a list"}` {
		t.Fatalf("corrupt file overwritten: %q", data)
	}
	os.WriteFile(path, make([]byte, maxEnabledBytes+1), 0o600)
	if _, err := e.List(); !errors.Is(err, ErrLimit) {
		t.Fatalf("oversized: %v", err)
	}
}

// Concurrent changes through separate handles (separate lock files
// descriptors) are all kept.
func TestEnabledConcurrent(t *testing.T) {
	c := newCatalog(t, Limits{})
	const n = 12
	for i := range n {
		addFolder(t, c, map[string]string{"SKILL.md": skillDoc(fmt.Sprintf("s%02d", i), "s")})
	}
	path := filepath.Join(t.TempDir(), EnabledFile)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := OpenEnabled(path, c).Enable(ctx, fmt.Sprintf("s%02d", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	list, err := OpenEnabled(path, c).List()
	if err != nil || len(list) != n {
		t.Fatalf("List = %v %v", list, err)
	}
}
