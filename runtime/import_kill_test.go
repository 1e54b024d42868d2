package runtime

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envImportChild makes this test binary a child that imports the archive
// on its standard input into the state directory the variable names.
const envImportChild = "BULKHEAD_TEST_IMPORT_CHILD"

func init() {
	dir := os.Getenv(envImportChild)
	if dir == "" {
		return
	}
	p, err := NewPlatform(Options{StateDir: dir})
	if err == nil {
		_, _, err = p.Import(context.Background(), os.Stdin, ImportOptions{})
	}
	fmt.Println("import ended:", err)
	os.Exit(0)
}

// TestKilledImport: a process killed in the middle of an import leaves
// no workspace, only a temporary directory (and, with a disk quota, a
// mounted volume) that the next platform removes; the same archive then
// imports.
func TestKilledImport(t *testing.T) {
	for _, diskQuota := range []int64{0, 64 << 20} {
		t.Run(fmt.Sprintf("quota=%d", diskQuota), func(t *testing.T) {
			src := newTestPlatform(t)
			ws, err := src.CreateWorkspace("alpha", WorkspaceConfig{DiskQuota: diskQuota})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { src.DeleteWorkspace("alpha") }) // unmounts its volume
			for i := range 24 {
				noise := make([]byte, 1<<20) // incompressible: the archive is as large
				rand.Read(noise)
				writeFile(t, filepath.Join(ws.FilesDir(), fmt.Sprintf("blob%02d", i)), string(noise))
			}
			data, _ := exportBytes(t, ws, ExportOptions{})

			dir := t.TempDir()
			child := exec.Command(os.Args[0], "-test.run=^$")
			child.Env = append(os.Environ(), envImportChild+"="+dir)
			stdin, err := child.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			go stdin.Write(data[:len(data)/2]) // and no more: the import waits mid-stream
			root := filepath.Join(dir, "workspaces")
			deadline := time.Now().Add(30 * time.Second)
			for {
				blobs, _ := filepath.Glob(filepath.Join(root, importingPrefix+"*", "workspace", "*", "blob*"))
				blobs2, _ := filepath.Glob(filepath.Join(root, importingPrefix+"*", "workspace", "disk", "files", "blob*"))
				if len(blobs)+len(blobs2) > 2 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the child never got mid-stream")
				}
				time.Sleep(10 * time.Millisecond)
			}
			child.Process.Signal(syscall.SIGKILL)
			child.Wait()
			stdin.Close()
			if debris, _ := filepath.Glob(filepath.Join(root, importingPrefix+"*")); len(debris) != 1 {
				t.Fatalf("debris after the kill: %q", debris)
			}
			p, err := NewPlatform(Options{StateDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if entries, _ := os.ReadDir(root); len(entries) != 0 {
				t.Errorf("after the next start: %v", entries)
			}
			if mounts, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(mounts), dir) {
				t.Errorf("a mount of the killed import is left:\n%s", mounts)
			}
			got, _, err := p.Import(bg, strings.NewReader(string(data)), ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(filepath.Join(got.FilesDir(), "blob23")); err != nil || fi.Size() != 1<<20 {
				t.Errorf("blob23: %v %v", fi, err)
			}
			if diskQuota > 0 {
				if u, ok, err := got.DiskUsage(); !ok || err != nil || u.Limit != diskQuota {
					t.Errorf("disk usage %+v %v %v", u, ok, err)
				}
				must(t, p.DeleteWorkspace("alpha"))
			}
		})
	}
}
