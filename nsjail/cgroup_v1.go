package nsjail

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
)

// cgroupV1 is a jail's leaf in each cgroup v1 hierarchy (see the kernel's
// Documentation/admin-guide/cgroup-v1/): one directory per controller,
// shared by controllers mounted together (cpu,cpuacct).
type cgroupV1 struct {
	dirs map[string]string // controller → leaf directory
	name string
}

// newCgroupV1 creates the leaf in every controller's hierarchy, writes
// the limits (memory.limit_in_bytes, memory.memsw.limit_in_bytes equal so
// no swap on top when swap accounting exists, pids.max, and
// cpu.cfs_period_us with cpu.cfs_quota_us) and gives the leaf's tasks file
// to JailHostID, so the init stage can move itself in (see joins). A
// controller co-mounted with one already done reuses its directory. On
// error, what was created is removed.
func newCgroupV1(p cgroupPlan, name string, l cgroupLimits) (*cgroupV1, error) {
	cg := &cgroupV1{dirs: map[string]string{}, name: name}
	made := map[string]bool{}
	for _, c := range p.controllers {
		parent := p.parents[c]
		dir := filepath.Join(parent, name)
		if made[dir] {
			cg.dirs[c] = dir
			continue
		}
		made[dir] = true
		if err := mkdirCgroup(parent, true); err != nil {
			return nil, errors.Join(err, cg.remove())
		}
		if err := mkdirCgroup(dir, false); err != nil {
			return nil, errors.Join(err, cg.remove())
		}
		cg.dirs[c] = dir
		tasks := filepath.Join(dir, "tasks")
		if err := os.Chown(tasks, JailHostID, JailHostID); err != nil {
			return nil, errors.Join(err, cg.remove())
		}
	}
	if err := cg.setLimits(l); err != nil {
		return nil, errors.Join(err, cg.remove())
	}
	return cg, nil
}

// setLimits writes l into the leaves of the controllers present. The
// kernel keeps memory.memsw.limit_in_bytes at or above
// memory.limit_in_bytes, so a raise writes memsw first and a cut writes it
// last.
func (cg *cgroupV1) setLimits(l cgroupLimits) error {
	var writes [][2]string
	if dir, ok := cg.dirs["memory"]; ok {
		mem := strconv.FormatInt(l.memory, 10)
		limit := [2]string{filepath.Join(dir, "memory.limit_in_bytes"), mem}
		memsw := [2]string{filepath.Join(dir, "memory.memsw.limit_in_bytes"), mem}
		switch {
		case !fileExists(memsw[0]):
			writes = append(writes, limit)
		case l.memory > currentLimit(limit[0]):
			writes = append(writes, memsw, limit)
		default:
			writes = append(writes, limit, memsw)
		}
	}
	if dir, ok := cg.dirs["pids"]; ok {
		writes = append(writes, [2]string{filepath.Join(dir, "pids.max"), strconv.Itoa(l.pids)})
	}
	if dir, ok := cg.dirs["cpu"]; ok {
		writes = append(writes,
			[2]string{filepath.Join(dir, "cpu.cfs_period_us"), strconv.Itoa(cpuPeriod)},
			[2]string{filepath.Join(dir, "cpu.cfs_quota_us"), strconv.FormatInt(l.cpuQuota, 10)})
	}
	for _, w := range writes {
		if err := writeCgroupFile(w[0], w[1]); err != nil {
			return err
		}
	}
	return nil
}

// cloneFD: cgroup v1 has no clone-time placement.
func (cg *cgroupV1) cloneFD() (int, bool) { return -1, false }

// attach does nothing: the init stage joins the leaves itself.
func (cg *cgroupV1) attach(int) error { return nil }

// joins lists the leaves for the init stage, which writes "0" to each
// tasks file before anything of the jail runs and checks the result (see
// stage/cgroup.go for why the host does not write its pid instead); a
// directory shared by co-mounted controllers is joined once.
func (cg *cgroupV1) joins() []stage.CgroupJoin {
	var j []stage.CgroupJoin
	joined := map[string]bool{}
	for _, c := range slices.Sorted(maps.Keys(cg.dirs)) {
		dir := cg.dirs[c]
		if joined[dir] {
			continue
		}
		joined[dir] = true
		j = append(j, stage.CgroupJoin{Controller: c, Tasks: filepath.Join(dir, "tasks"), Path: "/" + cgroupParent + "/" + cg.name})
	}
	return j
}

// kill sends SIGKILL to each process in the leaves; cgroup v1 has no
// cgroup.kill, but every jail process is also in the jail's PID namespace,
// which dies with its init.
func (cg *cgroupV1) kill() error {
	for _, dir := range cg.dirs {
		killCgroupProcs(dir)
	}
	return nil
}

// usage reads memory.oom_control's oom_kill counter (Linux 4.13+),
// memory.max_usage_in_bytes and cpuacct.usage (nanoseconds; see the
// kernel's Documentation/admin-guide/cgroup-v1/cpuacct.rst).
func (cg *cgroupV1) usage() (cgroupUsage, error) {
	var u cgroupUsage
	if dir, ok := cg.dirs[cpuacctController]; ok {
		ns, err := readCounter(filepath.Join(dir, "cpuacct.usage"))
		if err != nil {
			return cgroupUsage{}, err
		}
		u.cpu, u.cpuKnown = time.Duration(ns), true
	}
	dir, ok := cg.dirs["memory"]
	if !ok {
		return u, nil
	}
	data, err := os.ReadFile(filepath.Join(dir, "memory.oom_control"))
	if err != nil {
		return cgroupUsage{}, err
	}
	u.oomKills, err = keyedValue(string(data), "oom_kill")
	if err != nil {
		return cgroupUsage{}, fmt.Errorf("memory.oom_control: %w", err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "memory.max_usage_in_bytes")); err == nil {
		u.memoryPeak, _ = strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	}
	return u, nil
}

// readCounter reads a cgroup file holding one non-negative integer.
func readCounter(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s: %q is not a counter", path, data)
	}
	return n, nil
}

// remove kills what is left and removes every leaf.
func (cg *cgroupV1) remove() error {
	var errs []error
	for c, dir := range cg.dirs {
		killCgroupProcs(dir)
		if err := removeCgroupDir(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(cg.dirs, c)
	}
	return errors.Join(errs...)
}

// currentLimit reads a cgroup v1 byte limit; unreadable counts as none.
func currentLimit(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	return n
}

// keyedValue returns the value of key in a "key value" per line cgroup
// file (memory.oom_control, memory.events).
func keyedValue(data, key string) (int64, error) {
	for _, line := range strings.Split(data, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok && k == key {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %q line", key)
}

// fileExists reports whether path exists.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
