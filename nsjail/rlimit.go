package nsjail

import (
	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
	"golang.org/x/sys/unix"
)

// rlimitsOf returns the resource limits (see getrlimit(2)) the init stage
// sets for a defaulted c, soft equal to hard so the command cannot raise
// them: no core dumps (they could fill the workspace and would hold the
// command's memory), OpenFiles descriptors, files up to FileSize bytes,
// and Pids processes of the jail's user as a second line behind the pids
// cgroup. Raising a limit above the host's hard limit fails closed: the
// init stage has no CAP_SYS_RESOURCE outside its user namespace.
func rlimitsOf(c Config) []stage.Rlimit {
	nofile, fsize, nproc := uint64(c.OpenFiles), uint64(c.FileSize), uint64(c.Pids)
	return []stage.Rlimit{
		{Name: "RLIMIT_CORE", Resource: unix.RLIMIT_CORE, Cur: 0, Max: 0},
		{Name: "RLIMIT_NOFILE", Resource: unix.RLIMIT_NOFILE, Cur: nofile, Max: nofile},
		{Name: "RLIMIT_FSIZE", Resource: unix.RLIMIT_FSIZE, Cur: fsize, Max: fsize},
		{Name: "RLIMIT_NPROC", Resource: unix.RLIMIT_NPROC, Cur: nproc, Max: nproc},
	}
}
