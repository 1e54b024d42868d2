package memory

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestWorkspaceIsolation writes the same phrases to two workspaces at once,
// searching while they write, and checks that each sees only its own
// memories and that neither database file holds the other's text.
func TestWorkspaceIsolation(t *testing.T) {
	root := t.TempDir()
	ctx := context.Background()
	stores := map[string]*Store{}
	for _, ws := range []string{"tenant-a", "tenant-b"} {
		dir := filepath.Join(root, ws)
		os.MkdirAll(dir, 0o700)
		s, err := Open(databaseIn(dir), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[ws] = s
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for ws, s := range stores {
		for g := range 4 {
			wg.Go(func() {
				for i := range 25 {
					if _, err := s.Store(ctx, NewMemory{Text: fmt.Sprintf("shared launch checklist item %d-%d owned by %s", g, i, ws)}); err != nil {
						errs <- err
						return
					}
					if rs, err := s.Search(ctx, "shared launch checklist", SearchOptions{MaxResults: 100}); err != nil {
						errs <- err
						return
					} else {
						for _, r := range rs {
							if !strings.HasSuffix(r.Text, ws) {
								errs <- fmt.Errorf("%s saw %q", ws, r.Text)
								return
							}
						}
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for ws, s := range stores {
		rs, err := s.Search(ctx, "shared launch checklist", SearchOptions{MaxResults: 100, MMRLambda: 1})
		if err != nil || len(rs) != 100 {
			t.Fatalf("%s: %d results, %v", ws, len(rs), err)
		}
		for _, r := range rs {
			if !strings.HasSuffix(r.Text, ws) {
				t.Fatalf("%s found %q", ws, r.Text)
			}
		}
	}
	for ws, other := range map[string]string{"tenant-a": "tenant-b", "tenant-b": "tenant-a"} {
		files, _ := filepath.Glob(filepath.Join(root, ws, "memory", "*"))
		for _, f := range files {
			data, _ := os.ReadFile(f)
			if bytes.Contains(data, []byte("owned by "+other)) {
				t.Errorf("%s holds %s's text", f, other)
			}
		}
	}
}
