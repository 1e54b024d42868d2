package nsjail

import (
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
)

// Result is the outcome of a command that ran in the jail.
type Result struct {
	// ExitCode is the command's exit status (0-255), or -1 when it was
	// killed by a signal or by the timeout (as os.ProcessState.ExitCode).
	ExitCode int
	// Signal is the name of the signal that killed the command ("SIGKILL",
	// "SIGSEGV", …), or "" when it exited. A timeout reports "SIGKILL".
	Signal string
	// TimedOut is true when Config.Timeout expired and the jail was killed.
	TimedOut bool
	// OOMKilled is true when the kernel killed a process of the jail for
	// exceeding Config.Memory (the command itself or any of its children;
	// ExitCode and Signal tell what the command saw).
	OOMKilled bool
	// Stdout and Stderr are the captured streams, each at most
	// Config.OutputLimit bytes plus, when truncated, the notice
	// "\n[output truncated: N bytes omitted]\n". They are empty when
	// Config.Stdout or Config.Stderr received the stream instead.
	Stdout, Stderr []byte
	// StdoutTruncated and StderrTruncated report that output was omitted.
	StdoutTruncated, StderrTruncated bool
	// Duration is the wall-clock time from clone to the reaping of the jail.
	Duration time.Duration
	// Usage is the jail's resource usage.
	Usage Usage

	// steps and hostSteps are the init stage's setup step durations and
	// the host's phase durations, for benchmarks.
	steps, hostSteps []stage.StepTime
}

// Where Usage.CPUTime comes from (Usage.CPUTimeSource).
const (
	// CPUSourceCgroup: the CPU counter of the jail's cgroup.
	CPUSourceCgroup = "cgroup"
	// CPUSourceRusage: the jail has no cgroup CPU counter, and CPUTime is
	// UserTime + SystemTime.
	CPUSourceRusage = "rusage"
)

// Usage is the resource usage of a jail.
type Usage struct {
	// UserTime and SystemTime are the CPU time of every process of the jail
	// (getrusage(2) of the init stage, which reaps them all). When the jail
	// is killed (timeout, cancelled context), the kernel reaps the
	// processes still running without adding up their figures (see
	// zap_pid_ns_processes in kernel/pid_namespace.c), and these miss
	// them; CPUTime does not.
	UserTime, SystemTime time.Duration
	// CPUTime is the CPU time, user and system, of the jail's processes as
	// the jail's cgroup counted it: cgroup v2 cpu.stat usage_usec, cgroup
	// v1 cpuacct.usage (see the kernel's Documentation/admin-guide/
	// cgroup-v2.rst and cgroup-v1/cpuacct.rst). It is the figure to
	// account and bill, read once every process of the jail is gone.
	//
	// # Notes
	//
	//   - CPUTimeSource says where it came from. It is CPUSourceRusage,
	//     and CPUTime is UserTime + SystemTime, when the jail has no
	//     cgroup CPU counter: Config.Cgroup "none", or a cgroup v1 host
	//     without a cpuacct hierarchy.
	//   - With cgroup v1 only the init stage's main thread joins the leaf
	//     (stage/cgroup.go), so the init stage's idle runtime threads are
	//     left out; with cgroup v2 the whole init stage is counted, as
	//     in UserTime and SystemTime.
	CPUTime       time.Duration
	CPUTimeSource string
	// MaxRSS is the largest resident set of any single process, in bytes
	// (from rusage, as UserTime).
	MaxRSS int64
	// MemoryPeak is the jail's cgroup's peak memory use in bytes (cgroup
	// v1 memory.max_usage_in_bytes, v2 memory.peak), 0 when the kernel does
	// not report it.
	MemoryPeak int64
	// WriteBytes is the number of bytes the jail's processes caused to be
	// written to storage: the write_bytes of proc_pid_io(5), which the
	// kernel adds up from every process of the jail into the init stage's
	// rusage (ru_oublock, in 512-byte units) as they are reaped. As
	// UserTime, it misses the processes still running when the jail is
	// killed (timeout, cancelled context).
	//
	// # Notes
	//
	//   - A write counts when it dirties a page of a file (or submits a
	//     direct I/O), not when the page reaches the disk: a file written
	//     then deleted before writeback still counts (cancelled_write_bytes
	//     is not subtracted), and a page written twice before writeback
	//     counts once.
	//   - Only files backed by storage count: the Workspace, Home, TmpDir
	//     and writable Binds. Pipes, sockets, the tmpfs /tmp and /dev/shm
	//     and /proc do not.
	//   - It is 0 when the kernel lacks task I/O accounting
	//     (CONFIG_TASK_IO_ACCOUNTING; /proc/self/io is then missing).
	WriteBytes int64
}
