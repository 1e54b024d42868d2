package quota_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bulkhead-dev/bulkhead/quota"
)

// A workspace of 64 MiB: its trees go inside the volume's directory, and
// a write past the quota fails with ENOSPC.
func ExampleVolume() {
	state, _ := os.MkdirTemp("", "example-")
	defer os.RemoveAll(state)
	v := quota.Volume{Image: filepath.Join(state, "disk.img"), Dir: filepath.Join(state, "disk")}
	if err := v.Create(context.Background(), 64<<20); err != nil {
		fmt.Println(err)
		return
	}
	defer v.Remove()
	for _, d := range []string{"files", "home", "tmp"} {
		os.Mkdir(filepath.Join(v.Dir, d), 0o755)
	}
	u, _ := v.Usage()
	fmt.Println(u.Limit>>20, "MiB; the filesystem's metadata takes some:", u.Capacity < u.Limit)
	// Output: 64 MiB; the filesystem's metadata takes some: true
}
