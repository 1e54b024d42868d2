package stage

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// capsWant and seccompWant are the /proc/thread-self/status fields (see
// proc(5)) that must hold once every layer is applied: no capability in
// any of the five sets; no_new_privs set and a seccomp filter in force
// (mode 2).
var (
	capsWant = map[string]string{
		"CapInh": "0000000000000000",
		"CapPrm": "0000000000000000",
		"CapEff": "0000000000000000",
		"CapBnd": "0000000000000000",
		"CapAmb": "0000000000000000",
	}
	seccompWant = map[string]string{
		"NoNewPrivs": "1",
		"Seccomp":    "2",
	}
)

// verify reads back, from inside, what the layers were meant to do, and
// fails closed on the first difference: the user namespace's id maps, the
// read-only root, the hostname, the loopback state, the resource limits,
// the cgroup namespace root, and the credentials of the thread that will
// fork the command. Each error starts with the layer it concerns.
func verify(s *Spec) error {
	checks := []struct {
		layer string
		check func(*Spec) error
	}{
		{"user", verifyUser}, {"mnt", verifyMounts}, {"uts", verifyUTS}, {"net", verifyNet},
		{"rlimit", verifyRlimits}, {"cgroup", verifyCgroup}, {"caps", verifyCredentials},
	}
	for _, c := range checks {
		if err := c.check(s); err != nil {
			return &layerError{c.layer, err}
		}
	}
	return nil
}

// verifyUser checks that uid and gid 0 inside map to s.JailUID and
// s.JailGID and nothing else is mapped (see user_namespaces(7)).
func verifyUser(s *Spec) error {
	for _, m := range []struct {
		f  string
		id uint32
	}{{"/proc/self/uid_map", s.JailUID}, {"/proc/self/gid_map", s.JailGID}} {
		f, want := m.f, "0 "+itoa(m.id)+" 1"
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if got := strings.Join(strings.Fields(string(data)), " "); got != want {
			return stageError(f + " is " + q(got) + ", want " + q(want))
		}
	}
	return nil
}

// verifyMounts checks that the root is read-only and the workspace is
// nosuid and nodev.
func verifyMounts(*Spec) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs("/", &st); err != nil {
		return sysErr("statfs", `"/"`, err)
	}
	if st.Flags&stRdonly == 0 {
		return stageError("the root is writable (statfs flags " + hex(st.Flags) + ")")
	}
	if err := syscall.Statfs(WorkspaceDir, &st); err != nil {
		return sysErr("statfs", q(WorkspaceDir), err)
	}
	if st.Flags&(stNosuid|stNodev) != stNosuid|stNodev {
		return stageError(WorkspaceDir + " lacks nosuid or nodev (statfs flags " + hex(st.Flags) + ")")
	}
	return nil
}

// verifyUTS checks the hostname.
func verifyUTS(s *Spec) error {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return sysErr("uname", "", err)
	}
	var name []byte
	for _, c := range u.Nodename {
		if c == 0 {
			break
		}
		name = append(name, byte(c))
	}
	if got := string(name); got != s.Hostname {
		return stageError("hostname is " + q(got) + ", want " + q(s.Hostname))
	}
	return nil
}

// verifyNet checks that loopback is up exactly when requested.
func verifyNet(s *Spec) error {
	up, err := loopbackUp()
	if err != nil {
		return err
	}
	if up != s.Loopback {
		return stageError("loopback up is " + strconv.FormatBool(up) + ", want " + strconv.FormatBool(s.Loopback))
	}
	return nil
}

// verifyRlimits reads every limit back.
func verifyRlimits(s *Spec) error {
	for _, r := range s.Rlimits {
		var got syscall.Rlimit
		if err := syscall.Getrlimit(r.Resource, &got); err != nil {
			return sysErr("getrlimit", r.Name, err)
		}
		if got.Cur != r.Cur || got.Max != r.Max {
			return stageError(r.Name + " is {cur " + itoa(got.Cur) + ", max " + itoa(got.Max) + "}, want {cur " + itoa(r.Cur) + ", max " + itoa(r.Max) + "}")
		}
	}
	return nil
}

// verifyCgroup checks that every hierarchy shows the jail at its cgroup
// namespace root (see cgroups(7), /proc/PID/cgroup).
func verifyCgroup(*Spec) error {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if _, path, ok := cutLast(line, ':'); !ok || path != "/" {
			return stageError("/proc/self/cgroup line " + q(line) + " is not at the namespace root")
		}
	}
	return nil
}

// verifyCredentials checks the capability sets, then no_new_privs and the
// seccomp mode, of this thread, the one that forks the command; a
// seccomp difference is reported as the seccomp layer's.
func verifyCredentials(*Spec) error {
	data, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return err
	}
	if err := checkStatus(data, capsWant); err != nil {
		return err
	}
	if err := checkStatus(data, seccompWant); err != nil {
		return &layerError{"seccomp", err}
	}
	return nil
}

// checkStatus checks fields of a /proc/PID/status text.
func checkStatus(data []byte, want map[string]string) error {
	found := 0
	for _, line := range bytes.Split(data, []byte("\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		w, checked := want[string(name)]
		if !ok || !checked {
			continue
		}
		found++
		if got := string(bytes.TrimSpace(value)); got != w {
			return stageError("/proc/thread-self/status " + string(name) + " is " + got + ", want " + w)
		}
	}
	if found != len(want) {
		return stageError("/proc/thread-self/status has " + itoa(found) + " of the " + itoa(len(want)) + " fields checked")
	}
	return nil
}

// cutLast splits s around the last sep.
func cutLast(s string, sep byte) (before, after string, found bool) {
	i := strings.LastIndexByte(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}
