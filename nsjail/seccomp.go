package nsjail

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// The seccomp filter (see seccomp(2)) is a deny list: a sandboxed shell
// runs arbitrary programs, so the default is to allow, and what it never
// needs is refused. It has two parts:
//
//   - a prelude assembled here, which kills the process for a foreign
//     architecture (the i386 ABI through int 0x80) or the x32 ABI, answers
//     ENOSYS for syscall numbers above the highest one this filter knows
//     (calls added to later kernels are refused until reviewed), and
//     refuses the terminal ioctls TIOCSTI and TIOCLINUX comparing only the
//     low 32 bits of the command, as the kernel does;
//   - the deny rules below, assembled by github.com/elastic/go-seccomp-bpf.
//
// Syscall names absent from the running architecture's table (creat, open,
// chmod … on arm64) are left out.

// errAction returns the filter action that fails a call with errno.
func errAction(errno unix.Errno) seccomp.Action {
	return seccomp.ActionErrno | seccomp.Action(errno)
}

// deniedSyscalls fail with EPERM whatever their arguments.
var deniedSyscalls = []string{
	// kernel modules and kexec
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	// eBPF and performance counters
	"bpf", "perf_event_open",
	// tracing and memory of other processes
	"ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "process_mrelease", "pidfd_getfd", "kcmp",
	// kernel keyrings
	"keyctl", "add_key", "request_key",
	// mounts and namespaces, after setup
	"mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
	"open_tree", "open_tree_attr", "move_mount", "mount_setattr", "unshare", "setns",
	// kernel attack surface a shell does not use
	"userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"open_by_handle_at", "name_to_handle_at", "fanotify_init", "modify_ldt", "iopl", "ioperm",
	// machine administration
	"acct", "swapon", "swapoff", "reboot", "syslog", "quotactl", "quotactl_fd", "vhangup",
	"nfsservctl", "uselib", "lookup_dcookie", "sethostname", "setdomainname",
	// clocks
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
}

// enosysSyscalls fail with ENOSYS, so C libraries fall back to a call
// whose arguments the filter can inspect: clone3 takes its flags in a
// struct (glibc retries with clone), openat2 its mode (callers retry with
// openat).
var enosysSyscalls = []string{"clone3", "openat2"}

// namespaceCloneFlags are the clone(2) flags that create namespaces.
const namespaceCloneFlags = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS |
	unix.CLONE_NEWIPC | unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET

// setIDModeBits are S_ISUID and S_ISGID: with root's files stored as host
// root through the idmapped workspace, a set-user-ID file the jail made
// there would be set-user-ID root on the host.
const setIDModeBits = unix.S_ISUID | unix.S_ISGID

// modeArgs are the calls that set a file mode, with the index of the mode
// argument; those with S_ISUID or S_ISGID in it fail with EPERM.
var modeArgs = []struct {
	name string
	arg  uint32
}{
	{"chmod", 1}, {"fchmod", 1}, {"fchmodat", 2}, {"fchmodat2", 2},
	{"open", 2}, {"openat", 3}, {"creat", 1}, {"mknod", 1}, {"mknodat", 2},
}

// allowedFamilies are the socket(2) address families the jail may use:
// AF_UNIX, AF_INET, AF_INET6, AF_NETLINK (for ip(8) and getifaddrs(3)).
// Others fail with EAFNOSUPPORT; AF_VSOCK in particular would reach the
// hypervisor, which no network namespace separates.
var allowedFamilies = []uint64{unix.AF_UNIX, unix.AF_INET, unix.AF_INET6, unix.AF_NETLINK}

// deniedIoctls are terminal ioctls refused with EPERM: TIOCSTI pushes
// input into a terminal (the classic sandbox escape through an inherited
// tty), TIOCLINUX can do the same on a virtual console.
var deniedIoctls = []uint32{unix.TIOCSTI, unix.TIOCLINUX}

// seccompProgram is the assembled filter, built once per process.
var seccompProgram = sync.OnceValues(func() ([]byte, error) {
	insts, err := assembleFilter()
	if err != nil {
		return nil, err
	}
	return encodeFilter(insts)
})

// seccompPolicy returns the deny rules for the architecture.
func seccompPolicy(info *arch.Info) seccomp.Policy {
	known := func(names []string) []string {
		return slices.DeleteFunc(slices.Clone(names), func(n string) bool {
			_, ok := info.SyscallNames[n]
			return !ok
		})
	}
	var modeRules []seccomp.NameWithConditions
	for _, m := range modeArgs {
		if _, ok := info.SyscallNames[m.name]; ok {
			modeRules = append(modeRules, seccomp.NameWithConditions{
				Name:       m.name,
				Conditions: []seccomp.Condition{{Argument: m.arg, Operation: seccomp.BitsSet, Value: setIDModeBits}},
			})
		}
	}
	var family []seccomp.Condition
	for _, f := range allowedFamilies {
		family = append(family, seccomp.Condition{Argument: 0, Operation: seccomp.NotEqual, Value: f})
	}
	return seccomp.Policy{
		DefaultAction: seccomp.ActionAllow,
		Syscalls: []seccomp.SyscallGroup{
			{Names: known(deniedSyscalls), Action: errAction(unix.EPERM)},
			{Names: known(enosysSyscalls), Action: errAction(unix.ENOSYS)},
			{NamesWithCondtions: []seccomp.NameWithConditions{{
				Name:       "clone",
				Conditions: []seccomp.Condition{{Argument: cloneFlagsArg(), Operation: seccomp.BitsSet, Value: namespaceCloneFlags}},
			}}, Action: errAction(unix.EPERM)},
			{NamesWithCondtions: modeRules, Action: errAction(unix.EPERM)},
			{NamesWithCondtions: []seccomp.NameWithConditions{{Name: "socket", Conditions: family}}, Action: errAction(unix.EAFNOSUPPORT)},
		},
	}
}

// cloneFlagsArg is the index of clone(2)'s flags argument: the second on
// s390x, the first elsewhere.
func cloneFlagsArg() uint32 {
	if runtime.GOARCH == "s390x" {
		return 1
	}
	return 0
}

// Offsets in struct seccomp_data (see seccomp(2)).
const (
	dataNr   = 0
	dataArch = 4
	dataArgs = 16
)

// assembleFilter returns the prelude followed by the policy's program for
// the running architecture (the library assembles its rules for that one).
func assembleFilter() ([]bpf.Instruction, error) {
	info, err := arch.GetInfo("")
	if err != nil {
		return nil, err
	}
	policy := seccompPolicy(info)
	rules, err := policy.Assemble()
	if err != nil {
		return nil, fmt.Errorf("assemble seccomp policy: %w", err)
	}
	return append(prelude(info), rules...), nil
}

// prelude returns the architecture, x32, syscall range and ioctl checks;
// calls it does not decide fall through to the instruction after it.
func prelude(info *arch.Info) []bpf.Instruction {
	maxNr := uint32(0)
	for nr := range info.SyscallNumbers {
		maxNr = max(maxNr, uint32(nr))
	}
	var a bpfAsm
	a.add(bpf.LoadAbsolute{Off: dataArch, Size: 4})
	a.jump(bpf.JumpEqual, uint32(info.ID), "", "kill")
	a.add(bpf.LoadAbsolute{Off: dataNr, Size: 4})
	if info.ID == arch.X86_64.ID {
		a.jump(bpf.JumpGreaterOrEqual, uint32(arch.X32.SeccompMask), "kill", "")
	}
	a.jump(bpf.JumpGreaterThan, maxNr, "enosys", "")
	a.jump(bpf.JumpEqual, uint32(info.SyscallNames["ioctl"]), "", "next")
	a.add(bpf.LoadAbsolute{Off: argLow32(1), Size: 4})
	for i, cmd := range deniedIoctls {
		onFalse := ""
		if i == len(deniedIoctls)-1 {
			onFalse = "next"
		}
		a.jump(bpf.JumpEqual, cmd, "eperm", onFalse)
	}
	a.label("kill")
	a.add(bpf.RetConstant{Val: uint32(seccomp.ActionKillProcess)})
	a.label("enosys")
	a.add(bpf.RetConstant{Val: uint32(errAction(unix.ENOSYS))})
	a.label("eperm")
	a.add(bpf.RetConstant{Val: uint32(errAction(unix.EPERM))})
	a.label("next")
	return a.resolve()
}

// argLow32 is the offset of the low 32 bits of argument n in seccomp_data.
func argLow32(n uint32) uint32 {
	off := uint32(dataArgs) + 8*n
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		off += 4 // big endian: the low half comes second
	}
	return off
}

// bpfAsm assembles a short forward-only classic BPF program with named
// jump targets ("" is the next instruction).
type bpfAsm struct {
	insts  []bpf.Instruction
	fixups []bpfFixup
	labels map[string]int
}

type bpfFixup struct {
	at              int
	onTrue, onFalse string
}

func (a *bpfAsm) add(i bpf.Instruction) { a.insts = append(a.insts, i) }

func (a *bpfAsm) jump(cond bpf.JumpTest, val uint32, onTrue, onFalse string) {
	a.fixups = append(a.fixups, bpfFixup{at: len(a.insts), onTrue: onTrue, onFalse: onFalse})
	a.add(bpf.JumpIf{Cond: cond, Val: val})
}

func (a *bpfAsm) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.insts)
}

// resolve fills in the jump offsets; every target follows its jump.
func (a *bpfAsm) resolve() []bpf.Instruction {
	skip := func(at int, label string) uint8 {
		if label == "" {
			return 0
		}
		return uint8(a.labels[label] - at - 1)
	}
	for _, f := range a.fixups {
		j := a.insts[f.at].(bpf.JumpIf)
		j.SkipTrue, j.SkipFalse = skip(f.at, f.onTrue), skip(f.at, f.onFalse)
		a.insts[f.at] = j
	}
	return a.insts
}

// encodeFilter assembles insts into struct sock_filter records in the
// init stage's encoding (stage.SockFilterSize bytes each, little-endian).
func encodeFilter(insts []bpf.Instruction) ([]byte, error) {
	raw, err := bpf.Assemble(insts)
	if err != nil {
		return nil, fmt.Errorf("assemble seccomp filter: %w", err)
	}
	if len(raw) > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("seccomp filter has %d instructions, more than %d", len(raw), unix.BPF_MAXINSNS)
	}
	out := make([]byte, 0, stage.SockFilterSize*len(raw))
	for _, r := range raw {
		out = binary.LittleEndian.AppendUint16(out, r.Op)
		out = append(out, r.Jt, r.Jf)
		out = binary.LittleEndian.AppendUint32(out, r.K)
	}
	return out, nil
}
