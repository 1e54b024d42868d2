package wasmhost

import (
	"fmt"
	"io"

	"github.com/bulkhead-dev/bulkhead/wasmhost/confined"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"
)

// openMounts opens each mount's host directory as a confined file system
// (read-only when asked) and returns the guest's file system configuration
// and a function that closes them all; the caller runs it once the guest
// is closed. On error nothing stays open.
func openMounts(mounts []Mount) (wazero.FSConfig, func(), error) {
	cfg := wazero.NewFSConfig().(sysfs.FSConfig)
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	for i, m := range mounts {
		fsys, err := confined.New(m.HostDir)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("wasmhost: Mounts[%d] (%s): %w", i, m.GuestPath, err)
		}
		if m.ReadOnly {
			fsys = confined.ReadOnly(fsys)
		} else if m.MaxBytes > 0 {
			fsys = confined.Quota(fsys, m.MaxBytes)
		}
		closers = append(closers, fsys.(io.Closer))
		cfg = cfg.WithSysFSMount(fsys, m.GuestPath).(sysfs.FSConfig)
	}
	return cfg.(wazero.FSConfig), closeAll, nil
}
