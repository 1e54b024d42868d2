package nsjail

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The escape suite runs this test binary inside the jail, bound read-only
// at probeBinary, with envProbe set: the binary then makes every system
// call of probes directly (no C library in between to hide or retry one)
// and prints one "name errno" line per call.
const (
	envProbe    = "NSJAIL_TEST_PROBE"
	probeBinary = "/opt/nsjail-test/probe"
	probeFile   = "/workspace/probe-file"
)

func init() {
	if os.Getenv(envProbe) == "" {
		return
	}
	if err := os.WriteFile(probeFile, []byte("x"), 0o644); err != nil {
		fmt.Println("setup", err)
		os.Exit(1)
	}
	for _, p := range probes {
		err := p.call()
		var errno unix.Errno
		if err != nil && !errors.As(err, &errno) {
			errno = 0xffff
		}
		fmt.Printf("%s %d\n", p.name, int(errno))
	}
	os.Exit(0)
}

// probe is one system call the jail must refuse with want.
type probe struct {
	name string
	want unix.Errno
	call func() error
}

// sys makes a raw system call and returns its errno as an error.
func sys(trap uintptr, args ...uintptr) error {
	var a [6]uintptr
	copy(a[:], args)
	_, _, errno := unix.Syscall6(trap, a[0], a[1], a[2], a[3], a[4], a[5])
	if errno != 0 {
		return errno
	}
	return nil
}

// ptr returns the address of b's first byte.
func ptr(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

// cstr returns a NUL-terminated copy of s.
func cstr(s string) []byte { return append([]byte(s), 0) }

// forkWith calls clone(2) with flags; a child, if the filter let one
// through, exits at once.
func forkWith(flags uintptr) error {
	pid, _, errno := unix.RawSyscall6(unix.SYS_CLONE, flags|uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	if errno != 0 {
		return errno
	}
	if pid == 0 {
		unix.RawSyscall(unix.SYS_EXIT_GROUP, 0, 0, 0)
	}
	var ws unix.WaitStatus
	unix.Wait4(int(pid), &ws, 0, nil)
	return nil
}

var probeBuf = make([]byte, 4096)

// Negative constants as system call arguments.
var (
	atFDCWD        = asArg(unix.AT_FDCWD)
	sessionKeyring = asArg(unix.KEY_SPEC_SESSION_KEYRING)
)

// asArg converts a possibly negative int to a system call argument.
func asArg(n int) uintptr { return uintptr(n) }

// probes are the system calls a sandboxed shell never needs (seccomp.go)
// plus the ones capabilities refuse; the arguments are valid where a
// wrong one could hide the refusal behind another errno.
var probes = []probe{
	// tracing and other processes' memory
	{"ptrace-attach-init", unix.EPERM, func() error { return sys(unix.SYS_PTRACE, unix.PTRACE_ATTACH, 1) }},
	{"ptrace-traceme", unix.EPERM, func() error { return sys(unix.SYS_PTRACE, unix.PTRACE_TRACEME) }},
	{"process_vm_readv", unix.EPERM, func() error { return sys(unix.SYS_PROCESS_VM_READV, 1, 0, 0, 0, 0, 0) }},
	{"pidfd_getfd", unix.EPERM, func() error { return sys(unix.SYS_PIDFD_GETFD, 0, 0, 0) }},
	{"kcmp", unix.EPERM, func() error { return sys(unix.SYS_KCMP, 1, 1, 0, 0, 0) }},
	// eBPF and performance counters
	{"bpf", unix.EPERM, func() error { return sys(unix.SYS_BPF, unix.BPF_MAP_CREATE, ptr(probeBuf), 64) }},
	{"perf_event_open", unix.EPERM, func() error { return sys(unix.SYS_PERF_EVENT_OPEN, ptr(probeBuf), 0, ^uintptr(0), ^uintptr(0), 0) }},
	// kernel keyrings
	{"keyctl", unix.EPERM, func() error {
		return sys(unix.SYS_KEYCTL, unix.KEYCTL_GET_KEYRING_ID, sessionKeyring, 0)
	}},
	{"add_key", unix.EPERM, func() error {
		typ, desc := cstr("user"), cstr("bulkhead")
		return sys(unix.SYS_ADD_KEY, ptr(typ), ptr(desc), ptr(probeBuf), 1, sessionKeyring)
	}},
	{"request_key", unix.EPERM, func() error {
		typ, desc := cstr("user"), cstr("bulkhead")
		return sys(unix.SYS_REQUEST_KEY, ptr(typ), ptr(desc), 0, 0)
	}},
	// kernel modules and kexec
	{"init_module", unix.EPERM, func() error { return sys(unix.SYS_INIT_MODULE, ptr(probeBuf), 64, ptr(cstr(""))) }},
	{"finit_module", unix.EPERM, func() error { return sys(unix.SYS_FINIT_MODULE, 0, ptr(cstr("")), 0) }},
	{"delete_module", unix.EPERM, func() error { return sys(unix.SYS_DELETE_MODULE, ptr(cstr("ext4")), 0) }},
	{"kexec_load", unix.EPERM, func() error { return sys(unix.SYS_KEXEC_LOAD, 0, 0, 0, 0) }},
	{"kexec_file_load", unix.EPERM, func() error { return sys(unix.SYS_KEXEC_FILE_LOAD, 0, 0, 0, 0, 0) }},
	// mounts
	{"mount-tmpfs", unix.EPERM, func() error { return unix.Mount("none", "/tmp", "tmpfs", 0, "") }},
	{"mount-remount-usr-rw", unix.EPERM, func() error { return unix.Mount("", "/usr", "", unix.MS_REMOUNT|unix.MS_BIND, "") }},
	{"umount2-proc-sys", unix.EPERM, func() error { return unix.Unmount("/proc/sys", unix.MNT_DETACH) }},
	{"pivot_root", unix.EPERM, func() error { return unix.PivotRoot("/tmp", "/tmp") }},
	{"chroot", unix.EPERM, func() error { return unix.Chroot("/tmp") }},
	{"fsopen", unix.EPERM, func() error { return sys(unix.SYS_FSOPEN, ptr(cstr("tmpfs")), 0) }},
	{"open_tree", unix.EPERM, func() error { return sys(unix.SYS_OPEN_TREE, atFDCWD, ptr(cstr("/usr")), unix.OPEN_TREE_CLONE) }},
	{"move_mount", unix.EPERM, func() error { return sys(unix.SYS_MOVE_MOUNT, 0, 0, 0, 0, 0) }},
	{"mount_setattr", unix.EPERM, func() error { return sys(unix.SYS_MOUNT_SETATTR, 0, 0, 0, 0, 0) }},
	// namespaces
	{"unshare-user", unix.EPERM, func() error { return unix.Unshare(unix.CLONE_NEWUSER) }},
	{"unshare-net", unix.EPERM, func() error { return unix.Unshare(unix.CLONE_NEWNET) }},
	{"unshare-mount", unix.EPERM, func() error { return unix.Unshare(unix.CLONE_NEWNS) }},
	{"setns", unix.EPERM, func() error {
		f, err := os.Open("/proc/self/ns/uts")
		if err != nil {
			return err
		}
		defer f.Close()
		return unix.Setns(int(f.Fd()), 0)
	}},
	{"clone-newuser", unix.EPERM, func() error { return forkWith(unix.CLONE_NEWUSER) }},
	{"clone-newpid", unix.EPERM, func() error { return forkWith(unix.CLONE_NEWPID) }},
	{"clone3", unix.ENOSYS, func() error { return sys(unix.SYS_CLONE3, ptr(probeBuf), 88) }},
	// kernel attack surface
	{"userfaultfd", unix.EPERM, func() error { return sys(unix.SYS_USERFAULTFD, 0) }},
	{"io_uring_setup", unix.EPERM, func() error { return sys(unix.SYS_IO_URING_SETUP, 1, ptr(probeBuf)) }},
	{"open_by_handle_at", unix.EPERM, func() error { return sys(unix.SYS_OPEN_BY_HANDLE_AT, atFDCWD, ptr(probeBuf), 0) }},
	{"name_to_handle_at", unix.EPERM, func() error {
		return sys(unix.SYS_NAME_TO_HANDLE_AT, atFDCWD, ptr(cstr("/")), ptr(probeBuf), ptr(probeBuf[2048:]), 0)
	}},
	{"fanotify_init", unix.EPERM, func() error { return sys(unix.SYS_FANOTIFY_INIT, 0, 0) }},
	{"unknown-syscall-1000", unix.ENOSYS, func() error { return sys(1000) }},
	// machine administration and clocks
	{"acct", unix.EPERM, func() error { return sys(unix.SYS_ACCT, 0) }},
	{"swapon", unix.EPERM, func() error { return sys(unix.SYS_SWAPON, ptr(cstr(probeFile)), 0) }},
	{"swapoff", unix.EPERM, func() error { return sys(unix.SYS_SWAPOFF, ptr(cstr(probeFile))) }},
	{"reboot", unix.EPERM, func() error {
		return sys(unix.SYS_REBOOT, unix.LINUX_REBOOT_MAGIC1, unix.LINUX_REBOOT_MAGIC2, unix.LINUX_REBOOT_CMD_CAD_OFF, 0)
	}},
	{"syslog", unix.EPERM, func() error { return sys(unix.SYS_SYSLOG, 3, ptr(probeBuf), uintptr(len(probeBuf))) }},
	{"quotactl", unix.EPERM, func() error { return sys(unix.SYS_QUOTACTL, 0, 0, 0, 0) }},
	{"settimeofday", unix.EPERM, func() error {
		var tv unix.Timeval
		unix.Gettimeofday(&tv)
		return sys(unix.SYS_SETTIMEOFDAY, uintptr(unsafe.Pointer(&tv)), 0)
	}},
	{"clock_settime", unix.EPERM, func() error {
		var ts unix.Timespec
		unix.ClockGettime(unix.CLOCK_REALTIME, &ts)
		return sys(unix.SYS_CLOCK_SETTIME, unix.CLOCK_REALTIME, uintptr(unsafe.Pointer(&ts)))
	}},
	{"adjtimex", unix.EPERM, func() error { return sys(unix.SYS_ADJTIMEX, ptr(probeBuf)) }},
	{"sethostname", unix.EPERM, func() error { return unix.Sethostname([]byte("escaped")) }},
	{"setdomainname", unix.EPERM, func() error { return unix.Setdomainname([]byte("escaped")) }},
	{"iopl", unix.EPERM, func() error { return sys(unix.SYS_IOPL, 3) }},
	{"ioperm", unix.EPERM, func() error { return sys(unix.SYS_IOPERM, 0x80, 1, 1) }},
	{"modify_ldt", unix.EPERM, func() error { return sys(unix.SYS_MODIFY_LDT, 0, ptr(probeBuf), 16) }},
	// sockets and terminals
	{"socket-vsock", unix.EAFNOSUPPORT, func() error { return sys(unix.SYS_SOCKET, unix.AF_VSOCK, unix.SOCK_STREAM, 0) }},
	{"socket-packet", unix.EAFNOSUPPORT, func() error { return sys(unix.SYS_SOCKET, unix.AF_PACKET, unix.SOCK_RAW, 0) }},
	{"socket-bluetooth", unix.EAFNOSUPPORT, func() error { return sys(unix.SYS_SOCKET, unix.AF_BLUETOOTH, unix.SOCK_STREAM, 0) }},
	{"ioctl-tiocsti", unix.EPERM, func() error { return sys(unix.SYS_IOCTL, 0, unix.TIOCSTI, ptr(probeBuf)) }},
	{"ioctl-tiocsti-high-bits", unix.EPERM, func() error { return sys(unix.SYS_IOCTL, 0, 1<<40|unix.TIOCSTI, ptr(probeBuf)) }},
	// set-user-ID and set-group-ID files through the idmapped workspace
	{"chmod-setuid", unix.EPERM, func() error { return sys(unix.SYS_CHMOD, ptr(cstr(probeFile)), 0o4755) }},
	{"fchmodat-setgid", unix.EPERM, func() error {
		return sys(unix.SYS_FCHMODAT, atFDCWD, ptr(cstr(probeFile)), 0o2755, 0)
	}},
	{"openat-create-setuid", unix.EPERM, func() error {
		return sys(unix.SYS_OPENAT, atFDCWD, ptr(cstr("/workspace/suid")), unix.O_CREAT|unix.O_WRONLY, 0o4755)
	}},
	{"mknodat-setuid", unix.EPERM, func() error {
		return sys(unix.SYS_MKNODAT, atFDCWD, ptr(cstr("/workspace/suid2")), unix.S_IFREG|0o4755, 0)
	}},
	{"openat2", unix.ENOSYS, func() error { return sys(unix.SYS_OPENAT2, atFDCWD, ptr(cstr(probeFile)), ptr(probeBuf), 24) }},
	// refused by missing capabilities rather than the filter
	{"mknod-block-device", unix.EPERM, func() error { return unix.Mknod("/tmp/sda", unix.S_IFBLK|0o600, int(unix.Mkdev(8, 0))) }},
	{"setuid-other-user", unix.EINVAL, func() error { return syscall.Setuid(1000) }},
	{"write-proc-sys", unix.EROFS, func() error { return os.WriteFile("/proc/sys/kernel/hostname", []byte("escaped"), 0) }},
}
