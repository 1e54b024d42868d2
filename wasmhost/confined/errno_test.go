//go:build linux

package confined

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"testing"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

func TestErrnoMapping(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want experimentalsys.Errno
		// open is the errno from openErrno when it differs from want.
		open experimentalsys.Errno
	}{
		{name: "nil", err: nil},
		{name: "EOF", err: io.EOF},
		{name: "wrapped EOF", err: fmt.Errorf("read: %w", io.EOF)},
		{name: "path error", err: &os.PathError{Op: "openat", Path: "x", Err: syscall.ENOENT}, want: experimentalsys.ENOENT},
		{name: "link error", err: &os.LinkError{Op: "renameat", Old: "a", New: "b", Err: syscall.ENOTEMPTY}, want: experimentalsys.ENOTEMPTY},
		{name: "bare errno", err: syscall.ELOOP, want: experimentalsys.ELOOP},
		{name: "wazero errno", err: experimentalsys.EACCES, want: experimentalsys.EACCES},
		{name: "errno without a wazero name", err: syscall.EXDEV, want: experimentalsys.EIO},
		{name: "closed", err: &os.PathError{Err: fs.ErrClosed}, want: experimentalsys.EBADF},
		{name: "not exist sentinel", err: fs.ErrNotExist, want: experimentalsys.ENOENT},
		{name: "exist sentinel", err: fs.ErrExist, want: experimentalsys.EEXIST},
		{name: "invalid sentinel", err: fs.ErrInvalid, want: experimentalsys.EINVAL},
		{name: "permission sentinel", err: fs.ErrPermission, want: experimentalsys.EACCES},
		{name: "os.Root refusal", err: &os.PathError{Op: "openat", Path: "../x", Err: errors.New("path escapes from parent")}, want: experimentalsys.EPERM},
		{name: "special file", err: &os.PathError{Op: "openat", Path: "fifo", Err: syscall.ENXIO}, want: experimentalsys.EIO, open: experimentalsys.EACCES},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := toErrno(tt.err); got != tt.want {
				t.Fatalf("toErrno(%v) = %v, want %v", tt.err, got, tt.want)
			}
			wantOpen := tt.want
			if tt.open != 0 {
				wantOpen = tt.open
			}
			if got := openErrno(tt.err); got != wantOpen {
				t.Fatalf("openErrno(%v) = %v, want %v", tt.err, got, wantOpen)
			}
		})
	}
}
