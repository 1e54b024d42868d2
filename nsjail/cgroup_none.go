package nsjail

import "github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"

// noCgroup is the leaf of a jail without cgroup limits (CgroupNone): the
// jail stays in the host process's cgroups, in a cgroup namespace of its
// own. Its processes are killed through the PID namespace (the init
// stage's death ends it) and an OOM kill cannot be told from other
// SIGKILLs.
type noCgroup struct{}

func (noCgroup) cloneFD() (int, bool)         { return -1, false }
func (noCgroup) setLimits(cgroupLimits) error { return nil }
func (noCgroup) attach(int) error             { return nil }
func (noCgroup) joins() []stage.CgroupJoin    { return nil }
func (noCgroup) kill() error                  { return nil }
func (noCgroup) usage() (cgroupUsage, error)  { return cgroupUsage{}, nil }
func (noCgroup) remove() error                { return nil }
