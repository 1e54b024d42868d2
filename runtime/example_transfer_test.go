package runtime_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	bulkhead "github.com/bulkhead-dev/bulkhead/runtime"
)

// A tenant moves from one platform to another: Export writes one archive
// (to any io.Writer: a file, an object-storage upload), Import verifies it
// and makes the workspace, here under a new id.
func ExamplePlatform_Import() {
	oldHost, _ := os.MkdirTemp("", "bulkhead-example-")
	newHost, _ := os.MkdirTemp("", "bulkhead-example-")
	defer os.RemoveAll(oldHost)
	defer os.RemoveAll(newHost)
	ctx := context.Background()

	src, _ := bulkhead.NewPlatform(bulkhead.Options{StateDir: oldHost})
	defer src.Close()
	ws, _ := src.CreateWorkspace("acme", bulkhead.WorkspaceConfig{})
	os.WriteFile(filepath.Join(ws.FilesDir(), "README.md"), []byte("# acme\n"), 0o644)
	var archive bytes.Buffer
	if _, err := ws.Export(ctx, &archive, bulkhead.ExportOptions{}); err != nil {
		panic(err)
	}

	dst, _ := bulkhead.NewPlatform(bulkhead.Options{StateDir: newHost})
	defer dst.Close()
	moved, stats, err := dst.Import(ctx, &archive, bulkhead.ImportOptions{As: "acme-eu"})
	if err != nil {
		panic(err)
	}
	readme, _ := os.ReadFile(filepath.Join(moved.FilesDir(), "README.md"))
	fmt.Printf("%s from %s: %s", stats.Workspace, stats.Source, readme)
	// Output: acme-eu from acme: # acme
}
