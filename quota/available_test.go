package quota

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// envAvailableAs makes this test binary a helper that switches to the
// given uid and prints what Available and Create say.
const envAvailableAs = "QUOTA_TEST_AVAILABLE_AS"

func init() {
	if os.Getenv(envAvailableAs) == "" {
		return
	}
	if err := syscall.Setuid(65534); err != nil {
		os.Stdout.WriteString("setuid: " + err.Error())
		os.Exit(0)
	}
	dir := os.Getenv(envAvailableAs)
	err := Volume{Image: filepath.Join(dir, "a.img"), Dir: filepath.Join(dir, "a")}.Create(context.Background(), MinLimit)
	os.Stdout.WriteString(Available().Error() + "\n" + err.Error() + "\n" + strings.Repeat("unavailable", boolInt(errors.Is(err, ErrUnavailable))))
	os.Exit(0)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestAvailable: root here has what a volume needs; an ordinary user
// does not, and Create refuses (fail closed) naming why.
func TestAvailable(t *testing.T) {
	t.Parallel()
	if err := Available(); err != nil {
		t.Fatalf("as root: %v", err)
	}
	dir, err := os.MkdirTemp("", "quota-available-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envAvailableAs+"="+dir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "need root (CAP_SYS_ADMIN)") || !strings.Contains(lines[0], "uid 65534") || lines[1] != lines[0] || lines[2] != "unavailable" {
		t.Errorf("as uid 65534: %q", out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the refused Create left %v", entries)
	}
}
