package builtin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
)

// writeInput is the write tool's arguments. Content is a pointer so that a
// missing content is told apart from an empty file.
type writeInput struct {
	Path    string  `json:"path"`
	Content *string `json:"content"`
}

// write creates or overwrites a file, creating missing parent directories,
// and reports the bytes written. Content over WriteBytes is refused.
func (c *call) write(input json.RawMessage) (string, error) {
	var in writeInput
	if err := decode(input, &in); err != nil {
		return "", err
	}
	if in.Path == "" {
		return "", errors.New("write: path is required")
	}
	if in.Content == nil {
		return "", errors.New("write: content is required (use \"\" for an empty file)")
	}
	name, err := resolve(in.Path)
	if err != nil {
		return "", fmt.Errorf("write: %w", err)
	}
	data := []byte(*in.Content)
	if len(data) > c.lim.WriteBytes {
		return "", fmt.Errorf("write %s: content is %d bytes, over the limit of %s; write a smaller file", shown(name), len(data), size(int64(c.lim.WriteBytes)))
	}
	info, err := c.root.Stat(name)
	existed := err == nil
	switch {
	case existed && info.IsDir():
		return "", fmt.Errorf("write %s: is a directory", shown(name))
	case existed && !info.Mode().IsRegular():
		return "", notRegular("write", name, info)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", c.fsError("write", name, err)
	}
	if dir := path.Dir(name); !existed && dir != "." {
		if err := c.root.MkdirAll(dir, 0o755); err != nil {
			return "", c.fsError("write: create parent directories of", name, err)
		}
	}
	if err := c.replace(name, data); err != nil {
		return "", c.fsError("write", name, err)
	}
	if existed {
		return fmt.Sprintf("wrote %d bytes to %s (replaced its content)", len(data), shown(name)), nil
	}
	return fmt.Sprintf("wrote %d bytes to %s (new file)", len(data), shown(name)), nil
}

// replace sets the content of the file name, creating it with mode 0644
// (before umask) if missing. It writes in place and fsyncs, which keeps an
// existing file's mode, owner and inode; see the package notes for why it
// does not rename a temporary file.
func (c *call) replace(name string, data []byte) error {
	f, err := c.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
