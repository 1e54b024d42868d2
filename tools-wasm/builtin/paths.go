package builtin

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"unicode"
)

// Mount is the virtual directory under which the model sees the workspace.
const Mount = "/workspace"

// errEscape is the error for a path that leaves the workspace.
var errEscape = errors.New("path escapes the workspace")

// resolve maps a tool's path argument, relative to /workspace or absolute
// under it, to a clean name relative to the root in io/fs form ("." or
// "a/b"). An empty path means the workspace itself. A path that leaves
// /workspace after path.Clean is an error wrapping errEscape.
func resolve(p string) (string, error) {
	if strings.IndexByte(p, 0) >= 0 {
		return "", fmt.Errorf("path %q contains a NUL byte", p)
	}
	if p == "" {
		return ".", nil
	}
	c := path.Clean(p)
	if path.IsAbs(p) {
		if c == Mount {
			return ".", nil
		}
		rel, ok := strings.CutPrefix(c, Mount+"/")
		if !ok {
			return "", fmt.Errorf("%q: %w; use a path relative to %s or under %s/", p, errEscape, Mount, Mount)
		}
		return rel, nil
	}
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%q: %w; use a path relative to %s or under %s/", p, errEscape, Mount, Mount)
	}
	return c, nil
}

// describe turns a file system error into a short message for the model: the
// underlying cause without the operation and the real path, which would
// expose the host directory, starting lower-case (wasip1 capitalises its
// errno texts, Linux does not).
func describe(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case err.Error() == "path escapes from parent": // os.Root's error for a symbolic link that leaves the root
		return errEscape.Error() + " through a symbolic link"
	}
	msg := err.Error()
	if msg != "" && msg[0] >= 'A' && msg[0] <= 'Z' {
		msg = string(msg[0]+'a'-'A') + msg[1:]
	}
	return msg
}

// shown is how a resolved name appears in messages and listings: the path
// relative to /workspace, or "/workspace" for the workspace itself.
func shown(name string) string {
	if name == "." || name == "" {
		return Mount
	}
	return name
}

// displayName is how a listing shows a file name: as is, unless it holds a
// control character (a newline would split one entry into two lines) or a
// bidirectional override (which can make a name read as another); then it
// is quoted with Go escapes, e.g. "weird\nname\u202e.txt".
func displayName(name string) string {
	for _, r := range name {
		if unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) {
			return strconv.QuoteToASCII(name)
		}
	}
	return name
}
