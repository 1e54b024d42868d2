package nsjail

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// findingOf returns the finding named check.
func findingOf(t *testing.T, findings []Finding, check string) Finding {
	t.Helper()
	for _, f := range findings {
		if f.Check == check {
			return f
		}
	}
	t.Fatalf("no %q finding in %+v", check, findings)
	return Finding{}
}

// wantFinding checks a finding's status and that its detail and fix
// contain the given texts ("detail:…" or "fix:…").
func wantFinding(t *testing.T, findings []Finding, check string, status Status, texts ...string) {
	t.Helper()
	f := findingOf(t, findings, check)
	if f.Status != status {
		t.Errorf("%s: status %s (%s; fix %q), want %s", check, f.Status, f.Detail, f.Fix, status)
	}
	for _, text := range texts {
		where, want, _ := strings.Cut(text, ":")
		got := f.Detail
		if where == "fix" {
			got = f.Fix
		}
		if !strings.Contains(got, want) {
			t.Errorf("%s: %s %q lacks %q", check, where, got, want)
		}
	}
	if status != StatusOK && f.Fix == "" {
		t.Errorf("%s: status %s without a fix", check, status)
	}
}

// checkOrder is the fixed order of Check's findings.
var checkOrder = []string{"kernel", "privilege", "container", "seccomp.host", "userns.sysctl", "userns.clone", "userns.apparmor", "userns.probe", "subids", "cgroup.layout", "cgroup", "idmap", "proc", "devpts", "seccomp", "loopback", "jail"}

// TestCheckHost runs the doctor as root on this host, where jails work.
func TestCheckHost(t *testing.T) {
	t.Parallel()
	findings := Check(context.Background(), CheckOptions{})
	var names []string
	for _, f := range findings {
		names = append(names, f.Check)
		if f.Status == StatusFail {
			t.Errorf("%s failed: %s (fix %s)", f.Check, f.Detail, f.Fix)
		}
	}
	if got, want := strings.Join(names, " "), strings.Join(checkOrder, " "); got != want {
		t.Errorf("findings %s, want %s", got, want)
	}
	if !Healthy(findings) {
		t.Errorf("not healthy: %+v", findings)
	}
	wantFinding(t, findings, "privilege", StatusOK, fmt.Sprintf("detail:host uid %d", JailHostID))
	wantFinding(t, findings, "subids", StatusOK, "detail:not needed")
	h, err := hostCgroups()
	if err != nil {
		t.Fatal(err)
	}
	layout := map[string]string{"v2": "cgroup v2 (unified)", "hybrid": "hybrid", "v1": "cgroup v1 (legacy)"}[cgroupLayout(h)]
	wantFinding(t, findings, "cgroup.layout", StatusOK, "detail:"+layout)
	plan, err := planCgroups(CgroupAuto)
	if err != nil {
		t.Fatal(err)
	}
	wantFinding(t, findings, "cgroup", StatusOK, "detail:jail CPU time from "+plan.cpuCounter())
}

// TestCheckIdmapUnsupported points the doctor at a ramfs directory.
func TestCheckIdmapUnsupported(t *testing.T) {
	dir := t.TempDir()
	if err := unix.Mount("ramfs", dir, "ramfs", 0, "mode=0755"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Error(err)
		}
	})
	findings := Check(context.Background(), CheckOptions{Dirs: []string{os.TempDir(), dir}})
	wantFinding(t, findings, "idmap", StatusFail, "detail:"+dir+" is on ramfs", "fix:ext4, xfs, btrfs, tmpfs")
}

// TestCheckProvoked provokes each blocker this machine can show, in a
// helper process, and checks that the doctor names it with its fix.
func TestCheckProvoked(t *testing.T) {
	t.Parallel()
	a := ordinaryUser(t)
	newNS := func(flags uintptr) *syscall.SysProcAttr { return &syscall.SysProcAttr{Cloneflags: flags} }
	tests := []struct {
		name    string
		req     userRequest
		attr    *syscall.SysProcAttr
		wrapper []string
		want    func(t *testing.T, findings []Finding)
	}{
		{"max_user_namespaces 0 in a user namespace",
			userRequest{KeepIDs: true, Setup: []string{"max-userns-0"}},
			// Root of its own user namespace (uid 0 inside, the ordinary
			// user outside), so it may write the namespace's sysctl.
			&syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER, UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: a.uid, Size: 1}}, GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: a.gid, Size: 1}},
				Credential: &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true}},
			nil,
			func(t *testing.T, f []Finding) {
				wantFinding(t, f, "privilege", StatusOK, "detail:ordinary user")
				wantFinding(t, f, "userns.sysctl", StatusFail, "detail:user.max_user_namespaces = 0", "fix:sysctl -w user.max_user_namespaces=")
				wantFinding(t, f, "userns.probe", StatusFail, "detail:no space left on device", "detail:max_user_namespaces")
				wantFinding(t, f, "jail", StatusFail)
			}},
		{"seccomp filter denying user namespaces",
			userRequest{KeepIDs: true, Deny: "clone:EPERM", DenyArg0: fmt.Sprint(unix.CLONE_NEWUSER)},
			nil, nil,
			func(t *testing.T, f []Finding) {
				wantFinding(t, f, "seccomp.host", StatusWarn, "detail:Seccomp: 2", "fix:seccomp=unconfined")
				wantFinding(t, f, "userns.probe", StatusFail, "detail:operation not permitted", "detail:seccomp filter", "fix:seccomp=unconfined")
				wantFinding(t, f, "jail", StatusFail, "detail:CLONE_NEWUSER")
			}},
		{"root without CAP_SYS_ADMIN",
			userRequest{KeepIDs: true},
			nil, []string{"setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin"},
			func(t *testing.T, f []Finding) {
				wantFinding(t, f, "privilege", StatusFail, "detail:without CAP_SYS_ADMIN", "fix:--cap-add SYS_ADMIN")
				wantFinding(t, f, "userns.probe", StatusWarn)
				wantFinding(t, f, "jail", StatusFail)
			}},
		{"ordinary user without a delegated cgroup",
			userRequest{UID: a.uid, GID: a.gid},
			nil, nil,
			func(t *testing.T, f []Finding) {
				wantFinding(t, f, "privilege", StatusOK, fmt.Sprintf("detail:uid %d", a.uid))
				wantFinding(t, f, "idmap", StatusOK, "detail:not used")
				wantFinding(t, f, "cgroup", StatusFail, fmt.Sprintf("detail:uid %d", a.uid), "fix:Delegate=yes", `fix:Config.Cgroup to "none"`)
				wantFinding(t, f, "jail", StatusFail, `detail:without cgroup limits (Cgroup "none") the jail runs`, "fix:--cgroup none")
			}},
		{"ordinary user opting out of cgroup limits",
			userRequest{UID: a.uid, GID: a.gid, Check: CheckOptions{Cgroup: CgroupNone}},
			nil, nil,
			func(t *testing.T, f []Finding) {
				wantFinding(t, f, "cgroup", StatusWarn, "detail:no cgroup limits")
				wantFinding(t, f, "jail", StatusOK, "detail:without cgroup limits")
			}},
		{"no /dev/pts on the host",
			userRequest{KeepIDs: true, Setup: []string{"private-mounts", "umount-devpts"}},
			newNS(syscall.CLONE_NEWNS), nil,
			func(t *testing.T, f []Finding) {
				wantFinding(t, f, "devpts", StatusWarn, "detail:no devpts at /dev/pts", "fix:mount -t devpts")
				wantFinding(t, f, "jail", StatusOK)
			}},
		{"masked /proc entry",
			userRequest{KeepIDs: true, Setup: []string{"private-mounts", "mask-proc"}},
			newNS(syscall.CLONE_NEWNS), nil,
			func(t *testing.T, f []Finding) {
				wantFinding(t, f, "proc", StatusFail, `detail:"proc"`, "fix:systempaths=unconfined")
				wantFinding(t, f, "jail", StatusFail)
			}},
		{"loopback that cannot be brought up",
			userRequest{KeepIDs: true, Deny: "socket:EAFNOSUPPORT"},
			nil, nil,
			func(t *testing.T, f []Finding) {
				wantFinding(t, f, "loopback", StatusFail, "detail:socket(AF_INET, SOCK_DGRAM)", "fix:--net none")
				wantFinding(t, f, "jail", StatusFail)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.req.Mode = "check"
			o := runHelper(t, tc.req, tc.attr, tc.wrapper...)
			if o.Error != "" {
				t.Fatalf("helper: %s", o.Error)
			}
			tc.want(t, o.Findings)
			if t.Failed() {
				for _, f := range o.Findings {
					t.Logf("%-16s %-4s %s | %s", f.Check, f.Status, f.Detail, f.Fix)
				}
			}
		})
	}
}

// TestCheckRules feeds the rules facts this host cannot show.
func TestCheckRules(t *testing.T) {
	const initMap = "0 0 4294967295"
	root := Privilege{Root: true, UID: JailHostID, GID: JailHostID}
	user := Privilege{UID: 1000, GID: 1000}
	userFacts := hostFacts{euid: 1000, egid: 1000, uidMap: initMap, dumpable: true, status: "Seccomp:\t0\n"}
	tests := []struct {
		name   string
		got    []Finding
		check  string
		status Status
		texts  []string
	}{
		{"old kernel", []Finding{kernelFinding(hostFacts{release: "5.10.0-28-amd64", machine: "x86_64"})}, "kernel", StatusFail, []string{"detail:older than 5.14", "fix:Linux 5.14"}},
		{"new kernel", []Finding{kernelFinding(hostFacts{release: "6.8.0", machine: "aarch64"})}, "kernel", StatusOK, []string{"detail:Linux 6.8.0 (aarch64)"}},
		{"unprivileged_userns_clone 0, ordinary user", usernsSysctlFindings(hostFacts{sysctls: map[string]string{"user/max_user_namespaces": "100", "kernel/unprivileged_userns_clone": "0"}}, user), "userns.clone", StatusFail, []string{"detail:= 0", "fix:sysctl -w kernel.unprivileged_userns_clone=1"}},
		{"unprivileged_userns_clone 0, root", usernsSysctlFindings(hostFacts{sysctls: map[string]string{"user/max_user_namespaces": "100", "kernel/unprivileged_userns_clone": "0"}}, root), "userns.clone", StatusOK, []string{"detail:ordinary users only"}},
		{"apparmor restriction, ordinary user", usernsSysctlFindings(hostFacts{executable: "/usr/local/bin/bulkhead", sysctls: map[string]string{"user/max_user_namespaces": "100", "kernel/apparmor_restrict_unprivileged_userns": "1"}}, user), "userns.apparmor", StatusFail, []string{"detail:Ubuntu 23.10", "fix:profile bulkhead /usr/local/bin/bulkhead flags=(unconfined)", "fix:userns,", "fix:apparmor_parser -r", "fix:apparmor_restrict_unprivileged_userns=0"}},
		{"apparmor restriction, root", usernsSysctlFindings(hostFacts{sysctls: map[string]string{"user/max_user_namespaces": "100", "kernel/apparmor_restrict_unprivileged_userns": "1"}}, root), "userns.apparmor", StatusOK, nil},
		{"no user namespaces", usernsSysctlFindings(hostFacts{sysctls: map[string]string{}}, user), "userns.sysctl", StatusFail, []string{"fix:CONFIG_USER_NS"}},
		{"probe blocked by apparmor", []Finding{usernsProbeFinding(hostFacts{usernsErr: unix.EPERM, sysctls: map[string]string{"kernel/apparmor_restrict_unprivileged_userns": "1"}}, user, true)}, "userns.probe", StatusFail, []string{"detail:AppArmor", "fix:userns.apparmor"}},
		{"probe blocked by the clone switch", []Finding{usernsProbeFinding(hostFacts{usernsErr: unix.EPERM, sysctls: map[string]string{"kernel/unprivileged_userns_clone": "0"}}, user, true)}, "userns.probe", StatusFail, []string{"detail:unprivileged_userns_clone = 0"}},
		{"probe blocked by something else", []Finding{usernsProbeFinding(hostFacts{usernsErr: unix.EACCES}, user, true)}, "userns.probe", StatusFail, []string{"detail:security module", "fix:unshare(CLONE_NEWUSER)"}},
		{"container with a seccomp filter", []Finding{containerFinding(hostFacts{containerMarkers: []string{"/run/.containerenv"}, status: "Seccomp:\t2\n", uidMap: initMap, euid: 1000, dumpable: true}, false)}, "container", StatusWarn, []string{"detail:/run/.containerenv", "detail:a seccomp filter", "fix:seccomp=unconfined"}},
		{"container without restrictions", []Finding{containerFinding(hostFacts{containerMarkers: []string{"container=podman"}, status: "Seccomp:\t0\n", uidMap: initMap, euid: 1000, dumpable: true}, false)}, "container", StatusOK, []string{"detail:container=podman"}},
		{"no container", []Finding{containerFinding(userFacts, false)}, "container", StatusOK, []string{"detail:no container markers"}},
		{"seccomp strict mode", []Finding{hostSeccompFinding(hostFacts{status: "Seccomp:\t1\n"})}, "seccomp.host", StatusFail, nil},
		{"masked proc", []Finding{procFinding(hostFacts{mountinfo: "1 0 8:1 / / rw - ext4 /dev/sda rw\n30 20 0:5 /null /proc/kcore rw - devtmpfs udev rw\n31 20 0:40 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw\n"})}, "proc", StatusWarn, []string{"detail:/proc/kcore", "fix:systempaths=unconfined"}},
		{"binfmt_misc is fine", []Finding{procFinding(hostFacts{mountinfo: "31 20 0:40 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw\n"})}, "proc", StatusOK, nil},
		{"kernel without devpts", []Finding{devptsFinding(hostFacts{filesystems: "nodev\tproc\nnodev\ttmpfs\n"})}, "devpts", StatusFail, []string{"fix:CONFIG_UNIX98_PTYS"}},
		{"subids not needed", []Finding{subidsFinding(hostFacts{newuidmap: "/usr/bin/newuidmap", subuid: true}, user)}, "subids", StatusOK, []string{"detail:not needed", "detail:host uid 1000", "detail:newuidmap is at /usr/bin/newuidmap", "detail:has a range"}},
		{"pure v2 layout", []Finding{cgroupLayoutFinding(hostFacts{cgroups: cgroupHierarchy{v2: "/sys/fs/cgroup", v2Controllers: []string{"cpu", "memory", "pids"}, v1: map[string]string{}}})}, "cgroup.layout", StatusOK, []string{"detail:cgroup v2 (unified): /sys/fs/cgroup"}},
		{"v1 layout", []Finding{cgroupLayoutFinding(hostFacts{cgroups: cgroupHierarchy{v1: map[string]string{"memory": "/sys/fs/cgroup/memory"}}})}, "cgroup.layout", StatusOK, []string{"detail:cgroup v1 (legacy): memory at /sys/fs/cgroup/memory"}},
		{"no cgroups", []Finding{cgroupLayoutFinding(hostFacts{cgroups: cgroupHierarchy{v1: map[string]string{}}})}, "cgroup.layout", StatusWarn, nil},
		{"idmap as an ordinary user", []Finding{idmapFinding(user, true, []string{"/x"}, nil)}, "idmap", StatusOK, []string{"detail:not used"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantFinding(t, tc.got, tc.check, tc.status, tc.texts...)
		})
	}
}
