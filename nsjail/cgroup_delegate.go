package nsjail

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// supervisorCgroup is the child of a delegated cgroup that holds the
// processes that ran in it, so that the delegated cgroup itself may enable
// controllers for its children (cgroup v2's "no internal processes" rule,
// see the kernel's Documentation/admin-guide/cgroup-v2.rst). The name is
// systemd's (DelegateSubgroup=supervisor, systemd.resource-control(5)),
// so a service configured that way is already laid out as bulkhead needs.
const supervisorCgroup = "supervisor"

// optOutHint ends the fix of every refusal of the cgroup layer.
const optOutHint = `; or run without memory, pids and CPU limits by setting Config.Cgroup to "none" (bulkhead: --cgroup none)`

// delegateFix is how an ordinary user gets a delegated cgroup v2 subtree.
const delegateFix = "run bulkhead in a cgroup delegated to you, e.g. `systemd-run --user --scope -p Delegate=yes -- bulkhead …`, or as a systemd service with Delegate=yes, or run it as root"

// controllerFix is how an administrator delegates the controllers to user
// sessions (systemd's user@.service; see https://rootlesscontaine.rs/getting-started/common/cgroup2/).
const controllerFix = "delegate them to user sessions: `sudo mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' | sudo tee /etc/systemd/system/user@.service.d/delegate.conf && sudo systemctl daemon-reload`, then log in again"

// ownCgroupV2 returns this process's cgroup v2 path ("0::PATH" in
// /proc/self/cgroup, see cgroups(7)), "" when unknown.
func ownCgroupV2() string {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return ""
	}
	return cgroupV2Path(string(data))
}

// cgroupV2Path extracts the cgroup v2 path from a /proc/PID/cgroup text.
func cgroupV2Path(procCgroup string) string {
	for _, line := range strings.Split(strings.TrimSpace(procCgroup), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return p
		}
	}
	return ""
}

// delegatedPlan decides where an ordinary user's jails get their cgroup:
// in the cgroup v2 directory the process runs in (own, a /proc/self/cgroup
// path), or its parent when own is that parent's supervisorCgroup, provided
// the directory belongs to uid, its cgroup.procs and cgroup.subtree_control
// are writable, and its cgroup.controllers has every controller of need.
// cgroup v1 cannot be delegated. The errors say what is missing and what
// to change.
func delegatedPlan(h cgroupHierarchy, mode CgroupMode, need []string, own string, uid int) (cgroupPlan, error) {
	if mode == CgroupV1 {
		return cgroupPlan{}, fixErrorf("use cgroup v2 or run bulkhead as root"+optOutHint, "cgroup v1: its hierarchies belong to root and cannot be delegated to uid %d", uid)
	}
	if h.v2 == "" {
		return cgroupPlan{}, fixErrorf("boot with a unified hierarchy (systemd.unified_cgroup_hierarchy=1) or run bulkhead as root"+optOutHint, "cgroup v2: no cgroup2 filesystem is mounted, and cgroup v1 cannot be delegated to uid %d", uid)
	}
	if missing := h.missingV2(need); missing != "" && h.missingV1(need) == "" {
		return cgroupPlan{}, fixErrorf("run bulkhead as root, or boot the host with systemd.unified_cgroup_hierarchy=1 (pure cgroup v2) and run bulkhead in a delegated cgroup (systemd-run --user --scope -p Delegate=yes)"+optOutHint,
			"cgroup v2: no cgroup for uid %d on this hybrid host: %s are cgroup v1 hierarchies, which only root can write, and the cgroup2 mount %s lacks the %s controller (cgroup.controllers: %q)", uid, strings.Join(need, ", "), h.v2, missing, strings.Join(h.v2Controllers, " "))
	}
	if own == "" || !strings.HasPrefix(own, "/") {
		return cgroupPlan{}, fixErrorf(delegateFix+optOutHint, "cgroup v2: /proc/self/cgroup has no cgroup v2 path")
	}
	rel := own
	if path.Base(own) == supervisorCgroup && delegatedTo(filepath.Join(h.v2, path.Dir(own)), uid) == nil {
		rel = path.Dir(own)
	}
	dir := filepath.Join(h.v2, rel)
	if err := delegatedTo(dir, uid); err != nil {
		return cgroupPlan{}, fixErrorf(delegateFix+optOutHint, "cgroup v2: no delegated cgroup for uid %d: this process runs in %s, %v", uid, dir, err)
	}
	available, err := readControllers(dir)
	if err != nil {
		return cgroupPlan{}, fmt.Errorf("cgroup v2: %w", err)
	}
	h.v2Controllers = available
	if missing := h.missingV2(need); missing != "" {
		return cgroupPlan{}, fixErrorf(controllerFix+optOutHint, "cgroup v2: the cgroup %s delegated to uid %d lacks the %s controller (cgroup.controllers: %q)", dir, uid, missing, strings.Join(available, " "))
	}
	if rel == "/" {
		rel = ""
	}
	parents := map[string]string{}
	for _, c := range need {
		parents[c] = filepath.Join(dir, cgroupParent)
	}
	return cgroupPlan{version: 2, parents: parents, v2Root: dir, v2Rel: rel, controllers: need}, nil
}

// delegatedTo checks that the cgroup directory dir belongs to uid and
// that uid may write its cgroup.procs and cgroup.subtree_control (what
// systemd's Delegate=yes hands over, see systemd.resource-control(5)).
func delegatedTo(dir string, uid int) error {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return sysErr("stat", fmt.Sprintf("%q", dir), err)
	}
	if int(st.Uid) != uid {
		return fmt.Errorf("which belongs to uid %d", st.Uid)
	}
	for _, f := range []string{"cgroup.procs", "cgroup.subtree_control"} {
		if err := unix.Access(filepath.Join(dir, f), unix.W_OK); err != nil {
			return fmt.Errorf("whose %s is not writable (%w)", f, err)
		}
	}
	return nil
}

// delegatedReady records the delegated cgroups made ready by this
// process.
var delegatedReady sync.Map // directory → error

// prepareDelegated makes a delegated cgroup able to hold jail leaves,
// once per process: every process in it (this one included) moves to its
// supervisorCgroup child, then the plan's controllers are enabled for its
// children. Processes of the same user that keep arriving (a shell
// forking) are moved until none is left, at most for a second.
func prepareDelegated(p cgroupPlan) error {
	v, _ := delegatedReady.LoadOrStore(p.v2Root, sync.OnceValue(func() error {
		if err := vacateCgroup(p.v2Root); err != nil {
			return err
		}
		return enableControllers(p.v2Root, p.controllers)
	}))
	return v.(func() error)()
}

// vacateMaxWait bounds how long vacateCgroup keeps moving processes.
const vacateMaxWait = time.Second

// vacateCgroup moves every process of dir into dir/supervisorCgroup.
func vacateCgroup(dir string) error {
	sup := filepath.Join(dir, supervisorCgroup)
	if err := mkdirCgroup(sup, true); err != nil {
		return err
	}
	deadline := time.Now().Add(vacateMaxWait)
	for {
		data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if err != nil {
			return err
		}
		pids := strings.Fields(string(data))
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %s keep appearing in %s; start bulkhead as the only process of its delegated cgroup", strings.Join(pids, " "), dir)
		}
		for _, pid := range pids {
			err := writeCgroupFile(filepath.Join(sup, "cgroup.procs"), pid)
			if err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("move process %s out of the delegated cgroup %s: %w", pid, dir, err)
			}
		}
	}
}
