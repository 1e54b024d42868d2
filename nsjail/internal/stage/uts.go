package stage

import "syscall"

// noDomain is the NIS domain name the kernel reports when none is set
// (see uname(2)); the jail never shows the host's.
const noDomain = "(none)"

// setupUTS sets the hostname and NIS domain name of the jail's UTS
// namespace (see uts_namespaces(7), sethostname(2), setdomainname(2)).
func setupUTS(s *Spec) error {
	if err := syscall.Sethostname([]byte(s.Hostname)); err != nil {
		return sysErr("sethostname", q(s.Hostname), err)
	}
	if err := syscall.Setdomainname([]byte(noDomain)); err != nil {
		return sysErr("setdomainname", q(noDomain), err)
	}
	return nil
}
