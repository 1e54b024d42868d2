package nsjail

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// JailHostID is the host uid and gid that root inside every jail maps to
// when the host process is root. It is unprivileged on the host and used
// by no account: it lies in the range 1879048192…2147352575 that systemd
// leaves unassigned (systemd, docs/UIDS-GIDS.md), above the ranges
// systemd-nspawn and subuid(5) hand out. Host processes of a jail run as
// this id; files a jail writes in its workspace belong to the workspace
// directory's owner (see idmappedTree). When the host process is an
// ordinary user, root inside maps to that user instead (see [Privilege]).
const JailHostID = 2_000_000_000

// jailUID and jailGID are the command's ids inside the user namespace.
const (
	jailUID = 0
	jailGID = 0
)

// capSysAdmin is CAP_SYS_ADMIN's bit in /proc/PID/status CapEff (see
// capabilities(7)).
const capSysAdmin = 21

// Privilege is how the host process can build jails, decided once per
// process from its credentials (see [HostPrivilege]).
type Privilege struct {
	// Root is true when the process is uid 0 with CAP_SYS_ADMIN in the
	// initial user namespace: root inside a jail is JailHostID, the
	// workspace and binds are idmapped mounts, and cgroup leaves are made
	// at the top of each hierarchy. When false the process is an ordinary
	// user (or root of a user namespace that is not the host's): root
	// inside a jail is the process's own uid and gid, mounts are plain
	// binds made inside the jail (files keep the caller's ids), and cgroup
	// limits need a delegated cgroup v2 subtree (see [CgroupMode]).
	Root bool
	// UID and GID are the host ids of the jail's root: JailHostID, or the
	// process's effective ids.
	UID, GID int
}

// HostPrivilege returns the process's [Privilege], or a *[SetupError] in
// step "user" when jails cannot be made safely with its credentials: uid 0
// of the initial user namespace without CAP_SYS_ADMIN (a container's
// default capabilities), where a jail would run as host root without the
// means to map it away; a uid that is host root in the parent user
// namespace without being privileged there; or an ordinary user's process
// that is not dumpable (its /proc files then belong to root, and it cannot
// write a jail's id maps).
//
// # Notes
//
// The answer is computed once per process: changing credentials later
// (setuid(2)) is not noticed.
func HostPrivilege() (Privilege, error) { return hostPrivilege() }

var hostPrivilege = sync.OnceValues(func() (Privilege, error) {
	uidMap, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return Privilege{}, &SetupError{Step: "user", Err: fmt.Errorf("read /proc/self/uid_map: %w", err)}
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return Privilege{}, &SetupError{Step: "user", Err: fmt.Errorf("read /proc/self/status: %w", err)}
	}
	dumpable, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		return Privilege{}, &SetupError{Step: "user", Err: sysErr("prctl", "PR_GET_DUMPABLE", err)}
	}
	p, err := decidePrivilege(os.Geteuid(), os.Getegid(), string(uidMap), string(status), dumpable == 1)
	if err != nil {
		return Privilege{}, &SetupError{Step: "user", Err: err}
	}
	return p, nil
})

// decidePrivilege is HostPrivilege's decision from the effective ids, the
// /proc/self/uid_map text, the /proc/self/status text and whether the
// process is dumpable (prctl(2) PR_GET_DUMPABLE).
func decidePrivilege(euid, egid int, uidMap, status string, dumpable bool) (Privilege, error) {
	initNS := isInitialUserNS(uidMap)
	if initNS && euid == 0 {
		if !hasCapability(status, capSysAdmin) {
			return Privilege{}, fixErrorf("grant CAP_SYS_ADMIN (docker run --cap-add SYS_ADMIN), or run bulkhead as an ordinary user", "running as uid 0 without CAP_SYS_ADMIN (CapEff %s): the jail could neither map its root to an unprivileged uid nor create idmapped mounts, and would run as host root", statusField(status, "CapEff"))
		}
		return Privilege{Root: true, UID: JailHostID, GID: JailHostID}, nil
	}
	if !initNS {
		outer, ok := outerID(uidMap, euid)
		if !ok {
			return Privilege{}, fixErrorf("run bulkhead as a mapped uid", "uid %d is not mapped to the parent user namespace (/proc/self/uid_map %q)", euid, strings.TrimSpace(uidMap))
		}
		if outer == 0 {
			return Privilege{}, fixErrorf("run bulkhead as a user that is not root there", "uid %d of this user namespace is uid 0 of its parent (/proc/self/uid_map %q): a jail would run as root of the parent namespace", euid, strings.TrimSpace(uidMap))
		}
	}
	if !dumpable {
		// A non-dumpable process's /proc/PID files belong to root, so it
		// cannot write its child's uid_map and gid_map.
		return Privilege{}, fixErrorf("start bulkhead as the user directly, or call prctl(PR_SET_DUMPABLE, 1) after dropping root", "uid %d: this process is not dumpable (prctl PR_GET_DUMPABLE = 0, as after switching from root to another uid), so the kernel will not let it write a jail's id maps", euid)
	}
	return Privilege{UID: euid, GID: egid}, nil
}

// isInitialUserNS reports whether a uid_map is the initial user
// namespace's identity map of every id (see user_namespaces(7)).
func isInitialUserNS(uidMap string) bool {
	return strings.Join(strings.Fields(uidMap), " ") == "0 0 4294967295"
}

// outerID maps id through a uid_map to the parent namespace's id.
func outerID(uidMap string, id int) (int, bool) {
	for _, line := range strings.Split(strings.TrimSpace(uidMap), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		inside, err1 := strconv.ParseUint(f[0], 10, 32)
		outside, err2 := strconv.ParseUint(f[1], 10, 32)
		count, err3 := strconv.ParseUint(f[2], 10, 32)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		if uint64(id) >= inside && uint64(id) < inside+count {
			return int(outside + uint64(id) - inside), true
		}
	}
	return 0, false
}

// statusField returns a /proc/PID/status field's value, "" when absent.
func statusField(status, name string) string {
	for _, line := range strings.Split(status, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// hasCapability reports whether the CapEff mask of a /proc/PID/status
// text has capability bit c.
func hasCapability(status string, c uint) bool {
	mask, err := strconv.ParseUint(statusField(status, "CapEff"), 16, 64)
	return err == nil && mask&(1<<c) != 0
}

// idMappings returns the uid and gid maps of a jail's user namespace (see
// user_namespaces(7), "User and group ID mappings"): only root inside
// exists, as p's ids outside. Files of other owners appear as the overflow
// id (nobody). One id needs no newuidmap(1) and no subordinate id range
// (subuid(5)): an ordinary user may map its own uid and gid.
//
// setgroups(2) is denied in the namespace (GidMappingsEnableSetgroups false,
// which writes "deny" to /proc/PID/setgroups), so the command cannot drop
// supplementary groups to bypass a negative group permission.
func idMappings(p Privilege) (uids, gids []syscall.SysProcIDMap) {
	uids = []syscall.SysProcIDMap{{ContainerID: jailUID, HostID: p.UID, Size: 1}}
	gids = []syscall.SysProcIDMap{{ContainerID: jailGID, HostID: p.GID, Size: 1}}
	return uids, gids
}
