package quota

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Usage is a volume's disk use, in bytes.
type Usage struct {
	// Limit is the quota: the image's size.
	Limit int64 `json:"limit"`
	// Capacity is what files may use: the filesystem's size less its
	// own metadata (statfs(2) f_blocks).
	Capacity int64 `json:"capacity"`
	// Used is what files and directories use (f_blocks - f_bfree).
	Used int64 `json:"used"`
	// Free is what is left to write (f_bavail); a write past it fails
	// with ENOSPC.
	Free int64 `json:"free"`
}

// Usage reports the volume's use against its quota; the volume must be
// mounted.
func (v Volume) Usage() (Usage, error) {
	if err := v.check(); err != nil {
		return Usage{}, err
	}
	if mounted, err := v.mounted(); err != nil {
		return Usage{}, err
	} else if !mounted {
		return Usage{}, fmt.Errorf("quota: %s is not mounted", v.Dir)
	}
	fi, err := os.Stat(v.Image)
	if err != nil {
		return Usage{}, fmt.Errorf("quota: %w", err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(v.Dir, &st); err != nil {
		return Usage{}, fmt.Errorf("quota: statfs(%q): %w", v.Dir, err)
	}
	bs := st.Bsize
	return Usage{
		Limit:    fi.Size(),
		Capacity: int64(st.Blocks) * bs,
		Used:     int64(st.Blocks-st.Bfree) * bs,
		Free:     int64(st.Bavail) * bs,
	}, nil
}
