package nsjail

import (
	"fmt"
	"os"
	"syscall"
)

// JailHostID is the host uid and gid that root inside every jail maps to.
// It is unprivileged on the host and used by no account: it lies in the
// range 1879048192…2147352575 that systemd leaves unassigned (systemd,
// docs/UIDS-GIDS.md), above the ranges systemd-nspawn and subuid(5) hand
// out. Host processes of a jail run as this id; files a jail writes in
// its workspace still belong to host root (see idmappedTree).
const JailHostID = 2_000_000_000

// jailUID and jailGID are the command's ids inside the user namespace.
const (
	jailUID = 0
	jailGID = 0
)

// idMappings returns the uid and gid maps of a jail's user namespace (see
// user_namespaces(7), "User and group ID mappings"): only root inside
// exists, as JailHostID outside. Files of other owners appear as the
// overflow id (nobody).
//
// setgroups(2) is denied in the namespace (GidMappingsEnableSetgroups false,
// which writes "deny" to /proc/PID/setgroups), so the command cannot drop
// supplementary groups to bypass a negative group permission.
func idMappings() (uids, gids []syscall.SysProcIDMap) {
	uids = []syscall.SysProcIDMap{{ContainerID: jailUID, HostID: JailHostID, Size: 1}}
	gids = []syscall.SysProcIDMap{{ContainerID: jailGID, HostID: JailHostID, Size: 1}}
	return uids, gids
}

// requireRoot fails closed unless the host process is root: the jail maps
// its root to JailHostID, creates idmapped mounts and writes cgroups, which
// all need it.
func requireRoot() error {
	if uid := os.Geteuid(); uid != 0 {
		return &SetupError{Step: "user", Err: fmt.Errorf("geteuid() = %d: the jail needs host root to map root inside to uid %d, create idmapped mounts and write cgroups", uid, JailHostID)}
	}
	return nil
}
