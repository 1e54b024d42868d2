package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// WriteFile atomically replaces path with data, created with permission perm.
// The temporary file lives beside path and is removed on failure.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return WriteFrom(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFrom atomically replaces path with what write writes, created with
// permission perm: write gets a temporary file beside path, which is
// fsynced and renamed over path (and the directory fsynced) once write
// returns nil, and removed when it or any step fails. For content streamed
// from elsewhere, such as an archive.
func WriteFrom(path string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("atomic write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("atomic write %s: %w", path, err)
	}
	if err = write(tmp); err != nil {
		return fmt.Errorf("atomic write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("atomic write %s: fsync: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("atomic write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("atomic write %s: %w", path, err)
	}
	return SyncDir(dir)
}

// Append appends data to path (created with perm if missing) and fsyncs the
// file before returning, so acknowledged appends survive a crash. A crash
// during the call may leave a torn tail, which readers must tolerate.
func Append(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, perm)
	if err != nil {
		return fmt.Errorf("append %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("append %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("append %s: fsync: %w", path, err)
	}
	return f.Close()
}

// SyncDir fsyncs a directory so that entries created, renamed or removed in
// it are durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return nil
}

// RemoveTemps removes the temporary files that WriteFile calls for path
// left behind when their process was killed between creating and renaming
// them. The caller must hold whatever lock serialises the writers of path:
// a temporary file of a write in progress would be removed too.
func RemoveTemps(path string) error {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("remove temporary files of %s: %w", path, err)
	}
	prefix := tempPrefix(path)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove temporary files of %s: %w", path, err)
		}
	}
	return nil
}

// tempPrefix is the name prefix of WriteFile's temporary files for path.
func tempPrefix(path string) string {
	return "." + filepath.Base(path) + ".tmp-"
}
