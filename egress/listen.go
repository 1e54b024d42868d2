package egress

import (
	"fmt"
	"net"
	"os"
)

// ListenUnix binds a Unix stream socket at path for Run.Serve, and sets
// its mode to perm (for example 0o600, or 0o666 when a jail whose root is
// another host uid must connect). The socket file is removed when the
// listener is closed.
//
// # Notes
//
//   - Bind it in a directory only the host can write (0700), so nothing
//     can connect in the moment between bind(2) and chmod(2).
//   - An existing file at path is an error: the caller picks a fresh path
//     per jail.
func ListenUnix(path string, perm os.FileMode) (*net.UnixListener, error) {
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("egress: listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, perm); err != nil {
		l.Close()
		return nil, fmt.Errorf("egress: chmod %s: %w", path, err)
	}
	return l, nil
}
