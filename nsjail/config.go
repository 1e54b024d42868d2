package nsjail

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"regexp"
	"sync"
	"time"
)

// Defaults applied to zero fields of [Config]. The bash tool of package
// runtime and `bulkhead sandbox exec` leave these fields zero, so both run
// the same jail.
const (
	// DefaultHostname is the jail's hostname.
	DefaultHostname = "bulkhead"
	// DefaultTimeout is the wall-clock limit of one call.
	DefaultTimeout = 120 * time.Second
	// DefaultOutputLimit is the number of bytes kept per stream (stdout and
	// stderr each).
	DefaultOutputLimit int64 = 10 << 20
	// DefaultTmpSize is the size limit in bytes of the /tmp tmpfs (when
	// Config.TmpDir is empty) and, up to MaxShmSize, of /dev/shm: enough
	// for a build's temporary files. Its pages are memory, charged to the
	// jail's memory cgroup.
	DefaultTmpSize int64 = 1 << 30
	// DefaultMemory is the memory limit in bytes of the whole jail (every
	// process, page cache and kernel memory charged to its cgroup); swap
	// is not allowed on top.
	DefaultMemory int64 = 512 << 20
	// DefaultPids is the limit on processes and threads in the jail,
	// the init stage's included.
	DefaultPids = 256
	// DefaultCPU is the CPU limit in cores (CPU time per wall-clock time).
	DefaultCPU = 1.0
	// DefaultOpenFiles is RLIMIT_NOFILE of the command.
	DefaultOpenFiles = 1024
	// DefaultFileSize is RLIMIT_FSIZE of the command: the largest file in
	// bytes it may write.
	DefaultFileSize int64 = 1 << 30
)

// Bounds of [Config] fields beyond "not negative".
const (
	// MinMemory is the smallest memory limit: the init stage and a shell
	// need a few MiB each.
	MinMemory int64 = 16 << 20
	// MinPids is the smallest pids limit: the init stage's threads and a
	// shell.
	MinPids = 16
	// MaxCPU is the largest CPU limit in cores.
	MaxCPU = 1024
	// MaxOpenFiles is the largest RLIMIT_NOFILE (the kernel's default
	// fs.nr_open).
	MaxOpenFiles = 1 << 20
	// MaxBinds is the largest number of caller bind mounts.
	MaxBinds = 32
	// MaxShmSize caps the size of /dev/shm in bytes, whatever TmpSize
	// is: POSIX shared memory and semaphores need little.
	MaxShmSize int64 = 64 << 20
)

// Network selects the jail's network namespace setup.
type Network string

const (
	// NetworkLoopback (the default) brings the jail's own loopback
	// interface up: 127.0.0.1 and ::1 reach servers inside the same jail,
	// nothing else is reachable.
	NetworkLoopback Network = "loopback"
	// NetworkNone leaves the jail's network namespace without any usable
	// interface.
	NetworkNone Network = "none"
)

// CgroupMode selects the cgroup hierarchy that enforces memory, pids and
// CPU limits.
type CgroupMode string

const (
	// CgroupAuto (the default) uses, as root, cgroup v2 when its hierarchy
	// has the memory, pids and cpu controllers, else cgroup v1 when each
	// of them is mounted as a v1 hierarchy; as an ordinary user, the
	// delegated cgroup v2 subtree the process runs in (see doc.go), and
	// refuses when there is none.
	CgroupAuto CgroupMode = "auto"
	// CgroupV2 requires cgroup v2.
	CgroupV2 CgroupMode = "v2"
	// CgroupV1 requires cgroup v1 (root only).
	CgroupV1 CgroupMode = "v1"
	// CgroupNone runs the jail without a cgroup: no memory, pids or CPU
	// limit, no OOM report and no memory peak; only the rlimits (including
	// RLIMIT_NPROC = Pids), the timeout and the tmpfs sizes bound it. It
	// is an explicit opt-out for hosts where an ordinary user has no
	// delegated cgroup; a caller that sets it should say so to its user.
	CgroupNone CgroupMode = "none"
)

// ErrInvalidConfig is wrapped by every error [Config.Validate] returns.
var ErrInvalidConfig = errors.New("nsjail: invalid config")

// Config describes one jailed call. The zero value of every field except
// Workspace is valid and means the documented default. A Config is not
// modified by [Run] and may be reused for many calls.
type Config struct {
	// Workspace is the absolute host path of an existing directory, bound
	// read-write, nosuid and nodev at /workspace and used as the working
	// directory. Its symlinks are resolved on the host first. It must not
	// lie under /proc, /sys, /dev, /boot or /run, and must not contain a
	// protected path (see Binds), so "/", "/etc" or a ProtectedPaths entry
	// are refused. Files in it keep their host owners: host root's files
	// appear as owned by root inside, and the jail's files belong to host
	// root (an idmapped mount, see doc.go).
	Workspace string

	// WorkspaceReadOnly mounts Workspace read-only; it stays the working
	// directory. Native skills that may only read the workspace's files
	// get it, and skills that may see none get an empty directory this
	// way.
	WorkspaceReadOnly bool

	// Home is the absolute host path of an existing directory bound
	// read-write at /root (HomeDir), the command's HOME and root's home in
	// /etc/passwd, so that tool caches and dotfiles (Go's build and module
	// caches, pip, npm, cargo) last across calls. It is checked like
	// Workspace, with the same owner rules, and must not lie in the
	// workspace or contain it. Empty means HOME is the private /tmp, gone
	// after the call.
	Home string

	// TmpDir, when set, is the absolute host path of an existing
	// directory under which each call gets a fresh directory, bound
	// read-write at /tmp and removed when the call ends (one a crashed
	// process left is removed by the next process that uses TmpDir). It
	// is checked like Workspace and must not lie in the workspace or the
	// home or contain them. /tmp is then on disk, bounded by that
	// filesystem's free space or quota (see package quota), not by TmpSize
	// nor charged to the jail's memory. Empty means /tmp is a tmpfs of
	// TmpSize bytes.
	TmpDir string

	// Binds are extra host paths mounted in the jail, at most MaxBinds.
	// Each Source must exist, must not itself be a symlink, and must
	// resolve outside every protected path and not be an ancestor of one:
	// /proc, /sys, /dev, /boot, /root, /home, /run, /var/run,
	// /etc/shadow, /etc/gshadow, /etc/sudoers, /etc/sudoers.d, /etc/ssh,
	// container runtime state (/var/lib/docker, /var/lib/containerd,
	// /var/lib/containers) and ProtectedPaths (except read-only binds of
	// the directories named in ExposeReadOnly). Each Target must be a
	// clean absolute path without "..", outside the jail's own directories
	// (/proc, /dev, /etc, /usr, /bin, /sbin, /lib*, /tmp, /workspace,
	// /root) and not inside another bind's target. The one exception is a
	// read-only bind over a directory or file that exists, without a
	// symlink on its path, in the host's /usr (which the jail mounts
	// read-only): a toolchain such as /usr/local/go.
	Binds []Bind

	// ProtectedPaths are host paths added to the built-in protected list
	// (see Binds); each must be absolute. The caller names its own state
	// here (package runtime passes its state directory and compilation
	// cache): this package reads no bulkhead environment variable.
	ProtectedPaths []string

	// ExposeReadOnly are directories that Binds may mount read-only even
	// though they lie under a protected path: package runtime names each
	// skill folder of its catalog (<stateDir>/skills/<id>), mounted at
	// /skills/<id> while the state directory stays protected. Each must be
	// absolute. A bind is exempt only when it is read-only and its source,
	// resolved, is exactly one of these directories, resolved; it is then
	// held to the rules of Workspace instead: not the host root, not under
	// /proc, /sys, /dev, /boot or /run, and not containing any protected
	// path.
	ExposeReadOnly []string

	// Env holds extra environment variables (name → value) added to the
	// fixed allowlisted environment (see env.go). Names must match
	// ^[A-Za-z_][A-Za-z0-9_]*$ (at most 128 bytes), must not name a loader,
	// shell or interpreter hook (LD_*, BASH_ENV, ENV, NODE_OPTIONS,
	// PYTHON*, PERL5OPT, …) and must not be PATH or HOME. Values must not
	// contain NUL and are at most 64 KiB; at most 128 variables.
	Env map[string]string

	// Hostname is the jail's hostname, an RFC 1123 host name of at most 64
	// bytes. Empty means DefaultHostname.
	Hostname string

	// Network selects the network setup; empty means NetworkLoopback.
	Network Network

	// Egress, when set, is the jail's only way out: the init stage listens
	// on the jail's 127.0.0.1:EgressPort once loopback is up and hands the
	// listening socket to the host, where Egress serves it (an HTTP proxy,
	// such as package egress's) until the jail ends. The command's proxy
	// variables (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, their lower-case
	// forms, NO_PROXY) point at it; a program that ignores them has no
	// network, nor DNS. Nil: loopback only. It needs NetworkLoopback.
	Egress func(ctx context.Context, l net.Listener) `json:"-"`

	// EgressCA is a PEM certificate the jail's programs trust besides the
	// host's CAs (the egress proxy's, for the hosts it intercepts): it is
	// written into the jail's /etc/ssl/bulkhead with a bundle of the host's
	// CAs and it, named by SSL_CERT_FILE, CURL_CA_BUNDLE,
	// REQUESTS_CA_BUNDLE, GIT_SSL_CAINFO and NODE_EXTRA_CA_CERTS. It is a
	// public certificate: never a key.
	EgressCA []byte

	// Timeout is the wall-clock limit of the call, counted from the start of
	// the jail. When it expires the whole process tree is killed and
	// Result.TimedOut is set. Zero means DefaultTimeout.
	Timeout time.Duration

	// OutputLimit is the number of bytes kept (or streamed, see Stdout) of
	// each of stdout and stderr. Output beyond it is read and discarded, so
	// the command never blocks on a full pipe, and a notice is appended
	// (see Result). Zero means DefaultOutputLimit.
	OutputLimit int64

	// TmpSize is the size limit in bytes of the private /tmp tmpfs (when
	// TmpDir is empty) and of /dev/shm (at most MaxShmSize). A tmpfs's
	// pages count against Memory. Zero means DefaultTmpSize.
	TmpSize int64

	// Memory is the memory limit in bytes of the whole jail, at least
	// MinMemory; swap is not allowed on top. A process the kernel kills
	// for it sets Result.OOMKilled. Zero means DefaultMemory.
	Memory int64

	// Pids is the limit on processes and threads in the jail, at least
	// MinPids. Zero means DefaultPids. RLIMIT_NPROC is set to the same
	// number as a second line.
	Pids int

	// CPU is the CPU limit in cores, in (0, MaxCPU]; 0.5 means half of one
	// CPU's time. Zero means DefaultCPU.
	CPU float64

	// OpenFiles is RLIMIT_NOFILE, at most MaxOpenFiles. Zero means
	// DefaultOpenFiles.
	OpenFiles int

	// FileSize is RLIMIT_FSIZE in bytes. Zero means DefaultFileSize.
	FileSize int64

	// Cgroup selects the cgroup hierarchy; empty means CgroupAuto.
	Cgroup CgroupMode

	// Stdin is the command's standard input; nil means /dev/null. An
	// *os.File is passed to the command directly; any other reader is copied
	// through a pipe.
	Stdin io.Reader

	// Stdout and Stderr, when set, receive the command's output as it is
	// produced (at most OutputLimit bytes each, then the truncation notice)
	// instead of Result.Stdout and Result.Stderr.
	Stdout, Stderr io.Writer
}

// Bind is a host path mounted in the jail (see Config.Binds).
type Bind struct {
	// Source is the absolute host path of a directory or file.
	Source string
	// Target is the absolute path in the jail.
	Target string
	// ReadOnly makes the mount read-only; it is nosuid and nodev always.
	ReadOnly bool
}

// hostnamePattern is an RFC 1123 host name: dot-separated labels of letters,
// digits and inner hyphens, each 1-63 bytes.
var hostnamePattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)
})

// maxHostname is HOST_NAME_MAX on Linux (see sethostname(2)).
const maxHostname = 64

// Validate reports whether c can be used for [Run], without creating any
// namespace: the workspace and binds (see Config.Binds), the environment,
// the hostname, the enumerations and every limit. Every error wraps
// [ErrInvalidConfig] and names the offending field.
func (c Config) Validate() error {
	_, err := c.validate()
	return err
}

// validate is Validate returning the resolved mounts, the workspace first.
func (c Config) validate() ([]resolvedMount, error) {
	mounts, err := c.resolveMounts()
	if err != nil {
		return nil, err
	}
	if err := c.validateFields(); err != nil {
		return nil, err
	}
	return mounts, nil
}

// validateFields checks everything but the mounts.
func (c Config) validateFields() error {
	if err := validateEnv(c.Env); err != nil {
		return fmt.Errorf("%w: Env: %w", ErrInvalidConfig, err)
	}
	if c.Hostname != "" && (len(c.Hostname) > maxHostname || !hostnamePattern().MatchString(c.Hostname)) {
		return fmt.Errorf("%w: Hostname %q is not an RFC 1123 host name of at most %d bytes", ErrInvalidConfig, c.Hostname, maxHostname)
	}
	switch c.Network {
	case "", NetworkLoopback, NetworkNone:
	default:
		return fmt.Errorf("%w: Network %q is not %q or %q", ErrInvalidConfig, c.Network, NetworkLoopback, NetworkNone)
	}
	switch c.Cgroup {
	case "", CgroupAuto, CgroupV2, CgroupV1, CgroupNone:
	default:
		return fmt.Errorf("%w: Cgroup %q is not %q, %q, %q or %q", ErrInvalidConfig, c.Cgroup, CgroupAuto, CgroupV2, CgroupV1, CgroupNone)
	}
	if c.Egress != nil && c.Network == NetworkNone {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, errEgressNetwork)
	}
	if len(c.EgressCA) > maxEnvValueLen {
		return fmt.Errorf("%w: EgressCA is %d bytes, more than %d", ErrInvalidConfig, len(c.EgressCA), maxEnvValueLen)
	}
	return c.validateLimits()
}

// validateLimits checks the numeric fields: zero is the default, negative
// is invalid, and some have a floor or a ceiling.
func (c Config) validateLimits() error {
	checks := []struct {
		field string
		bad   bool
		want  string
	}{
		{"Timeout", c.Timeout < 0, "not negative"},
		{"OutputLimit", c.OutputLimit < 0, "not negative"},
		{"TmpSize", c.TmpSize < 0, "not negative"},
		{"Memory", c.Memory < 0 || (c.Memory > 0 && c.Memory < MinMemory), fmt.Sprintf("0 or at least %d bytes", MinMemory)},
		{"Pids", c.Pids < 0 || (c.Pids > 0 && c.Pids < MinPids), fmt.Sprintf("0 or at least %d", MinPids)},
		{"CPU", c.CPU < 0 || c.CPU > MaxCPU || math.IsNaN(c.CPU), fmt.Sprintf("0 or in (0, %d] cores", MaxCPU)},
		{"OpenFiles", c.OpenFiles < 0 || c.OpenFiles > MaxOpenFiles, fmt.Sprintf("in [0, %d]", MaxOpenFiles)},
		{"FileSize", c.FileSize < 0, "not negative"},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%w: %s must be %s", ErrInvalidConfig, ch.field, ch.want)
		}
	}
	return nil
}

// withDefaults returns a copy of c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Hostname == "" {
		c.Hostname = DefaultHostname
	}
	if c.Network == "" {
		c.Network = NetworkLoopback
	}
	if c.Cgroup == "" {
		c.Cgroup = CgroupAuto
	}
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	c.OutputLimit = cmp.Or(c.OutputLimit, DefaultOutputLimit)
	c.TmpSize = cmp.Or(c.TmpSize, DefaultTmpSize)
	c.Memory = cmp.Or(c.Memory, DefaultMemory)
	c.Pids = cmp.Or(c.Pids, DefaultPids)
	c.CPU = cmp.Or(c.CPU, DefaultCPU)
	c.OpenFiles = cmp.Or(c.OpenFiles, DefaultOpenFiles)
	c.FileSize = cmp.Or(c.FileSize, DefaultFileSize)
	return c
}
