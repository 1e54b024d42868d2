package memory

import (
	"errors"
	"fmt"
	"os"
)

// ErrNoWorkspace is returned by OpenWorkspace for a workspace directory
// that does not exist.
var ErrNoWorkspace = errors.New("workspace does not exist")

// OpenWorkspace opens the memory store of an existing workspace directory
// (<stateDir>/workspaces/<id>), at DatabasePath(dir). It never creates the
// workspace itself: errors wrap ErrNoWorkspace when dir is missing or not a
// directory, else come from Open.
func OpenWorkspace(dir string, opts Options) (*Store, error) {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s", ErrNoWorkspace, dir)
	}
	return Open(DatabasePath(dir), opts)
}
