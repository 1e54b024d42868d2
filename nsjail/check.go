package nsjail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Status is the verdict of one [Finding].
type Status string

const (
	// StatusOK means the check found nothing in the way.
	StatusOK Status = "ok"
	// StatusWarn means jails run, but something is degraded or worth
	// knowing (no cgroup limits by choice, a container's seccomp filter).
	StatusWarn Status = "warn"
	// StatusFail means a blocker: jails cannot run as configured.
	StatusFail Status = "fail"
)

// Finding is one line of [Check]'s report.
type Finding struct {
	// Check names what was examined: "kernel", "privilege", "container",
	// "seccomp.host", "userns.sysctl", "userns.clone", "userns.apparmor",
	// "userns.probe", "subids", "cgroup.layout", "cgroup", "idmap",
	// "proc", "devpts", "seccomp", "loopback" or "jail".
	Check string `json:"check"`
	// Status is the verdict.
	Status Status `json:"status"`
	// Detail says what was found.
	Detail string `json:"detail"`
	// Fix says exactly what to change, for warn and fail; empty when
	// nothing needs to.
	Fix string `json:"fix,omitempty"`
}

// CheckOptions say what [Check] examines besides the host itself.
type CheckOptions struct {
	// Dirs are the host directories jails will mount (the state
	// directory, workspaces); each is checked for idmapped-mount support
	// when the process is root. Empty means the temporary directory.
	Dirs []string
	// Cgroup is the mode calls will use; empty means CgroupAuto.
	Cgroup CgroupMode
}

// checkTimeout bounds the jail the doctor runs.
const checkTimeout = 30 * time.Second

// Check examines the host for everything a jail needs, names every
// blocker with its fix, and finally runs /bin/true in a jail configured
// like the caller's calls (opts.Cgroup). The "jail" finding is the
// authoritative answer (see [Healthy]); the others explain it. When the
// run fails in a layer, that layer's finding is marked failed with the
// error. When an ordinary user's run fails only for want of a delegated
// cgroup, Check also tries CgroupNone and says whether the opt-out would
// work. The findings are in a fixed order, one per check.
//
// # Notes
//
// Check starts processes (a user namespace probe, the jail) and, as root,
// makes detached idmapped mounts it never attaches; it changes nothing on
// the host. It does not move the process into a delegated cgroup's
// supervisor child, which a real call does.
func Check(ctx context.Context, opts CheckOptions) []Finding {
	f := gatherFacts()
	if len(opts.Dirs) == 0 {
		opts.Dirs = []string{os.TempDir()}
	}
	if opts.Cgroup == "" {
		opts.Cgroup = CgroupAuto
	}
	priv, privOK := f.privilege()
	out := []Finding{
		kernelFinding(f),
		privilegeFinding(f),
		containerFinding(f, privOK && priv.Root),
		hostSeccompFinding(f),
	}
	out = append(out, usernsSysctlFindings(f, priv)...)
	out = append(out,
		usernsProbeFinding(f, priv, privOK),
		subidsFinding(f, priv),
		cgroupLayoutFinding(f),
		cgroupFinding(f, priv, privOK, opts.Cgroup),
		idmapFinding(priv, privOK, opts.Dirs, probeIdmap),
		procFinding(f),
		devptsFinding(f),
		jailSeccompFinding(),
	)
	return append(out, runCheckJail(ctx, opts.Cgroup, priv, privOK, out)...)
}

// Healthy reports whether the findings' "jail" line is ok: the jail ran.
func Healthy(findings []Finding) bool {
	for _, f := range findings {
		if f.Check == "jail" {
			return f.Status == StatusOK
		}
	}
	return false
}

// runCheckJail runs /bin/true in a jail, attributes a failure to the
// finding of its layer (updating findings in place), and returns the
// "loopback" and "jail" findings.
func runCheckJail(ctx context.Context, mode CgroupMode, priv Privilege, privOK bool, findings []Finding) []Finding {
	loopback := Finding{Check: "loopback", Status: StatusOK, Detail: "the jail's own loopback interface came up in its network namespace"}
	err := checkRun(ctx, mode)
	if err == nil {
		detail := "the jail ran /bin/true"
		if mode == CgroupNone {
			detail += " without cgroup limits (Cgroup none)"
		}
		return []Finding{loopback, {Check: "jail", Status: StatusOK, Detail: detail}}
	}
	jail := Finding{Check: "jail", Status: StatusFail, Detail: err.Error(), Fix: "see the failed finding above"}
	var se *SetupError
	if !errors.As(err, &se) {
		loopback = notReached(loopback)
		return []Finding{loopback, jail}
	}
	layer := layerOfStep(se)
	if layer == "loopback" {
		loopback = Finding{Check: "loopback", Status: StatusFail, Detail: err.Error(),
			Fix: `the jail brings its own loopback up with ioctl(SIOCSIFFLAGS) in a new network namespace; lift the seccomp filter or security module that denies it, or run with Network "none" (bulkhead: --net none)`}
	} else {
		loopback = notReached(loopback)
		markFailed(findings, layer, err)
	}
	if layer == "cgroup" && privOK && !priv.Root && mode != CgroupNone {
		if nerr := checkRun(ctx, CgroupNone); nerr == nil {
			jail.Detail += `; without cgroup limits (Cgroup "none") the jail runs`
			jail.Fix = `give this user a delegated cgroup (see the cgroup finding), or accept running without memory, pids and CPU limits: Config.Cgroup "none" (bulkhead: --cgroup none)`
		}
	}
	return []Finding{loopback, jail}
}

// checkRun runs /bin/true in a jail with the given cgroup mode in a
// temporary workspace.
func checkRun(ctx context.Context, mode CgroupMode) error {
	dir, err := os.MkdirTemp("", "bulkhead-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	res, err := Run(ctx, Config{Workspace: dir, Timeout: checkTimeout, Cgroup: mode}, []string{"/bin/true"})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("/bin/true exited %d (signal %q): %s", res.ExitCode, res.Signal, res.Stderr)
	}
	return nil
}

// notReached marks a finding the jail's failure kept from being tested.
func notReached(f Finding) Finding {
	f.Status = StatusWarn
	f.Detail = "not tested: the jail failed before this step"
	return f
}

// markFailed sets the finding named check to failed with err, keeping its
// fix (a FixError's fix replaces it); a finding that failed already keeps
// its own explanation.
func markFailed(findings []Finding, check string, err error) {
	for i := range findings {
		if findings[i].Check != check {
			continue
		}
		if findings[i].Status == StatusFail {
			return // its own check explained it already
		}
		findings[i].Status = StatusFail
		findings[i].Detail = err.Error()
		var fe *FixError
		if errors.As(err, &fe) {
			findings[i].Detail, findings[i].Fix = fe.Problem, fe.Fix
		}
		if findings[i].Fix == "" {
			findings[i].Fix = "see the detail"
		}
	}
}

// layerOfStep names the finding a setup failure belongs to.
func layerOfStep(se *SetupError) string {
	msg := se.Error()
	switch se.Step {
	case "user":
		if strings.Contains(msg, "belongs to uid") {
			return "jail"
		}
		return "privilege"
	case "namespaces":
		return "userns.probe"
	case "net":
		return "loopback"
	case "mnt":
		switch {
		case strings.Contains(msg, "idmapped"):
			return "idmap"
		case strings.Contains(msg, `"proc"`):
			return "proc"
		case strings.Contains(msg, "devpts"):
			return "devpts"
		}
		return "jail"
	case "cgroup", "seccomp":
		return se.Step
	}
	return "jail"
}
