package nsjail

import (
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Mount tables of the three host kinds, in /proc/self/mountinfo format.
const (
	mountinfoHybrid = `24 30 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
33 24 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
34 33 0:29 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
35 33 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
36 33 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 33 0:32 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
38 33 0:33 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd`
	mountinfoV2 = `24 30 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`
	mountinfoNoPids = `35 33 0:30 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
36 33 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory`
	mountinfoEscaped = `40 33 0:40 / /mnt/cgroup\040v2 rw,relatime - cgroup2 cgroup2 rw`
	// mountinfoCpuacct has cpuacct apart from cpu, as on the CI machine.
	mountinfoCpuacct = `32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids`
	// mountinfoNoCpuacct has no cpuacct hierarchy.
	mountinfoNoCpuacct = `32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids`
)

func TestDetectHierarchy(t *testing.T) {
	controllers := map[string][]string{
		"/sys/fs/cgroup/unified": {"hugetlb"},
		"/sys/fs/cgroup":         {"cpuset", "cpu", "io", "memory", "pids"},
		"/mnt/cgroup v2":         {"memory"},
	}
	read := func(dir string) ([]string, error) {
		c, ok := controllers[dir]
		if !ok {
			return nil, os.ErrNotExist
		}
		return c, nil
	}
	tests := []struct {
		name      string
		mountinfo string
		want      cgroupHierarchy
	}{
		{"hybrid", mountinfoHybrid, cgroupHierarchy{
			v2: "/sys/fs/cgroup/unified", v2Controllers: []string{"hugetlb"},
			v1: map[string]string{"cpu": "/sys/fs/cgroup/cpu,cpuacct", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct", "memory": "/sys/fs/cgroup/memory", "pids": "/sys/fs/cgroup/pids"},
		}},
		{"pure v2", mountinfoV2, cgroupHierarchy{
			v2: "/sys/fs/cgroup", v2Controllers: []string{"cpuset", "cpu", "io", "memory", "pids"}, v1: map[string]string{},
		}},
		{"escaped mount point", mountinfoEscaped, cgroupHierarchy{v2: "/mnt/cgroup v2", v2Controllers: []string{"memory"}, v1: map[string]string{}}},
		{"garbage lines", "\nnot a mountinfo line\n1 2 3\n", cgroupHierarchy{v1: map[string]string{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := detectHierarchy([]byte(tc.mountinfo), read)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("detectHierarchy =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
	if _, err := detectHierarchy([]byte(`1 2 0:1 / /gone rw - cgroup2 cgroup2 rw`), read); err == nil {
		t.Errorf("unreadable cgroup.controllers: want an error")
	}
}

func TestChoosePlan(t *testing.T) {
	hybrid, _ := detectHierarchy([]byte(mountinfoHybrid), func(string) ([]string, error) { return []string{"hugetlb"}, nil })
	pureV2, _ := detectHierarchy([]byte(mountinfoV2), func(string) ([]string, error) { return []string{"cpu", "memory", "pids"}, nil })
	v2MissingPids, _ := detectHierarchy([]byte(mountinfoV2), func(string) ([]string, error) { return []string{"cpu", "memory"}, nil })
	noPids, _ := detectHierarchy([]byte(mountinfoNoPids), nil)
	cpuacct, _ := detectHierarchy([]byte(mountinfoCpuacct), nil)
	noCpuacct, _ := detectHierarchy([]byte(mountinfoNoCpuacct), nil)
	tests := []struct {
		name        string
		h           cgroupHierarchy
		mode        CgroupMode
		wantVersion int
		wantParents map[string]string
		wantErr     string
	}{
		{"hybrid auto picks v1", hybrid, CgroupAuto, 1, map[string]string{
			"memory": "/sys/fs/cgroup/memory/bulkhead", "pids": "/sys/fs/cgroup/pids/bulkhead", "cpu": "/sys/fs/cgroup/cpu,cpuacct/bulkhead",
			"cpuacct": "/sys/fs/cgroup/cpu,cpuacct/bulkhead",
		}, ""},
		{"v1 with cpuacct apart", cpuacct, CgroupAuto, 1, map[string]string{
			"memory": "/sys/fs/cgroup/memory/bulkhead", "pids": "/sys/fs/cgroup/pids/bulkhead", "cpu": "/sys/fs/cgroup/cpu/bulkhead",
			"cpuacct": "/sys/fs/cgroup/cpuacct/bulkhead",
		}, ""},
		{"v1 without cpuacct", noCpuacct, CgroupV1, 1, map[string]string{
			"memory": "/sys/fs/cgroup/memory/bulkhead", "pids": "/sys/fs/cgroup/pids/bulkhead", "cpu": "/sys/fs/cgroup/cpu/bulkhead",
		}, ""},
		{"hybrid v1", hybrid, CgroupV1, 1, nil, ""},
		{"hybrid v2 refused", hybrid, CgroupV2, 0, nil, `cgroup v2: controller memory is not available in /sys/fs/cgroup/unified (cgroup.controllers: "hugetlb")`},
		{"pure v2 auto picks v2", pureV2, CgroupAuto, 2, map[string]string{
			"memory": "/sys/fs/cgroup/bulkhead", "pids": "/sys/fs/cgroup/bulkhead", "cpu": "/sys/fs/cgroup/bulkhead",
		}, ""},
		{"pure v2 v1 refused", pureV2, CgroupV1, 0, nil, "cgroup v1: controller memory is not mounted"},
		{"v2 without pids, no v1", v2MissingPids, CgroupAuto, 0, nil, "cgroup v1: controller memory is not mounted"},
		{"v2 without pids, v2 asked", v2MissingPids, CgroupV2, 0, nil, "controller pids is not available"},
		{"v1 without pids", noPids, CgroupAuto, 0, nil, `cgroup v1: controller pids is not mounted (v1 controllers: "cpu memory"; cgroup v2: not mounted)`},
		{"v1 without pids, v2 asked", noPids, CgroupV2, 0, nil, "cgroup v2: no cgroup2 filesystem is mounted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := choosePlan(tc.h, tc.mode, cgroupControllers)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("choosePlan = %+v, %v; want error containing %q", p, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.version != tc.wantVersion {
				t.Errorf("version = %d, want %d", p.version, tc.wantVersion)
			}
			if tc.wantParents != nil && !reflect.DeepEqual(p.parents, tc.wantParents) {
				t.Errorf("parents = %v, want %v", p.parents, tc.wantParents)
			}
			if got, want := slices.Sorted(slices.Values(p.controllers)), slices.Sorted(maps.Keys(p.parents)); !slices.Equal(got, want) {
				t.Errorf("controllers = %v, want the parents' %v", p.controllers, want)
			}
		})
	}
}

func TestCgroupFileFormats(t *testing.T) {
	if got := cpuQuota(1); got != 100_000 {
		t.Errorf("cpuQuota(1) = %d", got)
	}
	if got := cpuQuota(0.5); got != 50_000 {
		t.Errorf("cpuQuota(0.5) = %d", got)
	}
	if got := cpuQuota(0.001); got != minCPUQuota {
		t.Errorf("cpuQuota(0.001) = %d, want the kernel minimum %d", got, minCPUQuota)
	}
	l := cgroupLimits{memory: 256 << 20, pids: 64, cpuQuota: 50_000}
	want := [][2]string{{"memory.max", "268435456"}, {"memory.swap.max", "0"}, {"pids.max", "64"}, {"cpu.max", "50000 100000"}}
	if got := v2LimitWrites(cgroupControllers, l, true); !reflect.DeepEqual(got, want) {
		t.Errorf("v2LimitWrites = %q, want %q", got, want)
	}
	if got := v2LimitWrites(cgroupControllers, l, false); len(got) != 3 || got[1][0] != "pids.max" {
		t.Errorf("v2LimitWrites without swap accounting = %q", got)
	}
	if got := v2LimitWrites(nil, l, true); len(got) != 0 {
		t.Errorf("v2LimitWrites with no controller = %q, want none", got)
	}
	adds := []struct {
		enabled, want []string
		out           string
	}{
		{nil, cgroupControllers, "+memory +pids +cpu"},
		{[]string{"cpu", "memory", "io"}, cgroupControllers, "+pids"},
		{[]string{"pids", "cpu", "memory"}, cgroupControllers, ""},
	}
	for _, a := range adds {
		if got := subtreeControlAdd(a.enabled, a.want); got != a.out {
			t.Errorf("subtreeControlAdd(%v) = %q, want %q", a.enabled, got, a.out)
		}
	}
	const oomControl = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"
	const memoryEvents = "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n"
	for _, kv := range []struct {
		data, key string
		want      int64
	}{{oomControl, "oom_kill", 3}, {memoryEvents, "oom_kill", 1}, {memoryEvents, "max", 12}} {
		if got, err := keyedValue(kv.data, kv.key); err != nil || got != kv.want {
			t.Errorf("keyedValue(%q) = %d, %v; want %d", kv.key, got, err, kv.want)
		}
	}
	if _, err := keyedValue(memoryEvents, "oom_kill_disable"); err == nil {
		t.Errorf("keyedValue of a missing key: want an error")
	}
}

func TestCheckMembership(t *testing.T) {
	const v1 = "9:name=systemd:/\n8:pids:/bulkhead/x\n4:memory:/bulkhead/x\n1:cpu,cpuacct:/bulkhead/x\n0::/\n"
	for _, c := range cgroupControllers {
		if err := checkMembership(v1, func(l string) bool { return hasController(l, c) }, "/bulkhead/x"); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
	if err := checkMembership(v1, func(l string) bool { return hasController(l, "memory") }, "/bulkhead/y"); err == nil {
		t.Errorf("wrong leaf: want an error")
	}
	if err := checkMembership(v1, func(l string) bool { return hasController(l, "blkio") }, "/bulkhead/x"); err == nil {
		t.Errorf("missing hierarchy: want an error")
	}
	if err := checkMembership("0::/bulkhead/x\n", func(l string) bool { return l == "" }, "/bulkhead/x"); err != nil {
		t.Errorf("v2: %v", err)
	}
}

func TestLeafNames(t *testing.T) {
	stat := "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100"
	if got := parseStartTime(stat); got != 987654 {
		t.Errorf("parseStartTime = %d, want 987654", got)
	}
	if got := parseStartTime("garbage"); got != 0 {
		t.Errorf("parseStartTime(garbage) = %d", got)
	}
	name := newLeafName()
	if !leafOwnerAlive(name, processStartTime) {
		t.Errorf("own leaf %q reported as stale", name)
	}
	starts := map[int]uint64{42: 100}
	startOf := func(pid int) uint64 { return starts[pid] }
	tests := []struct {
		name  string
		alive bool
	}{
		{"42-100-7", true},
		{"42-99-7", false}, // pid reused by another process
		{"43-100-1", false},
		{"someone-elses", true},
		{"x-100-1", true},
	}
	for _, tc := range tests {
		if got := leafOwnerAlive(tc.name, startOf); got != tc.alive {
			t.Errorf("leafOwnerAlive(%q) = %v, want %v", tc.name, got, tc.alive)
		}
	}
}

// deadProcess returns the pid and start time of a process that has exited.
func deadProcess(t *testing.T) (int, uint64) {
	t.Helper()
	cmd := exec.Command("/bin/true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	start := processStartTime(pid)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	return pid, start
}

func TestCleanStale(t *testing.T) {
	plan, err := planCgroups(CgroupAuto)
	if err != nil {
		t.Fatal(err)
	}
	pid, start := deadProcess(t)
	for _, c := range plan.controllers {
		parent := plan.parents[c]
		if err := mkdirCgroup(parent, true); err != nil {
			t.Fatal(err)
		}
		stale := filepath.Join(parent, strconv.Itoa(pid)+"-"+strconv.FormatUint(start, 10)+"-1")
		live := filepath.Join(parent, newLeafName())
		for _, d := range []string{stale, live} {
			if err := mkdirCgroup(d, false); err != nil {
				t.Fatal(err)
			}
		}
		cleanStale(parent)
		if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: stale leaf %s still there (%v)", c, stale, err)
		}
		if _, err := os.Stat(live); err != nil {
			t.Errorf("%s: live leaf %s removed: %v", c, live, err)
		}
		if err := removeCgroupDir(live); err != nil {
			t.Error(err)
		}
	}
}

// hasController reports whether a /proc/PID/cgroup controller list
// ("memory", "cpu,cpuacct") names c.
func hasController(list, c string) bool {
	return slices.Contains(strings.Split(list, ","), c)
}

// FuzzDetectHierarchy checks that no mountinfo text makes the parser panic
// and that every mount point it reports comes from a cgroup line.
func FuzzDetectHierarchy(f *testing.F) {
	for _, m := range []string{mountinfoHybrid, mountinfoV2, mountinfoNoPids, mountinfoEscaped} {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, mountinfo string) {
		h, err := detectHierarchy([]byte(mountinfo), func(string) ([]string, error) { return nil, nil })
		if err != nil {
			t.Fatal(err)
		}
		if h.v2 != "" && !strings.Contains(mountinfo, "cgroup2") {
			t.Errorf("v2 mount %q from a text without cgroup2", h.v2)
		}
		if len(h.v1) > 0 && !strings.Contains(mountinfo, "cgroup") {
			t.Errorf("v1 mounts %v from a text without cgroup", h.v1)
		}
	})
}

// fakeCgroup makes a directory with the cgroup v2 interface files a plan
// reads, owned by uid.
func fakeCgroup(t *testing.T, dir string, uid int, controllers string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"cgroup.controllers": controllers, "cgroup.procs": "", "cgroup.subtree_control": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(dir, uid, uid); err != nil {
		t.Fatal(err)
	}
}

func TestDelegatedPlan(t *testing.T) {
	mount := t.TempDir()
	fakeCgroup(t, mount, 0, "cpu memory pids")
	fakeCgroup(t, filepath.Join(mount, "user.slice/session-1.scope"), 4242, "cpu memory pids")
	fakeCgroup(t, filepath.Join(mount, "app/run-1.scope"), 0, "cpu memory pids")
	fakeCgroup(t, filepath.Join(mount, "app/svc.service"), 0, "memory pids")
	fakeCgroup(t, filepath.Join(mount, "app/svc.service/supervisor"), 0, "memory pids")
	fakeCgroup(t, filepath.Join(mount, "app/done.service"), 0, "cpu memory pids")
	fakeCgroup(t, filepath.Join(mount, "app/done.service/supervisor"), 0, "cpu memory pids")
	v2 := cgroupHierarchy{v2: mount, v2Controllers: []string{"cpu", "memory", "pids"}, v1: map[string]string{}}
	hybrid := cgroupHierarchy{v2: mount, v2Controllers: []string{"hugetlb"}, v1: map[string]string{"cpu": "/c", "memory": "/m", "pids": "/p"}}
	tests := []struct {
		name     string
		h        cgroupHierarchy
		mode     CgroupMode
		own      string
		wantRoot string // relative to mount
		wantErr  []string
	}{
		{"delegated scope", v2, CgroupAuto, "/app/run-1.scope", "app/run-1.scope", nil},
		{"supervisor child of a delegated service", v2, CgroupAuto, "/app/done.service/supervisor", "app/done.service", nil},
		{"someone else's cgroup", v2, CgroupAuto, "/user.slice/session-1.scope", "", []string{"belongs to uid 4242", "systemd-run --user --scope -p Delegate=yes", `Config.Cgroup to "none"`}},
		{"a controller not delegated", v2, CgroupAuto, "/app/svc.service/supervisor", "", []string{"lacks the cpu controller", "Delegate=cpu cpuset io memory pids", `Config.Cgroup to "none"`}},
		{"hybrid host", hybrid, CgroupAuto, "/app/run-1.scope", "", []string{"hybrid", "systemd.unified_cgroup_hierarchy=1", `Config.Cgroup to "none"`}},
		{"cgroup v1 asked", v2, CgroupV1, "/app/run-1.scope", "", []string{"cgroup v1", "cannot be delegated"}},
		{"no cgroup2 mount", cgroupHierarchy{v1: map[string]string{}}, CgroupAuto, "", "", []string{"no cgroup2 filesystem"}},
		{"no v2 path", v2, CgroupAuto, "", "", []string{"no cgroup v2 path"}},
	}
	for _, tc := range tests {
		p, err := delegatedPlan(tc.h, tc.mode, cgroupControllers, tc.own, 0)
		if tc.wantErr == nil {
			want := filepath.Join(mount, tc.wantRoot)
			if err != nil || p.version != 2 || p.v2Root != want || p.v2Rel != "/"+tc.wantRoot || p.parents["memory"] != filepath.Join(want, cgroupParent) {
				t.Errorf("%s: plan %+v, %v; want root %s", tc.name, p, err, want)
			}
			continue
		}
		for _, w := range tc.wantErr {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, w)
			}
		}
	}
}

// writeFiles creates dir/name with each content.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCgroupUsageFiles reads the usage counters from files laid out as
// the kernel's, for cpu and cpuacct mounted together (one directory) and
// for cgroup v2, with and without a CPU counter.
func TestCgroupUsageFiles(t *testing.T) {
	root := t.TempDir()
	cc, mem := filepath.Join(root, "cpu,cpuacct", "leaf"), filepath.Join(root, "memory", "leaf")
	writeFiles(t, cc, map[string]string{"cpuacct.usage": "123456789\n"})
	writeFiles(t, mem, map[string]string{"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "memory.max_usage_in_bytes": "4096\n"})
	v1 := &cgroupV1{dirs: map[string]string{"cpu": cc, "cpuacct": cc, "memory": mem}, name: "leaf"}
	u, err := v1.usage()
	if want := (cgroupUsage{oomKills: 2, memoryPeak: 4096, cpu: 123456789, cpuKnown: true}); err != nil || u != want {
		t.Errorf("v1 usage = %+v, %v; want %+v", u, err, want)
	}
	var tasks []string
	for _, j := range v1.joins() {
		tasks = append(tasks, j.Tasks)
	}
	if want := []string{filepath.Join(cc, "tasks"), filepath.Join(mem, "tasks")}; !slices.Equal(tasks, want) {
		t.Errorf("joins %v, want each directory once: %v", tasks, want)
	}
	delete(v1.dirs, "cpuacct")
	if u, err := v1.usage(); err != nil || u.cpuKnown || u.cpu != 0 {
		t.Errorf("v1 without cpuacct: %+v, %v; want no CPU figure", u, err)
	}
	writeFiles(t, cc, map[string]string{"cpuacct.usage": "-5\n"})
	v1.dirs["cpuacct"] = cc
	if _, err := v1.usage(); err == nil || !strings.Contains(err.Error(), "cpuacct.usage") {
		t.Errorf("v1 with a bad cpuacct.usage: %v, want an error naming it", err)
	}

	v2dir := filepath.Join(root, "v2")
	writeFiles(t, v2dir, map[string]string{"cpu.stat": "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n"})
	v2 := &cgroupV2{dir: v2dir}
	if u, err := v2.usage(); err != nil || u != (cgroupUsage{cpu: 1500 * time.Microsecond, cpuKnown: true}) {
		t.Errorf("v2 usage = %+v, %v", u, err)
	}
	writeFiles(t, v2dir, map[string]string{"cpu.stat": "user_usec 1000\n"})
	if _, err := v2.usage(); err == nil || !strings.Contains(err.Error(), "cpu.stat") {
		t.Errorf("v2 cpu.stat without usage_usec: %v, want an error", err)
	}
	os.Remove(filepath.Join(v2dir, "cpu.stat"))
	if u, err := v2.usage(); err != nil || u.cpuKnown {
		t.Errorf("v2 without cpu.stat: %+v, %v; want no CPU figure", u, err)
	}
}
