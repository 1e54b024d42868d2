package stage

import (
	"errors"
	"io"
	"syscall"
)

// File descriptors of the init stage, in the order of exec.Cmd.ExtraFiles.
const (
	// SpecFD is the init stage's end of a unix stream socket pair that
	// carries the [Spec] and, as SCM_RIGHTS ancillary data with its first
	// bytes (see unix(7)), the command's standard streams (stdin when
	// [Spec.Stdin], then stdout and stderr) followed by one detached mount
	// tree per [Spec.Mounts] entry the host prepared (those without a
	// Source), in order.
	SpecFD = 3
	// ReportFD is the write end of the pipe carrying the [Report].
	ReportFD = 4
)

// Size caps of the messages.
const (
	MaxSpecBytes   = 64 << 20
	MaxReportBytes = 64 << 10
	// MaxMounts bounds Spec.Mounts.
	MaxMounts = 64
	// maxFDs bounds the descriptors sent with the spec.
	maxFDs = 3 + MaxMounts
)

// Spec is everything the init stage needs, sent by the host on SpecFD in
// the wire encoding (wire.go) after the host has placed the init stage in its cgroups.
// Host paths in it are fully resolved and reached under OldRootDir.
type Spec struct {
	// Argv is the command; Argv[0] without a slash is looked up in PATH.
	Argv []string
	// Stdin tells whether a standard input descriptor comes with the spec;
	// without one the command reads /dev/null.
	Stdin bool
	// Env is the command's whole environment.
	Env []string
	// Hostname is set in the jail's UTS namespace.
	Hostname string
	// Loopback brings the jail's loopback interface up; false leaves the
	// network namespace without any usable interface.
	Loopback bool
	// TmpSize is the size in bytes of the /tmp tmpfs, ShmSize of the
	// /dev/shm one.
	TmpSize, ShmSize int64
	// TmpBound says /tmp is one of Mounts (a per-call directory on disk)
	// rather than a tmpfs.
	TmpBound bool
	// Home is the command's home directory in the jail, root's home in
	// /etc/passwd.
	Home string
	// Root is what the read-only system part of the root is built from.
	Root Root
	// Mounts are the caller's mounts (the workspace first), each attached
	// at Target with move_mount(2): a detached mount tree the host
	// prepared (idmapped, nosuid, nodev, maybe read-only) and sent with the
	// spec, or, when the host is not root, one the init stage makes itself
	// from Source (mnt_bind.go).
	Mounts []Mount
	// Rlimits are set with setrlimit(2) before the command starts.
	Rlimits []Rlimit
	// Seccomp is the filter program: struct sock_filter records of 8 bytes
	// (code u16, jt u8, jf u8, k u32, host byte order), see seccomp(2).
	Seccomp []byte
	// JailUID and JailGID are the host uid and gid that root inside the
	// jail maps to; the verify step checks the user namespace's maps
	// against them.
	JailUID, JailGID uint32
	// Cgroups are the cgroup v1 leaves the init stage moves itself into;
	// empty with cgroup v2, where clone3 placed it.
	Cgroups []CgroupJoin
	// ProxyPort, when not zero, is the port on the jail's 127.0.0.1 where
	// the init stage listens, once loopback is up, for the host's egress
	// proxy: it sends the listening socket back on SpecFD (net.go).
	ProxyPort int
	// ExtraCA is a PEM certificate the jail's programs trust besides the
	// host's: the egress proxy's, written to EgressCAFile and, with the
	// host's bundle, to EgressBundleFile.
	ExtraCA []byte
}

// Where a jail finds the egress proxy's CA (Spec.ExtraCA): the certificate
// alone, and the host's CA bundle with it appended.
const (
	EgressCAFile     = "/etc/ssl/bulkhead/egress-ca.pem"
	EgressBundleFile = "/etc/ssl/bulkhead/ca-bundle.pem"
)

// CgroupJoin is one cgroup v1 leaf to join.
type CgroupJoin struct {
	// Controller names the hierarchy ("memory").
	Controller string
	// Tasks is the host path of the leaf's tasks file, which the host made
	// writable for the jail's user.
	Tasks string
	// Path is the leaf as /proc/PID/cgroup shows it ("/bulkhead/NAME").
	Path string
}

// Root lists the host parts of the jail's system directories.
type Root struct {
	// Usr is the host directory bound read-only at /usr.
	Usr string
	// Links are the top-level library and binary directories.
	Links []Link
	// LdSoCache and ResolvConf are host files copied into /etc; Certs and
	// Alternatives are host directories bound read-only at /etc/ssl/certs
	// and /etc/alternatives. Empty means the host has none.
	LdSoCache    string
	ResolvConf   string
	Certs        string
	Alternatives string
}

// Link is one of /bin, /lib, /lib64, /sbin in the new root: a symlink into
// usr on a merged-usr host (Symlink set), else a read-only bind of a host
// directory (Bind set).
type Link struct {
	Name    string
	Symlink string
	Bind    string
}

// Mount is where a mount tree goes in the jail.
type Mount struct {
	// Target is the absolute path in the jail, validated by the host: clean,
	// no "..", outside the jail's system directories except an existing
	// directory or file under /usr (a read-only bind over it).
	Target string
	// Dir tells whether the tree's root is a directory (else a file), which
	// decides the kind of mount point created.
	Dir bool
	// Source is empty when the host sent the tree; otherwise it is the
	// host path (every symlink resolved, reached under OldRootDir) the
	// init stage clones itself, nosuid, nodev and read-only when ReadOnly
	// is set.
	Source   string
	ReadOnly bool
}

// Rlimit is one resource limit (see getrlimit(2)).
type Rlimit struct {
	// Name is the RLIMIT_* name, for error messages.
	Name     string
	Resource int
	Cur      uint64
	Max      uint64
}

// Report is the init stage's one message on ReportFD (wire.go): either a
// setup failure (Step and Error set) or the command's status.
type Report struct {
	Step     string
	Error    string
	Errno    int
	ExitCode int
	// Signal is the number of the signal that killed the command, 0 when
	// it exited.
	Signal int
	// Steps are the durations of the setup steps in microseconds, in order.
	Steps []StepTime
}

// StepTime is how long one setup step took.
type StepTime struct {
	Name   string
	Micros int64
}

// FailureReport describes err, which happened in step.
func FailureReport(step string, err error) Report {
	r := Report{Step: step, Error: err.Error()}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		r.Errno = int(errno)
	}
	return r
}

// ReadReport reads the init stage's report; ok is false when the init stage
// wrote none (it was killed first).
func ReadReport(r io.Reader) (rep Report, ok bool, err error) {
	data, err := readAll(r, MaxReportBytes)
	if err != nil {
		return Report{}, false, &layerError{"read report", err}
	}
	if len(data) == 0 {
		return Report{}, false, nil
	}
	rep, err = DecodeReport(data)
	return rep, err == nil, err
}

// ReceiveSpec reads the host's spec and the descriptors sent with it from
// the socket fd, until end of file. The descriptors come with
// close-on-exec set, in the order of SpecFD's description.
func ReceiveSpec(fd int) (*Spec, []int, error) {
	buf := make([]byte, 64<<10)
	oob := make([]byte, syscall.CmsgSpace(4*maxFDs))
	n, oobn, _, _, err := syscall.Recvmsg(fd, buf, oob, syscall.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, nil, sysErr("recvmsg", "spec", err)
	}
	fds, err := unixRights(oob[:oobn])
	if err != nil {
		return nil, nil, err
	}
	rest, err := readFD(fd, MaxSpecBytes-n)
	if err != nil {
		closeAll(fds)
		return nil, nil, &layerError{"read spec", err}
	}
	s, err := DecodeSpec(append(buf[:n], rest...))
	if err != nil {
		closeAll(fds)
		return nil, nil, err
	}
	if want := s.stdioCount() + s.sentTrees(); len(fds) != want {
		closeAll(fds)
		return nil, nil, stageError("spec: " + itoa(want) + " descriptors expected, " + itoa(len(fds)) + " received")
	}
	return s, fds, nil
}

// stdioCount is the number of standard stream descriptors sent.
func (s *Spec) stdioCount() int {
	if s.Stdin {
		return 3
	}
	return 2
}

// sentTrees is the number of mount trees sent with the spec.
func (s *Spec) sentTrees() int {
	n := 0
	for _, m := range s.Mounts {
		if m.Source == "" {
			n++
		}
	}
	return n
}

// readFD reads fd to its end, failing past limit bytes. It works on the
// raw descriptor: an *os.File would close it when collected.
func readFD(fd, limit int) ([]byte, error) {
	var out []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.Read(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, sysErr("read", "spec", err)
		}
		if n == 0 {
			return out, nil
		}
		if len(out)+n > limit {
			return nil, stageError("message longer than " + itoa(limit) + " bytes")
		}
		out = append(out, buf[:n]...)
	}
}

// unixRights returns the descriptors of the SCM_RIGHTS messages in oob.
func unixRights(oob []byte) ([]int, error) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, &layerError{"spec control message", err}
	}
	var fds []int
	for _, m := range msgs {
		got, err := syscall.ParseUnixRights(&m)
		if err != nil {
			closeAll(fds)
			return nil, &layerError{"spec control message", err}
		}
		fds = append(fds, got...)
	}
	return fds, nil
}

// closeAll closes descriptors on an error path.
func closeAll(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}
