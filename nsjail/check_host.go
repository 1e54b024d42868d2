package nsjail

import (
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
	"golang.org/x/sys/unix"
)

// hostFacts is what the doctor reads of the host, gathered once, so that
// the rules (check_rules.go) are pure functions tests can feed.
type hostFacts struct {
	release, machine string
	euid, egid       int
	uidMap, status   string
	dumpable         bool
	// sysctls maps a /proc/sys path below /proc/sys/ ("user/max_user_namespaces")
	// to its value; absent ones are missing.
	sysctls map[string]string
	// containerMarkers are files or environment that show a container.
	containerMarkers []string
	mountinfo        string
	filesystems      string // /proc/filesystems
	cgroups          cgroupHierarchy
	cgroupsErr       error
	ownCgroup        string
	// newuidmap is its path, "" when not installed; subuid tells whether
	// /etc/subuid has a line for this user.
	newuidmap string
	subuid    bool
	// usernsErr is the outcome of creating a user namespace with the
	// jail's id maps (nil: it worked); only set by gatherFacts.
	usernsErr error
	// executable is this program's path, for fixes that name it.
	executable string
}

// doctorSysctls are the sysctls the doctor reads.
var doctorSysctls = []string{
	"user/max_user_namespaces",
	"kernel/unprivileged_userns_clone",
	"kernel/apparmor_restrict_unprivileged_userns",
}

// gatherFacts reads the host.
func gatherFacts() hostFacts {
	var f hostFacts
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		f.release, f.machine = unix.ByteSliceToString(u.Release[:]), unix.ByteSliceToString(u.Machine[:])
	}
	f.euid, f.egid = os.Geteuid(), os.Getegid()
	f.uidMap = readString("/proc/self/uid_map")
	f.status = readString("/proc/self/status")
	d, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	f.dumpable = d == 1
	f.sysctls = map[string]string{}
	for _, name := range doctorSysctls {
		if data, err := os.ReadFile("/proc/sys/" + name); err == nil {
			f.sysctls[name] = strings.TrimSpace(string(data))
		}
	}
	for _, m := range []string{"/.dockerenv", "/run/.containerenv"} {
		if _, err := os.Stat(m); err == nil {
			f.containerMarkers = append(f.containerMarkers, m)
		}
	}
	if c := os.Getenv("container"); c != "" {
		f.containerMarkers = append(f.containerMarkers, "container="+c)
	}
	f.mountinfo = readString("/proc/self/mountinfo")
	f.filesystems = readString("/proc/filesystems")
	f.cgroups, f.cgroupsErr = hostCgroups()
	f.ownCgroup = ownCgroupV2()
	f.newuidmap, _ = exec.LookPath("newuidmap")
	if u, err := user.LookupId(strconv.Itoa(f.euid)); err == nil {
		sub := readString("/etc/subuid")
		for _, line := range strings.Split(sub, "\n") {
			if name, _, ok := strings.Cut(line, ":"); ok && (name == u.Username || name == u.Uid) {
				f.subuid = true
			}
		}
	}
	f.executable, _ = os.Executable()
	if p, ok := f.privilege(); ok {
		f.usernsErr = probeUserns(p)
	}
	return f
}

// probeUserns starts this binary as a user namespace holder
// (stage.UsernsMarker, which exits at once on an empty stdin) in a new
// user namespace with the jail's id maps, as the jail's clone would.
func probeUserns(p Privilege) error {
	cmd := exec.Command(selfExe)
	cmd.Args = []string{stage.UsernsMarker}
	cmd.Env = initEnv
	cmd.Dir = "/"
	uids, gids := idMappings(p)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:                 syscall.CLONE_NEWUSER,
		UidMappings:                uids,
		GidMappings:                gids,
		GidMappingsEnableSetgroups: false,
		Pdeathsig:                  syscall.SIGKILL,
	}
	return cmd.Run()
}

// privilege decides the process's privilege from the facts.
func (f hostFacts) privilege() (Privilege, bool) {
	p, err := decidePrivilege(f.euid, f.egid, f.uidMap, f.status, f.dumpable)
	return p, err == nil
}

// readString reads a small file, "" when it cannot.
func readString(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(data)
}
