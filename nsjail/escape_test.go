package nsjail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/tmpfs"
)

// The escape suite: every attack runs from inside a jail and must fail,
// and the host must be unchanged afterwards. Attacks print ESCAPED when
// a step that must fail succeeds. They run one after another, not in
// parallel, so the host checks see only their own jail. docs/security.md
// lists them with their results; escape_amd64_test.go adds the system
// call probes and the foreign ABIs.

// hostSnapshot is the host state the attacks must not change.
type hostSnapshot struct {
	hostname  string
	files     map[string][32]byte
	modes     map[string]os.FileMode
	mountinfo string
	sysctls   map[string]string
	leaves    []string
	at        time.Time
}

// Host files and sysctls compared before and after each attack.
var (
	snapshotFiles   = []string{"/etc/shadow", "/etc/passwd", "/etc/hosts", "/etc/resolv.conf"}
	snapshotModes   = []string{"/usr/bin/su", "/usr/bin/passwd", "/usr/bin", "/etc", "/tmp"}
	snapshotSysctls = []string{"kernel/hostname", "kernel/domainname", "kernel/sysrq", "kernel/core_pattern", "net/ipv4/ip_forward", "vm/swappiness"}
)

func takeHostSnapshot(t *testing.T) hostSnapshot {
	t.Helper()
	ReleaseIdle() // the pre-started init stage comes and goes with calls
	s := hostSnapshot{files: map[string][32]byte{}, modes: map[string]os.FileMode{}, sysctls: map[string]string{}, at: time.Now()}
	var err error
	if s.hostname, err = os.Hostname(); err != nil {
		t.Fatal(err)
	}
	for _, f := range snapshotFiles {
		data, _ := os.ReadFile(f)
		s.files[f] = sha256.Sum256(withoutTestAccounts(data))
	}
	for _, f := range snapshotModes {
		if fi, err := os.Stat(f); err == nil {
			s.modes[f] = fi.Mode()
		}
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	s.mountinfo = ownMounts(string(mi), t.Name())
	for _, k := range snapshotSysctls {
		data, _ := os.ReadFile("/proc/sys/" + k)
		s.sysctls[k] = string(data)
	}
	s.leaves = ownLeaves(t)
	return s
}

// withoutTestAccounts drops from an account database (/etc/passwd,
// /etc/shadow) the lines of the users that tests of other packages, which
// go test runs beside this one, create and remove: names starting with
// "bh" (bhcli…, bhjail…). What remains is what a jail could change.
func withoutTestAccounts(data []byte) []byte {
	var out []byte
	for line := range bytes.Lines(data) {
		if !bytes.HasPrefix(line, []byte("bh")) {
			out = append(out, line...)
		}
	}
	return out
}

// ownMounts drops from a mountinfo table the lines of mounts that tests
// of other packages, which go test runs beside this one, make: tmpfs
// mounts of internal/tmpfs, and any mount in another test's temporary
// directory (t.TempDir names it after its test: quota's volumes, ...).
// What remains is what the jail of test could change: the host's own
// mounts and those in test's directories.
func ownMounts(mountinfo, test string) string {
	var b strings.Builder
	for line := range strings.Lines(mountinfo) {
		if f := strings.Fields(line); len(f) > 4 && (tmpfs.IsMountPoint(f[4]) || otherTestDir(f[4], test)) {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

// otherTestDir reports whether mount point path lies in the temporary
// directory of a test, benchmark or fuzz target other than test (see
// testing.T.TempDir, which names the directory after the test).
func otherTestDir(path, test string) bool {
	rel, ok := strings.CutPrefix(path, filepath.Clean(os.TempDir())+"/")
	if !ok {
		return false
	}
	first, _, _ := strings.Cut(rel, "/")
	top, _, _ := strings.Cut(test, "/")
	for _, kind := range []string{"Test", "Benchmark", "Fuzz"} {
		if strings.HasPrefix(first, kind) {
			return !strings.HasPrefix(first, top)
		}
	}
	return false
}

// ownLeaves lists the cgroup leaves this process has now.
func ownLeaves(t *testing.T) []string {
	t.Helper()
	plan, err := planCgroups(CgroupAuto)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, parent := range plan.parents {
		entries, _ := os.ReadDir(parent)
		for _, e := range entries {
			if e.IsDir() && strings.HasPrefix(e.Name(), ownerTag()+"-") {
				out = append(out, filepath.Join(parent, e.Name()))
			}
		}
	}
	slices.Sort(out)
	return out
}

// assertUnchanged compares the host with the snapshot s.
func (s hostSnapshot) assertUnchanged(t *testing.T) {
	t.Helper()
	now := takeHostSnapshot(t)
	if now.hostname != s.hostname {
		t.Errorf("host hostname changed from %q to %q", s.hostname, now.hostname)
	}
	for f, h := range s.files {
		if now.files[f] != h {
			t.Errorf("host file %s changed", f)
		}
	}
	for f, m := range s.modes {
		if now.modes[f] != m {
			t.Errorf("host mode of %s changed from %v to %v", f, m, now.modes[f])
		}
	}
	if now.mountinfo != s.mountinfo {
		t.Errorf("host mounts changed:\n%s", now.mountinfo)
	}
	for k, v := range s.sysctls {
		if now.sysctls[k] != v {
			t.Errorf("host sysctl %s changed from %q to %q", k, v, now.sysctls[k])
		}
	}
	if !slices.Equal(now.leaves, s.leaves) {
		t.Errorf("cgroup leaves of this process: %v, before %v", now.leaves, s.leaves)
	}
	if d := now.at.Sub(s.at); d < 0 || d > 5*time.Minute {
		t.Errorf("host clock moved by %v during the attack", d)
	}
}

// attackEnv is what attacks may refer to.
type attackEnv struct {
	secretDir, secretFile string // outside any mount of the jail
	secretEnv             string // a host environment variable's value
	hostPID               int    // a host process the jail must not touch
	ports                 map[string]int
	accepted              chan string
}

// attack is one escape attempt.
type attack struct {
	name string
	// config adjusts the jail's configuration.
	config func(*Config)
	// command returns the bash command of the attack.
	command func(e *attackEnv) string
	// check asserts the attack failed, beyond "no ESCAPED on stdout".
	check func(t *testing.T, res *Result, e *attackEnv, ws string)
}

// expectStderr returns a check that stderr contains each of want.
func expectStderr(want ...string) func(*testing.T, *Result, *attackEnv, string) {
	return func(t *testing.T, res *Result, _ *attackEnv, _ string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(string(res.Stderr), w) {
				t.Errorf("stderr %q lacks %q", res.Stderr, w)
			}
		}
	}
}

// fixed returns a command that does not depend on the environment.
func fixed(cmd string) func(*attackEnv) string { return func(*attackEnv) string { return cmd } }

// allowedMountPoints are the mount points inside a default jail.
var allowedMountPoints = []string{
	"/", "/usr", "/etc/alternatives", "/etc/ssl/certs", "/proc", "/proc/sys", "/proc/irq", "/proc/bus",
	"/proc/sysrq-trigger", "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
	"/dev/pts", "/dev/shm", "/tmp", "/workspace",
}

var attacks = []attack{
	// Reading host files.
	{name: "read /etc/shadow", command: fixed(`cat /etc/shadow && echo ESCAPED`), check: expectStderr("No such file")},
	{name: "read a host file by absolute path", command: func(e *attackEnv) string {
		return fmt.Sprintf(`cat %q && echo ESCAPED; ls %q && echo ESCAPED`, e.secretFile, e.secretDir)
	}},
	{name: "read through /proc/1/root", command: fixed(`cat /proc/1/root/etc/shadow && echo ESCAPED; ls /proc/1/root/ && echo ESCAPED`)},
	{name: "read /proc/*/environ", command: func(e *attackEnv) string {
		return fmt.Sprintf(`cat /proc/1/environ && echo ESCAPED; for f in /proc/[0-9]*/environ; do tr '\0' '\n' < $f; done | grep -q %q && echo ESCAPED; true`, e.secretEnv)
	}},
	{name: "read /proc/self/mountinfo", command: fixed(`cat /proc/self/mountinfo`), check: func(t *testing.T, res *Result, e *attackEnv, _ string) {
		out := string(res.Stdout)
		if strings.Contains(out, "oldroot") || strings.Contains(out, "newroot") || strings.Contains(out, e.secretDir) {
			t.Errorf("mountinfo reveals the host tree:\n%s", out)
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if f := strings.Fields(line); len(f) < 5 || !slices.Contains(allowedMountPoints, f[4]) {
				t.Errorf("unexpected mount %q", line)
			}
		}
	}},
	{name: "read the host binary through /proc/1/exe", command: fixed(`cat /proc/1/exe > /dev/null && echo ESCAPED; readlink /proc/1/exe && echo ESCAPED; true`)},
	{name: "read the init stage's memory through /proc/1/mem", command: fixed(`dd if=/proc/1/mem of=/dev/null bs=1 count=1 skip=4194304 2>/dev/null && echo ESCAPED; true`)},
	{name: "follow a symlink made inside to /etc/shadow", command: fixed(`ln -s /etc/shadow s && cat s && echo ESCAPED; true`)},
	{name: "follow a symlink made inside to a host path", command: func(e *attackEnv) string {
		return fmt.Sprintf(`ln -s %q s2 && cat s2 && echo ESCAPED; true`, e.secretFile)
	}},
	{name: "hard link a set-user-ID binary into the workspace", command: fixed(`ln /usr/bin/su /workspace/su && echo ESCAPED`), check: expectStderr("Invalid cross-device link")},
	{name: "hard link /etc/passwd into the workspace", command: fixed(`ln /etc/passwd /workspace/pw && echo ESCAPED`), check: expectStderr("Invalid cross-device link")},
	{name: "climb out of /workspace with ..", command: fixed(`cat /workspace/../../../etc/shadow && echo ESCAPED; cd /workspace/../../..; ls -A | grep -qx oldroot && echo ESCAPED; true`)},
	{name: "read /proc/kcore", command: fixed(`head -c 16 /proc/kcore > /dev/null && echo ESCAPED; true`)},
	{name: "read kernel addresses in /proc/kallsyms", command: fixed(`grep -m1 ' T ' /proc/kallsyms`), check: func(t *testing.T, res *Result, _ *attackEnv, _ string) {
		if out := string(res.Stdout); !strings.HasPrefix(out, "0000000000000000 ") {
			t.Errorf("kallsyms shows an address: %q", out)
		}
	}},
	{name: "read the kernel log", command: fixed(`dmesg > /dev/null && echo ESCAPED; true`)},

	// Processes.
	{name: "see host processes", command: fixed(`ps -e -o pid=,args=; exit 0`), check: func(t *testing.T, res *Result, e *attackEnv, _ string) {
		out := string(res.Stdout)
		if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) > 2 || strings.Contains(out, filepath.Base(os.Args[0])) || strings.Contains(out, "sleep") {
			t.Errorf("the jail sees more than itself:\n%s", out)
		}
	}},
	{name: "kill a host process by its pid", command: func(e *attackEnv) string {
		return fmt.Sprintf(`kill -9 %d && echo ESCAPED; true`, e.hostPID)
	}, check: func(t *testing.T, _ *Result, e *attackEnv, _ string) {
		if err := unixKill0(e.hostPID); err != nil {
			t.Errorf("host process %d is gone: %v", e.hostPID, err)
		}
	}},
	{name: "ptrace with strace", command: fixed(`strace -f true > /dev/null 2>&1 && echo ESCAPED; true`)},

	// Network.
	{name: "reach a host service on 127.0.0.1", command: func(e *attackEnv) string {
		return fmt.Sprintf(`exec 3<>/dev/tcp/127.0.0.1/%d && echo ESCAPED; true`, e.ports["tcp4"])
	}, check: expectStderr("Connection refused")},
	{name: "reach a host service on ::1", command: func(e *attackEnv) string {
		return fmt.Sprintf(`exec 3<>/dev/tcp/::1/%d && echo ESCAPED; true`, e.ports["tcp6"])
	}},
	{name: "reach a host service on its external address", command: func(e *attackEnv) string {
		return fmt.Sprintf(`exec 3<>/dev/tcp/%s/%d && echo ESCAPED; true`, externalIPv4(), e.ports["external"])
	}, check: expectStderr("Network is unreachable")},
	{name: "reach a host abstract unix socket", command: func(*attackEnv) string {
		return fmt.Sprintf(`python3 -c 'import socket; s=socket.socket(socket.AF_UNIX); s.connect("\0%s")' 2>/dev/null && echo ESCAPED; true`, abstractSocketName())
	}},
	{name: "open a vsock socket to the hypervisor", command: fixed(`python3 -c 'import socket; socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)' && echo ESCAPED; true`), check: expectStderr("Address family not supported")},
	{name: "no network at all with --net none", config: func(c *Config) { c.Network = NetworkNone }, command: fixed(`exec 3<>/dev/tcp/127.0.0.1/1 && echo ESCAPED; true`), check: expectStderr("Network is unreachable")},

	// Writing where the jail may not.
	{name: "write to read-only system mounts", command: fixed(`for f in /usr/bin/x /etc/passwd /x /etc/alternatives/x /etc/ssl/certs/x /dev/x; do echo x > $f && echo ESCAPED; done; true`), check: expectStderr("Read-only file system")},
	{name: "remount /usr read-write", command: fixed(`mount -o remount,rw /usr && echo ESCAPED; touch /usr/x && echo ESCAPED; true`)},
	{name: "undo the read-only /proc/sys", command: fixed(`umount /proc/sys && echo ESCAPED; echo 1 > /proc/sys/kernel/sysrq && echo ESCAPED; true`)},
	{name: "write /proc/sysrq-trigger", command: fixed(`echo h > /proc/sysrq-trigger && echo ESCAPED; true`)},
	{name: "make or open device nodes", command: fixed(`mknod /tmp/sda b 8 0 && echo ESCAPED; for d in /dev/vda /dev/sda /dev/mem /dev/kmsg /dev/port; do cat $d > /dev/null 2>&1 && echo ESCAPED; done; ls /dev | tr '\n' ' '`),
		check: func(t *testing.T, res *Result, _ *attackEnv, _ string) {
			got := strings.Fields(strings.ReplaceAll(string(res.Stdout), "ESCAPED", ""))
			want := []string{"fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"}
			if !slices.Equal(got, want) {
				t.Errorf("/dev = %v, want %v", got, want)
			}
		}},
	{name: "reach /sys", command: fixed(`ls /sys && echo ESCAPED; mount -t sysfs none /tmp && echo ESCAPED; true`)},
	{name: "mount a cgroup filesystem", command: fixed(`mount -t cgroup2 none /tmp && echo ESCAPED; cat /proc/self/cgroup`), check: func(t *testing.T, res *Result, _ *attackEnv, _ string) {
		for _, line := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
			if !strings.HasSuffix(line, ":/") {
				t.Errorf("/proc/self/cgroup shows a host path: %q", line)
			}
		}
	}},

	// Namespaces and privileges.
	{name: "unshare a user namespace", command: fixed(`unshare -U true && echo ESCAPED; unshare -Ur true && echo ESCAPED; true`), check: expectStderr("Operation not permitted")},
	{name: "unshare mount, network and PID namespaces", command: fixed(`unshare -m true && echo ESCAPED; unshare -n true && echo ESCAPED; unshare -pf true && echo ESCAPED; true`)},
	{name: "setns into other namespaces", command: fixed(`nsenter -t 1 -m true && echo ESCAPED; nsenter --net=/proc/self/ns/net true && echo ESCAPED; true`)},
	{name: "chroot", command: fixed(`chroot / /bin/true && echo ESCAPED; true`)},
	{name: "capabilities, no_new_privs and seccomp status", command: fixed(`grep -E '^(Cap[A-Za-z]+|NoNewPrivs|Seccomp):' /proc/self/status; setpriv -d`), check: func(t *testing.T, res *Result, _ *attackEnv, _ string) {
		out := string(res.Stdout)
		for _, want := range []string{"CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2", "Capability bounding set: [none]", "no_new_privs: 1"} {
			if !strings.Contains(out, want) {
				t.Errorf("status lacks %q:\n%s", want, out)
			}
		}
	}},
	{name: "gain privileges through set-user-ID binaries", command: fixed(`su -s /bin/sh -c 'echo ESCAPED' nobody; passwd -d root && echo ESCAPED; grep ' /usr ' /proc/self/mountinfo`), check: func(t *testing.T, res *Result, _ *attackEnv, _ string) {
		if !strings.Contains(string(res.Stdout), "nosuid") {
			t.Errorf("/usr is not nosuid: %q", res.Stdout)
		}
	}},
	{name: "create set-user-ID files in the workspace", command: fixed(`cp /bin/sh ./shx && chmod u+s ./shx && echo ESCAPED; install -m 4755 /bin/sh ./shy && echo ESCAPED; chmod g+s ./shx && echo ESCAPED; perl -e 'use Fcntl; sysopen(F, "shz", O_CREAT|O_WRONLY, 04755) or exit 1' && echo ESCAPED; true`),
		check: func(t *testing.T, _ *Result, _ *attackEnv, ws string) {
			filepath.WalkDir(ws, func(p string, d os.DirEntry, err error) error {
				if fi, err := os.Lstat(p); err == nil && fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
					t.Errorf("%s has mode %v on the host", p, fi.Mode())
				}
				return nil
			})
		}},
	{name: "set the clock", command: fixed(`date -s @0 && echo ESCAPED; true`)},
	{name: "change the hostname", command: fixed(`hostname escaped && echo ESCAPED; echo escaped > /proc/sys/kernel/hostname && echo ESCAPED; true`)},
	{name: "push input into a terminal with TIOCSTI", command: fixed(`python3 -c 'import fcntl, termios; fcntl.ioctl(0, termios.TIOCSTI, b"x")' && echo ESCAPED; true`), check: expectStderr("Operation not permitted")},

	// Exhaustion.
	{name: "fork bomb under the pids limit", config: func(c *Config) { c.Pids = 64; c.Timeout = 4 * time.Second },
		command: fixed(`bomb() { bomb | bomb & }; bomb; sleep 2; echo survived`)},
	{name: "memory bomb under the memory limit", config: func(c *Config) { c.Memory = 32 << 20 },
		command: fixed(`head -c 512M /dev/zero | tail > /dev/null; echo status $?`),
		check: func(t *testing.T, res *Result, _ *attackEnv, _ string) {
			if !res.OOMKilled || !strings.Contains(string(res.Stdout), "status 137") {
				t.Errorf("OOMKilled %v stdout %q, want the kernel to kill tail", res.OOMKilled, res.Stdout)
			}
			if res.Usage.MemoryPeak > 40<<20 {
				t.Errorf("memory peak %d bytes, above the 32 MiB limit", res.Usage.MemoryPeak)
			}
		}},
	{name: "fill /tmp and /dev/shm", config: func(c *Config) { c.TmpSize = 1 << 20 },
		command: fixed(`head -c 4M /dev/zero > /tmp/f && echo ESCAPED; head -c 4M /dev/zero > /dev/shm/f && echo ESCAPED; true`), check: expectStderr("No space left on device")},
	{name: "write a file beyond the file size limit", config: func(c *Config) { c.FileSize = 1 << 20 },
		command: fixed(`head -c 4M /dev/zero > /workspace/big; echo status $?`),
		check: func(t *testing.T, res *Result, _ *attackEnv, ws string) {
			fi, err := os.Stat(filepath.Join(ws, "big"))
			if err != nil || fi.Size() > 1<<20 || !strings.Contains(string(res.Stdout), "status 153") {
				t.Errorf("big: %v %v, stdout %q; want SIGXFSZ (status 153) at 1 MiB", fi, err, res.Stdout)
			}
		}},
	{name: "exhaust file descriptors", config: func(c *Config) { c.OpenFiles = 64 },
		command: fixed(`python3 -c 'import os; [os.open("/dev/null", 0) for _ in range(100)]' && echo ESCAPED; true`), check: expectStderr("Too many open files")},
	{name: "leave processes running after exit", command: func(*attackEnv) string {
		return fmt.Sprintf(`setsid nohup sleep %s > /dev/null 2>&1 & ( ( sleep %s & ) & ); echo started`, escapeSleepArg, escapeSleepArg)
	}, check: func(t *testing.T, _ *Result, _ *attackEnv, _ string) {
		assertNoProcess(t, escapeSleepArg)
	}},

	// Mounts the caller asks for.
	{name: "read-only bind stays read-only", config: func(c *Config) {
		c.Binds = []Bind{{Source: roBindDir, Target: "/data", ReadOnly: true}}
	}, command: fixed(`cat /data/f; echo x > /data/f && echo ESCAPED; touch /data/new && echo ESCAPED; true`),
		check: func(t *testing.T, res *Result, _ *attackEnv, _ string) {
			data, _ := os.ReadFile(filepath.Join(roBindDir, "f"))
			entries, _ := os.ReadDir(roBindDir)
			if string(res.Stdout) != "host data\n" || string(data) != "host data\n" || len(entries) != 1 {
				t.Errorf("read-only bind: jail read %q, host file %q, %d entries", res.Stdout, data, len(entries))
			}
		}},
}

// Values shared by attacks that must be known before the table is built.
var (
	escapeSleepArg = uniqueSleepArg(1000)
	roBindDir      string
)

// unixKill0 checks that pid exists.
func unixKill0(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Signal(syscall.Signal(0))
}

// externalIPv4 returns the host's first non-loopback IPv4 address.
func externalIPv4() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			return ipn.IP.String()
		}
	}
	return "192.0.2.1" // TEST-NET-1 (RFC 5737), when the host has none
}

// abstractSocketName is this test process's abstract unix socket.
func abstractSocketName() string { return fmt.Sprintf("nsjail-escape-%d", os.Getpid()) }

// listenAll starts the host services the network attacks try to reach;
// every accepted connection is reported on accepted.
func listenAll(t *testing.T) (map[string]int, chan string) {
	t.Helper()
	accepted := make(chan string, 16)
	ports := map[string]int{}
	serve := func(name string, ln net.Listener) {
		t.Cleanup(func() { ln.Close() })
		if tcp, ok := ln.Addr().(*net.TCPAddr); ok {
			ports[name] = tcp.Port
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
				accepted <- name
			}
		}()
	}
	for name, addr := range map[string]string{"tcp4": "127.0.0.1:0", "tcp6": "[::1]:0", "external": net.JoinHostPort(externalIPv4(), "0")} {
		network := "tcp"
		if ln, err := net.Listen(network, addr); err == nil {
			serve(name, ln)
		} else {
			ports[name] = 9 // nothing listens; the attack must still fail
		}
	}
	ln, err := net.Listen("unix", "@"+abstractSocketName())
	if err != nil {
		t.Fatal(err)
	}
	serve("abstract", ln)
	return ports, accepted
}

func TestEscape(t *testing.T) {
	secretDir := t.TempDir()
	secretFile := filepath.Join(secretDir, "secret.txt")
	if err := os.WriteFile(secretFile, []byte("host secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	const secretEnv = "hunter2-escape-suite"
	t.Setenv("BULKHEAD_ESCAPE_SECRET", secretEnv)
	roBindDir = t.TempDir()
	if err := os.WriteFile(filepath.Join(roBindDir, "f"), []byte("host data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	host := exec.Command("sleep", uniqueSleepArg(1000))
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Process.Kill(); host.Wait() })
	ports, accepted := listenAll(t)
	env := &attackEnv{secretDir: secretDir, secretFile: secretFile, secretEnv: secretEnv, hostPID: host.Process.Pid, ports: ports, accepted: accepted}

	for i, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			cfg := jailConfig(t)
			cfg.Timeout = 30 * time.Second
			if a.config != nil {
				a.config(&cfg)
			}
			token := fmt.Sprintf("escape-%d-%d", os.Getpid(), i)
			before := takeHostSnapshot(t)
			start := time.Now()
			res, err := Bash(context.Background(), cfg, ": "+token+"; "+a.command(env))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(res.Stdout, []byte("ESCAPED")) {
				t.Errorf("attack succeeded:\nstdout %s\nstderr %s", res.Stdout, res.Stderr)
			}
			if a.check != nil {
				a.check(t, res, env, cfg.Workspace)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("the jail took %v", d)
			}
			assertNoProcess(t, token)
			before.assertUnchanged(t)
			select {
			case name := <-accepted:
				t.Errorf("host service %s accepted a connection from the jail", name)
			default:
			}
		})
	}
}

func TestEscapeBindRequests(t *testing.T) {
	src := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(src, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		bind Bind
	}{
		{"escape with .. in the target", Bind{Source: src, Target: "/data/../etc"}},
		{"target on top of /etc", Bind{Source: src, Target: "/etc/passwd"}},
		{"source is a container runtime socket directory", Bind{Source: "/run", Target: "/data"}},
		{"source is a symlink", Bind{Source: link, Target: "/data"}},
		{"source is /proc", Bind{Source: "/proc/1", Target: "/data"}},
		{"source is the host root", Bind{Source: "/", Target: "/data"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := takeHostSnapshot(t)
			cfg := jailConfig(t)
			cfg.Binds = []Bind{tc.bind}
			_, err := Bash(context.Background(), cfg, "touch /workspace/ran")
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("err = %v, want ErrInvalidConfig", err)
			}
			if _, err := os.Stat(filepath.Join(cfg.Workspace, "ran")); err == nil {
				t.Errorf("the command ran")
			}
			before.assertUnchanged(t)
		})
	}
}

func TestEscapeOtherTenant(t *testing.T) {
	b := jailConfig(t)
	if err := os.WriteFile(filepath.Join(b.Workspace, "b-secret"), []byte("tenant b"), 0o600); err != nil {
		t.Fatal(err)
	}
	bArg := uniqueSleepArg(1000)
	bDone := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_, err := Bash(ctx, b, "sleep "+bArg)
		bDone <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); len(hostProcessesWith(t, bArg)) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("tenant b's jail did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	a := jailConfig(t)
	// b runs sleep; a runs no sleep of its own, so any sleep a sees is b's.
	res, err := Bash(context.Background(), a, fmt.Sprintf(`cat %q && echo ESCAPED; ps -e -o comm= | grep -qx sleep && echo ESCAPED; grep -rqs 'tenant ''b' /workspace /tmp /etc /dev/shm && echo ESCAPED; true`,
		filepath.Join(b.Workspace, "b-secret")))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(res.Stdout, []byte("ESCAPED")) {
		t.Errorf("tenant a reached tenant b:\n%s", res.Stdout)
	}
	cancel()
	<-bDone
	assertNoProcess(t, bArg)
}
