package nsjail

import (
	"encoding/binary"
	"testing"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// seccompData builds struct seccomp_data (see seccomp(2)) for x/net/bpf's
// virtual machine, whose loads are big-endian: each 32-bit word the filter
// loads is stored big-endian at the offset the little-endian kernel layout
// gives it, so the machine sees the values the kernel would.
func seccompData(archID uint32, nr uint32, args ...uint64) []byte {
	b := make([]byte, 64)
	binary.BigEndian.PutUint32(b[0:], nr)
	binary.BigEndian.PutUint32(b[4:], archID)
	for i, a := range args {
		off := 16 + 8*i
		binary.BigEndian.PutUint32(b[off:], uint32(a))       // low half first, as on x86-64
		binary.BigEndian.PutUint32(b[off+4:], uint32(a>>32)) // then the high half
	}
	return b
}

// filterVerdict runs the x86-64 filter on one call.
func filterVerdict(t *testing.T, vm *bpf.VM, archID, nr uint32, args ...uint64) uint32 {
	t.Helper()
	v, err := vm.Run(seccompData(archID, nr, args...))
	if err != nil {
		t.Fatalf("filter run: %v", err)
	}
	return uint32(v)
}

func TestSeccompFilterDecisions(t *testing.T) {
	info := arch.X86_64
	insts, err := assembleFilter()
	if err != nil {
		t.Fatal(err)
	}
	vm, err := bpf.NewVM(insts)
	if err != nil {
		t.Fatal(err)
	}
	nr := func(name string) uint32 {
		n, ok := info.SyscallNames[name]
		if !ok {
			t.Fatalf("no syscall %q", name)
		}
		return uint32(n)
	}
	var (
		allow       = uint32(seccomp.ActionAllow)
		kill        = uint32(seccomp.ActionKillProcess)
		eperm       = uint32(errAction(unix.EPERM))
		enosys      = uint32(errAction(unix.ENOSYS))
		eafnosupp   = uint32(errAction(unix.EAFNOSUPPORT))
		x86         = uint32(info.ID)
		threadFlags = uint64(unix.CLONE_VM | unix.CLONE_FS | unix.CLONE_FILES | unix.CLONE_SIGHAND | unix.CLONE_THREAD | unix.CLONE_SYSVSEM)
	)
	tests := []struct {
		name string
		arch uint32
		nr   uint32
		args []uint64
		want uint32
	}{
		{"i386 ABI", uint32(arch.I386.ID), 20, nil, kill},
		{"arm64 on x86-64", uint32(arch.AARCH64.ID), 172, nil, kill},
		{"x32 ABI", x86, uint32(arch.X32.SeccompMask) | 39, nil, kill},
		{"unknown future syscall", x86, 1000, nil, enosys},
		{"read", x86, nr("read"), nil, allow},
		{"write", x86, nr("write"), nil, allow},
		{"execve", x86, nr("execve"), nil, allow},
		{"clone of a thread", x86, nr("clone"), []uint64{threadFlags}, allow},
		{"fork via clone", x86, nr("clone"), []uint64{uint64(unix.SIGCHLD)}, allow},
		{"clone into a user namespace", x86, nr("clone"), []uint64{unix.CLONE_NEWUSER | uint64(unix.SIGCHLD)}, eperm},
		{"clone into a network namespace", x86, nr("clone"), []uint64{unix.CLONE_NEWNET}, eperm},
		{"clone into a mount namespace", x86, nr("clone"), []uint64{unix.CLONE_NEWNS}, eperm},
		{"clone3", x86, nr("clone3"), nil, enosys},
		{"openat2", x86, nr("openat2"), nil, enosys},
		{"chmod 0755", x86, nr("chmod"), []uint64{0, 0o755}, allow},
		{"chmod u+s", x86, nr("chmod"), []uint64{0, 0o4755}, eperm},
		{"fchmod g+s", x86, nr("fchmod"), []uint64{3, 0o2755}, eperm},
		{"fchmodat u+s", x86, nr("fchmodat"), []uint64{0, 0, 0o4700}, eperm},
		{"fchmodat2 u+s", x86, nr("fchmodat2"), []uint64{0, 0, 0o4700, 0}, eperm},
		{"openat creating 0644", x86, nr("openat"), []uint64{0, 0, unix.O_CREAT, 0o644}, allow},
		{"openat creating setuid", x86, nr("openat"), []uint64{0, 0, unix.O_CREAT, 0o4755}, eperm},
		{"creat setgid", x86, nr("creat"), []uint64{0, 0o2755}, eperm},
		{"mknodat setuid", x86, nr("mknodat"), []uint64{0, 0, unix.S_IFREG | 0o4755, 0}, eperm},
		{"socket AF_INET", x86, nr("socket"), []uint64{unix.AF_INET}, allow},
		{"socket AF_UNIX", x86, nr("socket"), []uint64{unix.AF_UNIX}, allow},
		{"socket AF_NETLINK", x86, nr("socket"), []uint64{unix.AF_NETLINK}, allow},
		{"socket AF_VSOCK", x86, nr("socket"), []uint64{unix.AF_VSOCK}, eafnosupp},
		{"socket AF_PACKET", x86, nr("socket"), []uint64{unix.AF_PACKET}, eafnosupp},
		{"socket AF_INET with garbage high bits", x86, nr("socket"), []uint64{1<<32 | unix.AF_INET}, eafnosupp},
		{"ioctl TCGETS", x86, nr("ioctl"), []uint64{0, unix.TCGETS}, allow},
		{"ioctl TIOCSTI", x86, nr("ioctl"), []uint64{0, unix.TIOCSTI}, eperm},
		{"ioctl TIOCSTI with high bits", x86, nr("ioctl"), []uint64{0, 0xdead0000_00000000 | unix.TIOCSTI}, eperm},
		{"ioctl TIOCLINUX", x86, nr("ioctl"), []uint64{0, unix.TIOCLINUX}, eperm},
	}
	for _, name := range deniedSyscalls {
		if n, ok := info.SyscallNames[name]; ok {
			tests = append(tests, struct {
				name string
				arch uint32
				nr   uint32
				args []uint64
				want uint32
			}{name, x86, uint32(n), nil, eperm})
		}
	}
	for _, tc := range tests {
		if got := filterVerdict(t, vm, tc.arch, tc.nr, tc.args...); got != tc.want {
			t.Errorf("%s: verdict %#x, want %#x", tc.name, got, tc.want)
		}
	}
}

func TestSeccompProgramEncoding(t *testing.T) {
	prog, err := seccompProgram()
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) == 0 || len(prog)%8 != 0 || len(prog)/8 > unix.BPF_MAXINSNS {
		t.Fatalf("program is %d bytes, want whole sock_filter records", len(prog))
	}
	// The first instruction loads the architecture: BPF_LD|BPF_W|BPF_ABS
	// of offset 4.
	if code, k := binary.LittleEndian.Uint16(prog[0:]), binary.LittleEndian.Uint32(prog[4:]); code != unix.BPF_LD|unix.BPF_W|unix.BPF_ABS || k != 4 {
		t.Errorf("first instruction code %#x k %d, want a load of seccomp_data.arch", code, k)
	}
}
