package nsjail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// LayerStatus is one line of [Check]'s answer.
type LayerStatus struct {
	// Layer is "kernel", "root", "userns", "cgroup", "idmap", "seccomp" or
	// "jail".
	Layer string
	// OK tells whether the layer can be applied on this host.
	OK bool
	// Detail says what was found, or why the layer is unavailable.
	Detail string
}

// minKernel is the oldest kernel with every system call the jail uses:
// mount_setattr(2) with MOUNT_ATTR_IDMAP arrived in Linux 5.12, cgroup.kill
// in 5.14.
var minKernel = [2]int{5, 14}

// Check probes the host for every layer of the default jail and finally
// runs /bin/true in one, in a temporary workspace. The jail line is OK
// only if that run succeeded; it is the authoritative answer, the other
// lines explain it. When the run fails in a layer, that layer's line is
// marked failed with the error.
func Check(ctx context.Context) []LayerStatus {
	checks := []func() LayerStatus{checkKernel, checkRoot, checkUserns, checkCgroup, checkIdmap, checkSeccomp}
	out := make([]LayerStatus, 0, len(checks)+1)
	for _, c := range checks {
		out = append(out, c())
	}
	jail, err := checkJail(ctx)
	var se *SetupError
	if errors.As(err, &se) {
		layer := layerOfStep(se)
		for i := range out {
			if out[i].Layer == layer {
				out[i] = LayerStatus{layer, false, err.Error()}
			}
		}
	}
	return append(out, jail)
}

// layerOfStep names the Check line a setup failure belongs to.
func layerOfStep(se *SetupError) string {
	switch {
	case se.Step == "user" || se.Step == "namespaces":
		return "userns"
	case se.Step == "mnt" && strings.Contains(se.Error(), "idmapped"):
		return "idmap"
	}
	return se.Step
}

func checkKernel() LayerStatus {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return LayerStatus{"kernel", false, "uname: " + err.Error()}
	}
	release := unix.ByteSliceToString(u.Release[:])
	machine := unix.ByteSliceToString(u.Machine[:])
	ok := kernelAtLeast(release, minKernel)
	detail := fmt.Sprintf("Linux %s (%s)", release, machine)
	if !ok {
		detail += fmt.Sprintf(", older than %d.%d", minKernel[0], minKernel[1])
	}
	return LayerStatus{"kernel", ok, detail}
}

// kernelAtLeast compares a release string ("6.18.44-fc") with want.
func kernelAtLeast(release string, want [2]int) bool {
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return major > want[0] || (major == want[0] && minor >= want[1])
}

func checkRoot() LayerStatus {
	if _, err := hostPrivilege(); err != nil {
		return LayerStatus{"root", false, err.Error()}
	}
	return LayerStatus{"root", true, "running as uid 0; jails run as host uid " + strconv.Itoa(JailHostID)}
}

func checkUserns() LayerStatus {
	data, err := os.ReadFile("/proc/sys/user/max_user_namespaces")
	if err != nil {
		return LayerStatus{"userns", false, "user namespaces unsupported: " + err.Error()}
	}
	limit := strings.TrimSpace(string(data))
	if limit == "0" {
		return LayerStatus{"userns", false, "user namespaces disabled (user.max_user_namespaces = 0)"}
	}
	return LayerStatus{"userns", true, "user namespaces enabled (user.max_user_namespaces = " + limit + ")"}
}

func checkCgroup() LayerStatus {
	h, err := hostCgroups()
	if err != nil {
		return LayerStatus{"cgroup", false, err.Error()}
	}
	p, err := choosePlan(h, CgroupAuto, cgroupControllers)
	if err != nil {
		return LayerStatus{"cgroup", false, err.Error()}
	}
	var where []string
	for _, c := range cgroupControllers {
		where = append(where, c+" at "+p.parents[c])
	}
	return LayerStatus{"cgroup", true, fmt.Sprintf("cgroup v%d: %s (cgroup v2: %s)", p.version, strings.Join(where, ", "), h.describeV2())}
}

// idmapFilesystems are filesystems known to support idmapped mounts on the
// kernels minKernel admits (tmpfs since Linux 6.3).
var idmapFilesystems = []string{"ext4", "xfs", "btrfs", "tmpfs"}

func checkIdmap() LayerStatus {
	fs := fsTypeName(os.TempDir())
	ok := slices.Contains(idmapFilesystems, fs)
	return LayerStatus{"idmap", ok, fmt.Sprintf("%s is on %s; idmapped mounts work on %s; a workspace must be on one of them", os.TempDir(), fs, strings.Join(idmapFilesystems, ", "))}
}

func checkSeccomp() LayerStatus {
	if _, err := seccompProgram(); err != nil {
		return LayerStatus{"seccomp", false, err.Error()}
	}
	action := uint32(unix.SECCOMP_RET_KILL_PROCESS)
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&action)))
	if errno != 0 {
		return LayerStatus{"seccomp", false, "seccomp(SECCOMP_GET_ACTION_AVAIL, SECCOMP_RET_KILL_PROCESS): " + errno.Error()}
	}
	mode, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0)
	if err != nil {
		return LayerStatus{"seccomp", false, "prctl(PR_GET_SECCOMP): " + err.Error()}
	}
	return LayerStatus{"seccomp", true, fmt.Sprintf("seccomp filters available (this process: mode %d)", mode)}
}

func checkJail(ctx context.Context) (LayerStatus, error) {
	dir, err := os.MkdirTemp("", "bulkhead-check-")
	if err != nil {
		return LayerStatus{"jail", false, err.Error()}, err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	res, err := Run(ctx, Config{Workspace: dir, Timeout: 30 * time.Second}, []string{"/bin/true"})
	if err != nil {
		return LayerStatus{"jail", false, err.Error()}, err
	}
	if res.ExitCode != 0 {
		return LayerStatus{"jail", false, fmt.Sprintf("/bin/true exited %d (signal %q): %s", res.ExitCode, res.Signal, res.Stderr)}, nil
	}
	return LayerStatus{"jail", true, fmt.Sprintf("the default jail ran /bin/true in %v", time.Since(start).Round(time.Microsecond))}, nil
}
