package stage

import (
	"runtime"
	"syscall"
	"unsafe"
)

// SockFilterSize is the size of one encoded filter instruction: struct
// sock_filter (see seccomp(2)) as code u16, jt u8, jf u8, k u32, the
// integers little-endian.
const SockFilterSize = 8

// maxFilterLen is BPF_MAXINSNS.
const maxFilterLen = 4096

// installSeccomp sets no_new_privs and installs s.Seccomp as a seccomp
// filter on every thread of the init stage (SECCOMP_FILTER_FLAG_TSYNC); the
// command inherits both across fork and execve (see seccomp(2),
// prctl(2) PR_SET_NO_NEW_PRIVS). No new privileges means execve never
// grants setuid, setgid or file capabilities again.
func installSeccomp(s *Spec) error {
	if err := prctl(prSetNoNewPrivs, 1); err != nil {
		return sysErr("prctl", "PR_SET_NO_NEW_PRIVS, 1", err)
	}
	filter, err := decodeFilter(s.Seccomp)
	if err != nil {
		return err
	}
	prog := syscall.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	_, _, errno := syscall.Syscall(sysSeccomp, seccompSetModeFilter, seccompFilterFlagTsync, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(filter)
	if errno != 0 {
		return sysErr("seccomp", "SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, "+itoa(len(filter))+" instructions", errno)
	}
	return nil
}

// decodeFilter turns the spec's bytes into sock_filter records.
func decodeFilter(raw []byte) ([]syscall.SockFilter, error) {
	n := len(raw) / SockFilterSize
	if n == 0 || len(raw)%SockFilterSize != 0 || n > maxFilterLen {
		return nil, stageError("seccomp program: want 1 to 4096 records of 8 bytes, got " + itoa(len(raw)) + " bytes")
	}
	filter := make([]syscall.SockFilter, n)
	for i := range filter {
		r := raw[i*SockFilterSize : (i+1)*SockFilterSize]
		filter[i] = syscall.SockFilter{
			Code: uint16(r[0]) | uint16(r[1])<<8,
			Jt:   r[2],
			Jf:   r[3],
			K:    uint32(r[4]) | uint32(r[5])<<8 | uint32(r[6])<<16 | uint32(r[7])<<24,
		}
	}
	return filter, nil
}
