//go:build linux

package confined

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// guestTimeout bounds one run of the test guest, compilation included.
const guestTimeout = 2 * time.Minute

// guestResult mirrors result in testdata/guest/main.go.
type guestResult struct {
	OK   bool   `json:"ok"`
	Err  string `json:"err"`
	Data string `json:"data"`
}

// buildGuest compiles testdata/guest for GOOS=wasip1 GOARCH=wasm into a
// temporary directory and returns the module bytes.
func buildGuest(t *testing.T) []byte {
	t.Helper()
	return buildGuestPackage(t, "./testdata/guest")
}

// buildGuestPackage compiles the command in pkg (a directory below this
// package) for GOOS=wasip1 GOARCH=wasm and returns the module bytes.
func buildGuestPackage(t *testing.T, pkg string) []byte {
	t.Helper()
	goBin, err := exec.LookPath("go")
	must(t, err)
	out := filepath.Join(t.TempDir(), "guest.wasm")
	cmd := exec.Command(goBin, "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build guest: %v\n%s", err, msg)
	}
	wasm, err := os.ReadFile(out)
	must(t, err)
	return wasm
}

// runGuest runs wasm with fsys's root mounted as the only preopen,
// /workspace, which is also its working directory, and returns its
// decoded stdout.
func runGuest(t *testing.T, wasm []byte, l layout) map[string]guestResult {
	t.Helper()
	fsys := l.open(t)
	ctx, cancel := context.WithTimeout(context.Background(), guestTimeout)
	defer cancel()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(true))
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	var stdout, stderr bytes.Buffer
	cfg := wazero.NewModuleConfig().
		WithFSConfig(wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(fsys, "/workspace")).
		WithArgs("guest", l.secretPath).
		WithEnv("PWD", "/workspace").
		WithStdout(&stdout).
		WithStderr(&stderr).
		WithStartFunctions("_start")
	_, err := r.InstantiateWithConfig(ctx, wasm, cfg)
	var exit *sys.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 0) {
		t.Fatalf("run guest: %v\nstderr: %s", err, stderr.String())
	}
	results := map[string]guestResult{}
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("guest output: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	return results
}

func TestGuest(t *testing.T) {
	wasm := buildGuest(t)
	l := newLayout(t)
	results := runGuest(t, wasm, l)

	var escapes, oks int
	for name, r := range results {
		if strings.Contains(r.Data, secret) {
			t.Errorf("%s read the secret: %+v", name, r)
		}
		switch {
		case strings.HasPrefix(name, "escape."):
			escapes++
			if r.OK {
				t.Errorf("%s succeeded: %+v", name, r)
			}
			t.Logf("%s: %s", name, r.Err)
		case strings.HasPrefix(name, "ok."):
			oks++
			if !r.OK {
				t.Errorf("%s failed: %s", name, r.Err)
			}
		default:
			t.Errorf("unexpected result name %q", name)
		}
	}
	if escapes < 30 || oks < 20 {
		t.Fatalf("guest reported %d escapes and %d ordinary operations, want at least 30 and 20", escapes, oks)
	}
	wantData := map[string]string{
		"ok.read":              "hello",
		"ok.read_absolute":     "hello",
		"ok.read_in_link":      "hello",
		"ok.read_in_dirlink":   "inner",
		"ok.read_up_link":      "hello",
		"ok.readdir_sub":       "deep-escape,inner.txt,up-link",
		"ok.read_back":         "first",
		"ok.read_appended":     "first second",
		"ok.read_truncated":    "short",
		"ok.read_renamed":      "short",
		"ok.read_new_symlink":  "short",
		"ok.stat_mtime":        "1970-01-01T00:33:20Z",
		"ok.large_roundtrip":   "ok",
		"ok.readdir_notes":     "b.txt,large.bin",
		"escape.read_fifo":     "",
		"escape.read_hardlink": "",
	}
	for name, want := range wantData {
		if got := results[name].Data; got != want {
			t.Errorf("%s data = %q, want %q", name, got, want)
		}
	}

	// Spot-check that escapes fail for the documented reason (wasip1 errno
	// names as Go's syscall package spells them).
	wantErr := map[string]string{
		"escape.read_abs_link":       "operation not permitted",
		"escape.read_dirlink_middle": "operation not permitted",
		"escape.read_hardlink":       "permission denied",
		"escape.read_fifo":           "permission denied",
		"escape.read_loop":           "too many symbolic links",
		"escape.symlink_out":         "operation not permitted",
		"escape.hard_link":           "operation not permitted",
	}
	for name, want := range wantErr {
		if got := strings.ToLower(results[name].Err); !strings.Contains(got, want) {
			t.Errorf("%s error = %q, want it to contain %q", name, got, want)
		}
	}

	l.assertSecretIntact(t)
	if b, err := os.ReadFile(filepath.Join(l.root, "hello.txt")); err != nil || string(b) != "hello" {
		t.Errorf("hello.txt after the guest: %q, %v", b, err)
	}
	if _, err := os.Lstat(filepath.Join(l.root, "abs-link")); !os.IsNotExist(err) {
		t.Errorf("abs-link not removed: %v", err)
	}
	for _, name := range []string{"planted-link", "planted-abs", "hl", "stolen.txt"} {
		if _, err := os.Lstat(filepath.Join(l.root, name)); !os.IsNotExist(err) {
			t.Errorf("%s exists after the guest: %v", name, err)
		}
	}
}
