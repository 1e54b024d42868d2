package stage

import "syscall"

// setRlimits sets s.Rlimits on the init stage, which the command inherits
// (see getrlimit(2)). syscall.Setrlimit is used rather than a raw
// prlimit64(2) because it also stops the Go runtime from restoring its
// saved RLIMIT_NOFILE in the child it forks.
func setRlimits(s *Spec) error {
	for _, r := range s.Rlimits {
		if err := syscall.Setrlimit(r.Resource, &syscall.Rlimit{Cur: r.Cur, Max: r.Max}); err != nil {
			return sysErr("setrlimit", r.Name+", {cur "+itoa(r.Cur)+", max "+itoa(r.Max)+"}", err)
		}
	}
	return nil
}
