package nsjail

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
	"golang.org/x/sys/unix"
)

// cgroupV2 is a jail's leaf in the cgroup v2 hierarchy (see the kernel's
// Documentation/admin-guide/cgroup-v2.rst).
type cgroupV2 struct {
	dir         string
	rel         string // path relative to the mount, as /proc/PID/cgroup shows it
	fd          *os.File
	controllers []string
}

// newCgroupV2 enables the controllers for the parent's children (in
// p.v2Root's and the parent's cgroup.subtree_control), creates the leaf,
// writes memory.max, memory.swap.max 0 (when swap accounting exists),
// pids.max and cpu.max, and opens the leaf for clone3(2). On error, what
// was created is removed.
func newCgroupV2(p cgroupPlan, name string, l cgroupLimits) (*cgroupV2, error) {
	parent := filepath.Join(p.v2Root, cgroupParent)
	if err := enableControllers(p.v2Root, p.controllers); err != nil {
		return nil, err
	}
	if err := mkdirCgroup(parent, true); err != nil {
		return nil, err
	}
	if err := enableControllers(parent, p.controllers); err != nil {
		return nil, err
	}
	cg := &cgroupV2{dir: filepath.Join(parent, name), rel: p.v2Rel + "/" + cgroupParent + "/" + name}
	if err := mkdirCgroup(cg.dir, false); err != nil {
		return nil, err
	}
	cg.controllers = p.controllers
	if err := cg.setLimits(l); err != nil {
		return nil, errors.Join(err, cg.remove())
	}
	fd, err := os.OpenFile(cg.dir, os.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, errors.Join(err, cg.remove())
	}
	cg.fd = fd
	return cg, nil
}

// v2LimitWrites returns the control files and values for l, for the
// controllers enabled; swap says whether memory.swap.max exists.
func v2LimitWrites(controllers []string, l cgroupLimits, swap bool) [][2]string {
	var w [][2]string
	if slices.Contains(controllers, "memory") {
		w = append(w, [2]string{"memory.max", strconv.FormatInt(l.memory, 10)})
		if swap {
			w = append(w, [2]string{"memory.swap.max", "0"})
		}
	}
	if slices.Contains(controllers, "pids") {
		w = append(w, [2]string{"pids.max", strconv.Itoa(l.pids)})
	}
	if slices.Contains(controllers, "cpu") {
		w = append(w, [2]string{"cpu.max", fmt.Sprintf("%d %d", l.cpuQuota, cpuPeriod)})
	}
	return w
}

// enableControllers adds the controllers missing from dir's
// cgroup.subtree_control.
func enableControllers(dir string, controllers []string) error {
	path := filepath.Join(dir, "cgroup.subtree_control")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if add := subtreeControlAdd(strings.Fields(string(data)), controllers); add != "" {
		return writeCgroupFile(path, add)
	}
	return nil
}

// subtreeControlAdd returns the cgroup.subtree_control write ("+memory
// +pids") that enables want on top of enabled, or "" when none is missing.
func subtreeControlAdd(enabled, want []string) string {
	var add []string
	for _, c := range want {
		if !slices.Contains(enabled, c) {
			add = append(add, "+"+c)
		}
	}
	return strings.Join(add, " ")
}

// setLimits writes memory.max, memory.swap.max (when swap accounting
// exists), pids.max and cpu.max for the enabled controllers.
func (cg *cgroupV2) setLimits(l cgroupLimits) error {
	for _, w := range v2LimitWrites(cg.controllers, l, fileExists(filepath.Join(cg.dir, "memory.swap.max"))) {
		if err := writeCgroupFile(filepath.Join(cg.dir, w[0]), w[1]); err != nil {
			return err
		}
	}
	return nil
}

// cloneFD is the leaf's directory descriptor for CLONE_INTO_CGROUP.
func (cg *cgroupV2) cloneFD() (int, bool) { return int(cg.fd.Fd()), true }

// attach checks that clone3 placed pid in the leaf.
func (cg *cgroupV2) attach(pid int) error {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return err
	}
	if err := checkMembership(string(data), func(list string) bool { return list == "" }, cg.rel); err != nil {
		return fmt.Errorf("pid %d: %w", pid, err)
	}
	return nil
}

// joins is empty: clone3 placed the init stage.
func (cg *cgroupV2) joins() []stage.CgroupJoin { return nil }

// kill writes cgroup.kill (Linux 5.14+), which SIGKILLs every process in
// the leaf at once.
func (cg *cgroupV2) kill() error {
	return writeCgroupFile(filepath.Join(cg.dir, "cgroup.kill"), "1")
}

// usage reads memory.events' oom_kill counter, memory.peak (Linux 5.19+)
// and cpu.stat's usage_usec, which every cgroup has whether or not the
// cpu controller is enabled (Linux 4.15+).
func (cg *cgroupV2) usage() (cgroupUsage, error) {
	var u cgroupUsage
	data, err := os.ReadFile(filepath.Join(cg.dir, "cpu.stat"))
	switch {
	case err == nil:
		us, err := keyedValue(string(data), "usage_usec")
		if err != nil {
			return cgroupUsage{}, fmt.Errorf("cpu.stat: %w", err)
		}
		u.cpu, u.cpuKnown = time.Duration(us)*time.Microsecond, true
	case !errors.Is(err, os.ErrNotExist):
		return cgroupUsage{}, err
	}
	data, err = os.ReadFile(filepath.Join(cg.dir, "memory.events"))
	if errors.Is(err, os.ErrNotExist) {
		return u, nil // no memory controller in this leaf
	}
	if err != nil {
		return cgroupUsage{}, err
	}
	if u.oomKills, err = keyedValue(string(data), "oom_kill"); err != nil {
		return cgroupUsage{}, fmt.Errorf("memory.events: %w", err)
	}
	if data, err := os.ReadFile(filepath.Join(cg.dir, "memory.peak")); err == nil {
		u.memoryPeak, _ = strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	}
	return u, nil
}

// remove kills what is left, closes the descriptor and removes the leaf.
func (cg *cgroupV2) remove() error {
	if cg.fd != nil {
		cg.fd.Close()
		cg.fd = nil
	}
	if err := cg.kill(); err != nil && !errors.Is(err, unix.ENOENT) {
		killCgroupProcs(cg.dir)
	}
	return removeCgroupDir(cg.dir)
}
