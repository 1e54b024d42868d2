package nsjail

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
	"golang.org/x/sys/unix"
)

// cgroupControllers are the controllers every jail is limited by.
var cgroupControllers = []string{"memory", "pids", "cpu"}

// cpuacctController is the cgroup v1 controller that counts a cgroup's CPU
// time (cpuacct.usage). Jails get a leaf in it when the host mounts it,
// for Usage.CPUTime; without it the figure comes from rusage. cgroup v2
// counts CPU time in every cgroup (cpu.stat), whatever is enabled.
const cpuacctController = "cpuacct"

// cgroupParent is the directory, under each hierarchy's mount point, that
// holds one leaf per running jail.
const cgroupParent = "bulkhead"

// cpuPeriod is the CFS bandwidth period in microseconds (see the kernel's
// Documentation/scheduler/sched-bwc.rst); the quota is CPU × cpuPeriod.
const cpuPeriod = 100_000

// minCPUQuota is the kernel's smallest CFS quota in microseconds.
const minCPUQuota = 1000

// cgroupLimits are the values written into a leaf.
type cgroupLimits struct {
	memory   int64 // bytes
	pids     int
	cpuQuota int64 // microseconds per cpuPeriod
}

// limitsOf converts a defaulted Config's limits.
func limitsOf(c Config) cgroupLimits {
	return cgroupLimits{memory: c.Memory, pids: c.Pids, cpuQuota: cpuQuota(c.CPU)}
}

// cpuQuota returns the CFS quota for cpu cores, at least minCPUQuota.
func cpuQuota(cpu float64) int64 {
	return max(int64(math.Round(cpu*cpuPeriod)), minCPUQuota)
}

// cgroupLeaf is one jail's cgroup, in either version.
type cgroupLeaf interface {
	// cloneFD returns the directory descriptor clone3(2) places the init
	// stage into (CLONE_INTO_CGROUP), or ok false when the process is
	// attached after clone.
	cloneFD() (fd int, ok bool)
	// setLimits writes the limits (for a leaf made before its call).
	setLimits(l cgroupLimits) error
	// attach checks that clone placed pid in the leaf (cgroup v2); with
	// cgroup v1 the init stage joins the leaves itself (joins).
	attach(pid int) error
	// joins returns the leaves the init stage must join itself.
	joins() []stage.CgroupJoin
	// kill sends SIGKILL to every process in the leaf.
	kill() error
	// usage reads the leaf's counters; call it once the jail's processes
	// are gone and before remove.
	usage() (cgroupUsage, error)
	// remove kills what is left and removes the leaf.
	remove() error
}

// cgroupUsage is what a leaf counted.
type cgroupUsage struct {
	// oomKills is the number of OOM kills in the leaf.
	oomKills int64
	// memoryPeak is the peak memory in bytes, 0 when the kernel does not
	// report it.
	memoryPeak int64
	// cpu is the CPU time of the leaf's processes; cpuKnown is false when
	// the leaf has no CPU counter (no cpuacct hierarchy, no cgroup).
	cpu      time.Duration
	cpuKnown bool
}

// cgroupPlan is the hierarchy and directories jails are placed in.
type cgroupPlan struct {
	// version is 1 or 2, or 0 for no cgroup at all (CgroupNone).
	version int
	// parents maps each controller to its cgroupParent directory; for v2
	// every controller maps to the same directory.
	parents map[string]string
	// v2Root is the cgroup v2 directory that holds cgroupParent: the
	// cgroup2 mount point as root, the delegated cgroup otherwise (v2
	// only); v2Rel is its path as /proc/PID/cgroup shows it ("" for the
	// mount point).
	v2Root, v2Rel string
	// controllers are the controllers a leaf is made in: limits are
	// written for those of cgroupControllers; with cgroup v1 the
	// cpuacctController may follow them, for the CPU counter only.
	controllers []string
}

// cpuCounter names where Usage.CPUTime comes from under p, for the doctor.
func (p cgroupPlan) cpuCounter() string {
	switch {
	case p.version == 2:
		return "each leaf's cpu.stat"
	case p.parents[cpuacctController] != "":
		return "cpuacct.usage under " + p.parents[cpuacctController]
	}
	return "rusage (no cpuacct hierarchy is mounted)"
}

// newLeaf creates a leaf for one jail under p with the given limits.
func (p cgroupPlan) newLeaf(l cgroupLimits) (cgroupLeaf, error) {
	cleanStaleOnce(p)
	name := newLeafName()
	switch p.version {
	case 0:
		return noCgroup{}, nil
	case 2:
		return newCgroupV2(p, name, l)
	}
	return newCgroupV1(p, name, l)
}

// pendingLeaf is a leaf being created in the background: cgroup v1 leaves
// are only needed once the init stage reads its spec, so they are made
// while the clone runs.
type pendingLeaf struct {
	done chan struct{}
	leaf cgroupLeaf
	err  error
}

// startLeaf starts creating a leaf for one jail under p.
func startLeaf(p cgroupPlan, l cgroupLimits) *pendingLeaf {
	pl := &pendingLeaf{done: make(chan struct{})}
	go func() {
		defer close(pl.done)
		pl.leaf, pl.err = p.newLeaf(l)
		if pl.err != nil {
			pl.err = &SetupError{Step: "cgroup", Err: pl.err}
		}
	}()
	return pl
}

// readyLeaf wraps a leaf that is already made.
func readyLeaf(l cgroupLeaf) *pendingLeaf {
	pl := &pendingLeaf{done: make(chan struct{}), leaf: l}
	close(pl.done)
	return pl
}

// get waits for the leaf.
func (pl *pendingLeaf) get() (cgroupLeaf, error) {
	<-pl.done
	return pl.leaf, pl.err
}

// remove waits for the leaf and removes it; a leaf that failed to be made
// has removed what it created.
func (pl *pendingLeaf) remove() error {
	leaf, err := pl.get()
	if err != nil {
		return nil
	}
	return leaf.remove()
}

// hostCgroups is the host's cgroup mounts, read once per process.
var hostCgroups = sync.OnceValues(func() (cgroupHierarchy, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return cgroupHierarchy{}, err
	}
	return detectHierarchy(data, readControllers)
})

// readControllers reads a cgroup2 directory's cgroup.controllers.
func readControllers(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(data)), nil
}

// planCgroups chooses the hierarchy for mode on this host: none for
// CgroupNone; as root, the top of the host's hierarchies (choosePlan);
// otherwise the delegated cgroup v2 subtree the process runs in
// (delegatedPlan), made ready for leaves once per process.
func planCgroups(mode CgroupMode) (cgroupPlan, error) {
	if mode == CgroupNone {
		return cgroupPlan{}, nil
	}
	priv, err := hostPrivilege()
	if err != nil {
		return cgroupPlan{}, err
	}
	h, err := hostCgroups()
	if err != nil {
		return cgroupPlan{}, &SetupError{Step: "cgroup", Err: fmt.Errorf("read /proc/self/mountinfo: %w", err)}
	}
	var p cgroupPlan
	if priv.Root {
		p, err = choosePlan(h, mode, cgroupControllers)
	} else {
		p, err = delegatedPlan(h, mode, cgroupControllers, ownCgroupV2(), priv.UID)
		if err == nil {
			err = prepareDelegated(p)
		}
	}
	if err != nil {
		return cgroupPlan{}, &SetupError{Step: "cgroup", Err: err}
	}
	return p, nil
}

// choosePlan decides which hierarchy enforces the controllers need:
// cgroup v2 when its mount has all of them (CgroupAuto, CgroupV2), else
// cgroup v1 when each is mounted as a v1 hierarchy (CgroupAuto, CgroupV1),
// plus the cpuacctController when it is mounted (its own hierarchy, or
// the one of cpu,cpuacct: the same directory then). The error names the
// first missing controller and what the host has.
func choosePlan(h cgroupHierarchy, mode CgroupMode, need []string) (cgroupPlan, error) {
	v2Missing := h.missingV2(need)
	v1Missing := h.missingV1(need)
	useV2 := mode == CgroupV2 || (mode == CgroupAuto && v2Missing == "")
	if useV2 {
		if h.v2 == "" {
			return cgroupPlan{}, fixErrorf("mount it (mount -t cgroup2 none /sys/fs/cgroup), or use cgroup v1"+optOutHint, "cgroup v2: no cgroup2 filesystem is mounted")
		}
		if v2Missing != "" {
			return cgroupPlan{}, fixErrorf("free it from cgroup v1 (systemd.unified_cgroup_hierarchy=1) so the cgroup2 root lists it"+optOutHint, "cgroup v2: controller %s is not available in %s (cgroup.controllers: %q)", v2Missing, h.v2, strings.Join(h.v2Controllers, " "))
		}
		parents := map[string]string{}
		for _, c := range need {
			parents[c] = filepath.Join(h.v2, cgroupParent)
		}
		return cgroupPlan{version: 2, parents: parents, v2Root: h.v2, controllers: need}, nil
	}
	if v1Missing != "" {
		return cgroupPlan{}, fixErrorf("mount it (mount -t cgroup -o "+v1Missing+" none /sys/fs/cgroup/"+v1Missing+"), or use cgroup v2"+optOutHint, "cgroup v1: controller %s is not mounted (v1 controllers: %q; cgroup v2: %s)", v1Missing, strings.Join(h.v1Controllers(), " "), h.describeV2())
	}
	parents := map[string]string{}
	for _, c := range need {
		parents[c] = filepath.Join(h.v1[c], cgroupParent)
	}
	controllers := slices.Clone(need)
	if mount, ok := h.v1[cpuacctController]; ok && !slices.Contains(need, cpuacctController) {
		parents[cpuacctController] = filepath.Join(mount, cgroupParent)
		controllers = append(controllers, cpuacctController)
	}
	return cgroupPlan{version: 1, parents: parents, controllers: controllers}, nil
}

// Leaf names are "<host pid>-<process start time>-<sequence>", so a later
// process can tell a leaf whose creator is gone (see cleanStale).
var (
	ownerTag = sync.OnceValue(func() string {
		return fmt.Sprintf("%d-%d", os.Getpid(), processStartTime(os.Getpid()))
	})
	leafSeq atomic.Uint64
)

// newLeafName returns a leaf name unique on this host.
func newLeafName() string {
	return fmt.Sprintf("%s-%d", ownerTag(), leafSeq.Add(1))
}

// processStartTime returns field 22 of /proc/PID/stat (start time in clock
// ticks since boot, see proc(5)), or 0 when the process does not exist.
func processStartTime(pid int) uint64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return parseStartTime(string(data))
}

// parseStartTime extracts the start time from a /proc/PID/stat line; the
// command name (field 2) is parenthesised and may hold spaces, so fields
// are counted after its closing parenthesis.
func parseStartTime(stat string) uint64 {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(stat[i+1:])
	const startTimeField = 22 - 3 // fields 3… follow the name
	if len(fields) <= startTimeField {
		return 0
	}
	var t uint64
	if _, err := fmt.Sscan(fields[startTimeField], &t); err != nil {
		return 0
	}
	return t
}

// leafOwnerAlive reports whether the process that created leaf name still
// runs; names not made by newLeafName count as alive (left alone).
func leafOwnerAlive(name string, startTimeOf func(int) uint64) bool {
	parts := strings.Split(name, "-")
	if len(parts) != 3 {
		return true
	}
	var pid int
	var start uint64
	if _, err := fmt.Sscan(parts[0], &pid); err != nil {
		return true
	}
	if _, err := fmt.Sscan(parts[1], &start); err != nil {
		return true
	}
	return startTimeOf(pid) == start
}

// staleCleaned records the parents already cleaned by this process.
var staleCleaned sync.Map

// cleanStaleOnce runs cleanStale once per process and parent directory.
func cleanStaleOnce(p cgroupPlan) {
	for _, parent := range p.parents {
		if _, done := staleCleaned.LoadOrStore(parent, true); !done {
			cleanStale(parent)
		}
	}
}

// cleanStale removes the leaves under parent whose creator is gone (the
// host process crashed or was killed before removing them): it kills what
// is still in them and removes the directory. Leaves of live processes are
// left alone. Failures are ignored: a leaf that cannot be removed now is
// tried again by the next process.
func cleanStale(parent string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || leafOwnerAlive(e.Name(), processStartTime) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		killCgroupProcs(dir)
		_ = removeCgroupDir(dir)
	}
}

// killCgroupProcs sends SIGKILL to every process listed in dir/cgroup.procs.
func killCgroupProcs(dir string) {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return
	}
	for _, f := range strings.Fields(string(data)) {
		var pid int
		if _, err := fmt.Sscan(f, &pid); err == nil && pid > 0 {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
	}
}

// rmdirRetries bounds how long removeCgroupDir waits for a leaf to empty:
// the processes of a jail are reaped before Run returns, but the kernel
// may drop a dying task's cgroup reference a moment later.
const (
	rmdirRetries = 100
	rmdirWait    = time.Millisecond
)

// removeCgroupDir removes a cgroup directory, retrying while it is busy.
func removeCgroupDir(dir string) error {
	var err error
	for range rmdirRetries {
		err = unix.Rmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) {
			break
		}
		time.Sleep(rmdirWait)
	}
	return sysErr("rmdir", fmt.Sprintf("%q", dir), err)
}

// writeCgroupFile writes value to an existing control file; cgroup control
// files are never created, so a missing one means a missing controller.
func writeCgroupFile(path, value string) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return sysErr("open", fmt.Sprintf("%q, O_WRONLY", path), err)
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte(value)); err != nil {
		return sysErr("write", fmt.Sprintf("%q, %q", path, value), err)
	}
	return nil
}

// mkdirCgroup creates a cgroup directory; an existing one is fine when
// mayExist is set (the shared parent).
func mkdirCgroup(dir string, mayExist bool) error {
	err := unix.Mkdir(dir, 0o755)
	if err == nil || (mayExist && errors.Is(err, unix.EEXIST)) {
		return nil
	}
	return sysErr("mkdir", fmt.Sprintf("%q", dir), err)
}

// checkMembership checks that a /proc/PID/cgroup text (see cgroups(7))
// has a line whose controller list matches and whose path is want.
func checkMembership(procCgroup string, match func(controllers string) bool, want string) error {
	for _, line := range strings.Split(strings.TrimSpace(procCgroup), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && match(parts[1]) {
			if parts[2] != want {
				return fmt.Errorf("/proc/PID/cgroup line %q, want cgroup %s", line, want)
			}
			return nil
		}
	}
	return fmt.Errorf("/proc/PID/cgroup has no line for the hierarchy of cgroup %s", want)
}
