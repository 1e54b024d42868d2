package nsjail

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The doctor's rules: each turns hostFacts into one Finding (see check.go).

// minKernel is the oldest kernel with every system call the jail uses:
// mount_setattr(2) with MOUNT_ATTR_IDMAP arrived in Linux 5.12, cgroup.kill
// in 5.14.
var minKernel = [2]int{5, 14}

func kernelFinding(f hostFacts) Finding {
	detail := fmt.Sprintf("Linux %s (%s)", f.release, f.machine)
	if !kernelAtLeast(f.release, minKernel) {
		return Finding{"kernel", StatusFail, detail + fmt.Sprintf(", older than %d.%d (mount_setattr, cgroup.kill)", minKernel[0], minKernel[1]), fmt.Sprintf("upgrade to Linux %d.%d or later", minKernel[0], minKernel[1])}
	}
	return Finding{Check: "kernel", Status: StatusOK, Detail: detail}
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

func privilegeFinding(f hostFacts) Finding {
	p, err := decidePrivilege(f.euid, f.egid, f.uidMap, f.status, f.dumpable)
	if err != nil {
		return failFrom("privilege", err)
	}
	if p.Root {
		return Finding{Check: "privilege", Status: StatusOK, Detail: fmt.Sprintf("root with CAP_SYS_ADMIN: jails run as host uid %d, mounts are idmapped to their owner, cgroup leaves sit at the top of each hierarchy", JailHostID)}
	}
	return Finding{Check: "privilege", Status: StatusOK, Detail: fmt.Sprintf("ordinary user uid %d: jails run as host uid %d, workspace files keep that uid, cgroup limits need a cgroup v2 subtree delegated to it", f.euid, p.UID)}
}

// failFrom makes a failed finding from err, splitting a FixError.
func failFrom(check string, err error) Finding {
	var fe *FixError
	if errors.As(err, &fe) {
		return Finding{check, StatusFail, fe.Problem, fe.Fix}
	}
	return Finding{check, StatusFail, err.Error(), "see the detail"}
}

// containerFix is what lifts a container's usual restrictions.
const containerFix = "run the container with --security-opt seccomp=unconfined and --security-opt systempaths=unconfined (Docker) or --security-opt unmask=ALL (Podman), plus --cap-add SYS_ADMIN when bulkhead runs as root in it; or run bulkhead on the host"

func containerFinding(f hostFacts, root bool) Finding {
	if len(f.containerMarkers) == 0 {
		return Finding{Check: "container", Status: StatusOK, Detail: "no container markers (/.dockerenv, /run/.containerenv, $container)"}
	}
	detail := "container markers: " + strings.Join(f.containerMarkers, ", ")
	var limits []string
	if statusField(f.status, "Seccomp") == "2" {
		limits = append(limits, "a seccomp filter")
	}
	if _, err := decidePrivilege(f.euid, f.egid, f.uidMap, f.status, f.dumpable); err != nil && f.euid == 0 {
		limits = append(limits, "no CAP_SYS_ADMIN")
	}
	if len(procOvermounts(f.mountinfo)) > 0 {
		limits = append(limits, "masked /proc entries")
	}
	if len(limits) == 0 {
		return Finding{Check: "container", Status: StatusOK, Detail: detail + "; none of a container's usual restrictions found"}
	}
	return Finding{"container", StatusWarn, detail + "; restricted by " + strings.Join(limits, ", "), containerFix}
}

func hostSeccompFinding(f hostFacts) Finding {
	switch mode := statusField(f.status, "Seccomp"); mode {
	case "", "0":
		return Finding{Check: "seccomp.host", Status: StatusOK, Detail: "no seccomp filter on this process"}
	case "1":
		return Finding{"seccomp.host", StatusFail, "this process runs in seccomp strict mode", "run bulkhead outside seccomp strict mode"}
	default:
		return Finding{"seccomp.host", StatusWarn,
			fmt.Sprintf("a seccomp filter is in force on this process (Seccomp: %s, Seccomp_filters: %s), as under Docker's or Podman's default profile; it may deny clone/unshare with namespace flags, mount or the new mount API, which the jail needs", mode, statusField(f.status, "Seccomp_filters")),
			"run the container with --security-opt seccomp=unconfined, or with a profile that allows clone, clone3, unshare, mount, umount2, pivot_root, open_tree, move_mount, mount_setattr, sethostname and seccomp"}
	}
}

func usernsSysctlFindings(f hostFacts, p Privilege) []Finding {
	out := make([]Finding, 0, 3)
	switch v, ok := f.sysctls["user/max_user_namespaces"]; {
	case !ok:
		out = append(out, Finding{"userns.sysctl", StatusFail, "no /proc/sys/user/max_user_namespaces: this kernel has no user namespaces", "use a kernel built with CONFIG_USER_NS=y"})
	case v == "0":
		out = append(out, Finding{"userns.sysctl", StatusFail, "user.max_user_namespaces = 0 in this process's user namespace: no user namespace can be created",
			"sudo sysctl -w user.max_user_namespaces=65536, and persist it: echo user.max_user_namespaces=65536 | sudo tee /etc/sysctl.d/90-bulkhead.conf (inside a nested user namespace, raise it there)"})
	default:
		out = append(out, Finding{Check: "userns.sysctl", Status: StatusOK, Detail: "user.max_user_namespaces = " + v})
	}
	switch v, ok := f.sysctls["kernel/unprivileged_userns_clone"]; {
	case !ok:
		out = append(out, Finding{Check: "userns.clone", Status: StatusOK, Detail: "no kernel.unprivileged_userns_clone switch (an upstream kernel)"})
	case v == "0" && !p.Root:
		out = append(out, Finding{"userns.clone", StatusFail, "kernel.unprivileged_userns_clone = 0: ordinary users may not create user namespaces",
			"sudo sysctl -w kernel.unprivileged_userns_clone=1, and persist it: echo kernel.unprivileged_userns_clone=1 | sudo tee /etc/sysctl.d/90-bulkhead.conf; or run bulkhead as root"})
	default:
		out = append(out, Finding{Check: "userns.clone", Status: StatusOK, Detail: "kernel.unprivileged_userns_clone = " + v + restrictsOnlyUsers(v, p)})
	}
	switch v, ok := f.sysctls["kernel/apparmor_restrict_unprivileged_userns"]; {
	case !ok:
		out = append(out, Finding{Check: "userns.apparmor", Status: StatusOK, Detail: "no kernel.apparmor_restrict_unprivileged_userns (no AppArmor restriction of user namespaces)"})
	case v == "1" && !p.Root:
		exe := f.executable
		if exe == "" {
			exe = "/path/to/bulkhead"
		}
		out = append(out, Finding{"userns.apparmor", StatusFail,
			"kernel.apparmor_restrict_unprivileged_userns = 1 (Ubuntu 23.10 and later): an unconfined program of an ordinary user gets no capability in the user namespaces it makes, so the jail cannot write its id maps or mount",
			fmt.Sprintf("allow this binary with an AppArmor profile: printf 'abi <abi/4.0>,\\ninclude <tunables/global>\\nprofile bulkhead %s flags=(unconfined) {\\n  userns,\\n}\\n' | sudo tee /etc/apparmor.d/bulkhead && sudo apparmor_parser -r /etc/apparmor.d/bulkhead; or lift the restriction for everyone: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0", exe)})
	default:
		out = append(out, Finding{Check: "userns.apparmor", Status: StatusOK, Detail: "kernel.apparmor_restrict_unprivileged_userns = " + v + restrictsOnlyUsers(v, p)})
	}
	return out
}

// restrictsOnlyUsers explains a restricting switch's value for root.
func restrictsOnlyUsers(v string, p Privilege) string {
	if p.Root && v != "" {
		return " (it restricts ordinary users only; this process is root)"
	}
	return ""
}

func usernsProbeFinding(f hostFacts, p Privilege, privOK bool) Finding {
	if !privOK {
		return Finding{"userns.probe", StatusWarn, "not tried: see the privilege finding", "fix the privilege finding first"}
	}
	what := fmt.Sprintf("a user namespace mapping root to host uid %d", p.UID)
	if f.usernsErr == nil {
		return Finding{Check: "userns.probe", Status: StatusOK, Detail: "created " + what}
	}
	var causes, fixes []string
	switch {
	case errors.Is(f.usernsErr, unix.ENOSPC):
		causes = append(causes, "the user namespace limit is reached (user.max_user_namespaces)")
		fixes = append(fixes, "raise user.max_user_namespaces")
	case errors.Is(f.usernsErr, unix.EINVAL):
		causes = append(causes, "the kernel has no user namespaces")
		fixes = append(fixes, "use a kernel built with CONFIG_USER_NS=y")
	default:
		if statusField(f.status, "Seccomp") == "2" {
			causes = append(causes, "this process's seccomp filter")
			fixes = append(fixes, "lift the seccomp filter (--security-opt seccomp=unconfined)")
		}
		if !p.Root && f.sysctls["kernel/apparmor_restrict_unprivileged_userns"] == "1" {
			causes = append(causes, "AppArmor's restriction of user namespaces")
			fixes = append(fixes, "see the userns.apparmor finding")
		}
		if !p.Root && f.sysctls["kernel/unprivileged_userns_clone"] == "0" {
			causes = append(causes, "kernel.unprivileged_userns_clone = 0")
			fixes = append(fixes, "see the userns.clone finding")
		}
		if len(causes) == 0 {
			causes = append(causes, "a security module or the container runtime")
			fixes = append(fixes, "allow unshare(CLONE_NEWUSER) for this program")
		}
	}
	return Finding{"userns.probe", StatusFail, fmt.Sprintf("could not create %s: %v; likely cause: %s", what, f.usernsErr, strings.Join(causes, ", ")), strings.Join(fixes, "; ")}
}

func subidsFinding(f hostFacts, p Privilege) Finding {
	have := "newuidmap is not installed"
	if f.newuidmap != "" {
		have = "newuidmap is at " + f.newuidmap
	}
	if f.subuid {
		have += ", /etc/subuid has a range for this user"
	} else {
		have += ", /etc/subuid has no range for this user"
	}
	return Finding{Check: "subids", Status: StatusOK, Detail: fmt.Sprintf("not needed: a jail maps one id (root inside is host uid %d), which needs neither newuidmap(1) nor subordinate ids (%s)", p.UID, have)}
}

// cgroupLayout names the host's cgroup layout: "v2", "hybrid", "v1" or
// "none".
func cgroupLayout(h cgroupHierarchy) string {
	switch {
	case h.v2 == "" && len(h.v1) == 0:
		return "none"
	case len(h.v1) == 0:
		return "v2"
	case h.v2 == "":
		return "v1"
	}
	return "hybrid"
}

func cgroupLayoutFinding(f hostFacts) Finding {
	if f.cgroupsErr != nil {
		return Finding{"cgroup.layout", StatusFail, "read /proc/self/mountinfo: " + f.cgroupsErr.Error(), "mount /proc"}
	}
	h := f.cgroups
	var v1 []string
	for _, c := range cgroupControllers {
		if dir, ok := h.v1[c]; ok {
			v1 = append(v1, c+" at "+dir)
		}
	}
	switch cgroupLayout(h) {
	case "none":
		return Finding{"cgroup.layout", StatusWarn, "no cgroup filesystem is mounted", "mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)"}
	case "v2":
		return Finding{Check: "cgroup.layout", Status: StatusOK, Detail: "cgroup v2 (unified): " + h.describeV2()}
	case "v1":
		return Finding{Check: "cgroup.layout", Status: StatusOK, Detail: "cgroup v1 (legacy): " + strings.Join(v1, ", ") + "; no cgroup2 mount"}
	}
	return Finding{Check: "cgroup.layout", Status: StatusOK, Detail: "hybrid: cgroup v1 hierarchies (" + strings.Join(v1, ", ") + ") and cgroup v2 at " + h.describeV2()}
}

func cgroupFinding(f hostFacts, p Privilege, privOK bool, mode CgroupMode) Finding {
	if mode == CgroupNone {
		return Finding{"cgroup", StatusWarn, `no cgroup limits: Cgroup is "none", so a jail has no memory, pids or CPU limit (rlimits, the timeout and tmpfs sizes still apply)`, "drop the opt-out once this user has a delegated cgroup v2 subtree, or run as root"}
	}
	if !privOK {
		return Finding{"cgroup", StatusWarn, "not tried: see the privilege finding", "fix the privilege finding first"}
	}
	if f.cgroupsErr != nil {
		return failFrom("cgroup", f.cgroupsErr)
	}
	var plan cgroupPlan
	var err error
	if p.Root {
		plan, err = choosePlan(f.cgroups, mode, cgroupControllers)
	} else {
		plan, err = delegatedPlan(f.cgroups, mode, cgroupControllers, f.ownCgroup, p.UID)
	}
	if err != nil {
		return failFrom("cgroup", err)
	}
	var where []string
	for _, c := range cgroupControllers {
		where = append(where, c+" under "+plan.parents[c])
	}
	detail := fmt.Sprintf("cgroup v%d leaves: %s; jail CPU time from %s", plan.version, strings.Join(where, ", "), plan.cpuCounter())
	if !p.Root {
		detail += fmt.Sprintf(" (delegated to uid %d; the first call moves the processes of %s into %s/)", p.UID, plan.v2Root, supervisorCgroup)
	}
	return Finding{Check: "cgroup", Status: StatusOK, Detail: detail}
}

// idmapFilesystems are filesystems known to support idmapped mounts on the
// kernels minKernel admits (tmpfs since Linux 6.3).
var idmapFilesystems = []string{"ext4", "xfs", "btrfs", "tmpfs"}

func idmapFinding(p Privilege, privOK bool, dirs []string, probe func(dir string) error) Finding {
	if !privOK {
		return Finding{"idmap", StatusWarn, "not tried: see the privilege finding", "fix the privilege finding first"}
	}
	if !p.Root {
		return Finding{Check: "idmap", Status: StatusOK, Detail: fmt.Sprintf("not used: an ordinary user's mounts are plain binds, so files keep host uid %d", p.UID)}
	}
	var ok []string
	for _, d := range dirs {
		err := probe(d)
		var se *SetupError
		if errors.As(err, &se) && se.Step == "user" {
			return Finding{"idmap", StatusWarn, "not tried: " + err.Error(), "see the userns findings"}
		}
		if err != nil {
			return Finding{"idmap", StatusFail, fmt.Sprintf("%s is on %s, where an idmapped mount failed: %v", d, fsTypeName(d), err),
				"put the state directory and workspaces on " + strings.Join(idmapFilesystems, ", ") + " (tmpfs since Linux 6.3)"}
		}
		ok = append(ok, fmt.Sprintf("%s (%s)", d, fsTypeName(d)))
	}
	return Finding{Check: "idmap", Status: StatusOK, Detail: "idmapped mounts work on " + strings.Join(ok, ", ")}
}

// probeIdmap makes, and drops unattached, an idmapped mount of dir.
func probeIdmap(dir string) error {
	ns, err := ownerNamespace(0, 0)
	if err != nil {
		return err
	}
	tree, err := idmappedTree(resolvedMount{source: dir, dir: true}, func(uint32, uint32) (*os.File, error) { return ns, nil })
	if err != nil {
		return err
	}
	return tree.Close()
}

// procOvermounts returns the mount points on top of /proc's entries, which
// container runtimes use to mask them; binfmt_misc's empty directory is
// fine. The kernel lets a user namespace mount a new proc only where proc
// is fully visible (mount_namespaces(7); fs/namespace.c
// mnt_already_visible).
func procOvermounts(mountinfo string) []string {
	var out []string
	for _, line := range strings.Split(mountinfo, "\n") {
		mp, _, _, ok := parseMountinfoLine(line)
		if ok && strings.HasPrefix(mp, "/proc/") && mp != "/proc/sys/fs/binfmt_misc" {
			out = append(out, mp)
		}
	}
	return out
}

func procFinding(f hostFacts) Finding {
	if over := procOvermounts(f.mountinfo); len(over) > 0 {
		return Finding{"proc", StatusWarn, "mounts cover /proc entries (" + strings.Join(over, ", ") + "): the kernel may refuse the jail's own proc mount, which needs a fully visible /proc",
			"run the container with --security-opt systempaths=unconfined (Docker) or --security-opt unmask=ALL (Podman), or unmount them"}
	}
	return Finding{Check: "proc", Status: StatusOK, Detail: "/proc is fully visible, so a jail may mount its own"}
}

func devptsFinding(f hostFacts) Finding {
	if !slices.Contains(strings.Fields(f.filesystems), "devpts") {
		return Finding{"devpts", StatusFail, "the kernel has no devpts filesystem, which the jail's /dev/pts needs", "use a kernel built with CONFIG_UNIX98_PTYS=y"}
	}
	for _, line := range strings.Split(f.mountinfo, "\n") {
		if mp, fs, _, ok := parseMountinfoLine(line); ok && mp == "/dev/pts" && fs == "devpts" {
			return Finding{Check: "devpts", Status: StatusOK, Detail: "devpts is mounted at /dev/pts; each jail mounts its own instance"}
		}
	}
	return Finding{"devpts", StatusWarn, "no devpts at /dev/pts on the host: the jail mounts its own instance, but terminals on this host (and tools expecting /dev/pts) are missing, which usually means a container runtime withheld it",
		"sudo mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts"}
}

func jailSeccompFinding() Finding {
	if _, err := seccompProgram(); err != nil {
		return Finding{"seccomp", StatusFail, err.Error(), "see the detail"}
	}
	action := uint32(unix.SECCOMP_RET_KILL_PROCESS)
	if _, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&action))); errno != 0 {
		return Finding{"seccomp", StatusFail, "seccomp(SECCOMP_GET_ACTION_AVAIL, SECCOMP_RET_KILL_PROCESS): " + errno.Error(), "use a kernel with seccomp filters (CONFIG_SECCOMP_FILTER=y, Linux 4.14 or later)"}
	}
	return Finding{Check: "seccomp", Status: StatusOK, Detail: "the jail's seccomp filter assembles and SECCOMP_RET_KILL_PROCESS is available"}
}
