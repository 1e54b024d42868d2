package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bulkhead-dev/bulkhead/egress"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/quota"
	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/bulkhead-dev/bulkhead/wasmhost"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// Exit statuses of `bulkhead sandbox exec` besides the command's own
// (they follow timeout(1) and env(1)).
const (
	exitTimedOut    = 124 // the timeout killed the jail
	exitSetupFailed = 125 // the jail could not be set up
	exitCannotExec  = 126 // the command exists but could not be executed
	exitNotFound    = 127 // the command was not found
	exitUsage       = 2   // invalid flags or configuration
	exitSignalBase  = 128 // plus the signal number, as shells report it
)

func newSandboxCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Check the jail, or run a command in the same jail the bash tool uses",
	}
	cmd.AddCommand(newSandboxCheckCmd(g), newSandboxExecCmd(g))
	return cmd
}

// checkReport is the JSON form of `bulkhead sandbox check --json`.
type checkReport struct {
	// Healthy is true when the jail ran.
	Healthy  bool             `json:"healthy"`
	Findings []nsjail.Finding `json:"findings"`
}

func newSandboxCheckCmd(g *globals) *cobra.Command {
	var jsonOut bool
	var cgroup string
	var dirs []string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Name every blocker of the jail on this host, with its fix",
		Long: "Examines the host for everything the jail needs (kernel, privileges, container restrictions, user\n" +
			"namespace switches, cgroup layout and delegation, idmapped mounts, /proc, /dev/pts, seccomp, loopback)\n" +
			"and whether workspaces can have a disk quota,\n" +
			"prints one finding per check with the exact fix for each warning and failure, then runs /bin/true in a\n" +
			"jail configured like the calls will be (--cgroup). Exits 1 unless that jail ran. The directories\n" +
			"checked for idmapped mounts are --dir, else the state directory when it exists, else the temporary one.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := nsjail.CheckOptions{Cgroup: nsjail.CgroupMode(cgroup), Dirs: dirs}
			if len(opts.Dirs) == 0 {
				if state, err := g.resolveStateDir(); err == nil {
					if fi, err := os.Stat(state); err == nil && fi.IsDir() {
						opts.Dirs = []string{state}
					}
				}
			}
			if err := checkCgroupFlag(cgroup); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "bulkhead: sandbox:", err)
				os.Exit(exitUsage)
			}
			findings := nsjail.Check(cmd.Context(), opts)
			report := checkReport{Healthy: nsjail.Healthy(findings), Findings: append(findings, quotaFinding())}
			if err := writeCheckReport(cmd.OutOrStdout(), report, jsonOut); err != nil {
				return err
			}
			if !report.Healthy {
				return errors.New("sandbox: the jail cannot run on this host as configured; see the failed findings")
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&jsonOut, "json", false, "print the report as JSON: {\"healthy\": bool, \"findings\": [{\"check\", \"status\", \"detail\", \"fix\"}]}")
	fl.StringVar(&cgroup, "cgroup", string(nsjail.CgroupAuto), "cgroup mode the calls will use: auto, v2, v1, or none (no memory, pids or CPU limits)")
	fl.StringArrayVar(&dirs, "dir", nil, "a directory jails will mount (state directory, workspace), checked for idmapped mounts; repeatable")
	return cmd
}

// quotaFinding says whether workspaces can have a disk quota here (a
// warning, not a failure: quotas are optional, and asking for one where
// none can be had is refused when the workspace is made).
func quotaFinding() nsjail.Finding {
	if err := quota.Available(); err != nil {
		return nsjail.Finding{Check: "quota", Status: nsjail.StatusWarn, Detail: err.Error() + "; a workspace with a disk quota will be refused", Fix: "run bulkhead as root on a host with loop devices and e2fsprogs (apt-get install e2fsprogs), or set no disk quota"}
	}
	return nsjail.Finding{Check: "quota", Status: nsjail.StatusOK, Detail: "disk quotas available: each workspace gets an ext4 image, loop-mounted"}
}

// checkCgroupFlag validates --cgroup.
func checkCgroupFlag(v string) error {
	switch nsjail.CgroupMode(v) {
	case nsjail.CgroupAuto, nsjail.CgroupV2, nsjail.CgroupV1, nsjail.CgroupNone:
		return nil
	}
	return fmt.Errorf("--cgroup %q is not auto, v2, v1 or none", v)
}

// writeCheckReport prints the findings as a table, with each fix on the
// line below its finding, or as JSON.
func writeCheckReport(w io.Writer, r checkReport, jsonOut bool) error {
	if jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Check, f.Status, f.Detail)
		if f.Fix != "" && f.Status != nsjail.StatusOK {
			fmt.Fprintf(tw, "\t\tfix: %s\n", f.Fix)
		}
	}
	return tw.Flush()
}

// execFlags are the flags of `bulkhead sandbox exec`; zero values mean the
// jail's defaults, the same the bash tool gets.
type execFlags struct {
	workspace string
	home      string
	tmpDir    string
	tmpSize   string
	memory    string
	pids      int
	cpu       float64
	timeout   time.Duration
	network   string
	cgroup    string
	binds     []string
	hosts     []string
}

func newSandboxExecCmd(g *globals) *cobra.Command {
	var f execFlags
	cmd := &cobra.Command{
		Use:   "exec [flags] -- CMD [ARG...]",
		Short: "Run a command in the jail the bash tool uses",
		Long: "Runs CMD in a new jail with the bash tool's defaults, passing its stdin, stdout, stderr and exit\n" +
			"status through. A timeout exits 124, a jail that cannot be set up 125, a command that cannot be\n" +
			"executed 126, one not found 127, one killed by a signal 128+N; out-of-memory kills and timeouts\n" +
			"are reported on stderr. Each of stdout and stderr is capped at " + strconv.FormatInt(nsjail.DefaultOutputLimit>>20, 10) + " MiB.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.config(g)
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "bulkhead: sandbox:", err)
				os.Exit(exitUsage)
			}
			if cfg.Cgroup == nsjail.CgroupNone {
				fmt.Fprintln(cmd.ErrOrStderr(), "bulkhead: sandbox: warning: --cgroup none: this jail has no memory, pids or CPU limit")
			}
			cfg.Stdin, cfg.Stdout, cfg.Stderr = os.Stdin, cmd.OutOrStdout(), cmd.ErrOrStderr()
			if len(f.hosts) > 0 {
				stop, err := withEgress(&cfg, f.hosts)
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), "bulkhead: sandbox:", err)
					os.Exit(exitSetupFailed)
				}
				code := runSandbox(cmd.Context(), cfg, args, cmd.ErrOrStderr())
				stop()
				os.Exit(code)
			}
			os.Exit(runSandbox(cmd.Context(), cfg, args, cmd.ErrOrStderr()))
			return nil
		},
	}
	cmd.Flags().SetInterspersed(false)
	fl := cmd.Flags()
	fl.StringVar(&f.workspace, "workspace", ".", "host directory mounted read-write at /workspace")
	fl.StringVar(&f.home, "home", "", "host directory mounted read-write at /root as HOME, so caches last across calls (default: HOME is the private /tmp)")
	fl.StringVar(&f.tmpDir, "tmp-dir", "", "host directory under which the call's /tmp is made on disk and removed afterwards (default: a tmpfs in memory)")
	fl.StringVar(&f.tmpSize, "tmp-size", "", "size of the /tmp tmpfs, e.g. 256M (default "+formatSize(nsjail.DefaultTmpSize)+"; /dev/shm at most "+formatSize(nsjail.MaxShmSize)+")")
	fl.StringVar(&f.cgroup, "cgroup", string(nsjail.CgroupAuto), "cgroup mode: auto, v2, v1, or none (no memory, pids or CPU limits; for an ordinary user without a delegated cgroup)")
	fl.StringVar(&f.memory, "memory", "", "memory limit of the whole jail, e.g. 256M or 1G (K, M, G are powers of 1024; default "+formatSize(nsjail.DefaultMemory)+")")
	fl.IntVar(&f.pids, "pids", 0, "limit on processes and threads in the jail (default "+strconv.Itoa(nsjail.DefaultPids)+")")
	fl.Float64Var(&f.cpu, "cpu", 0, "CPU limit in cores, e.g. 0.5 (default "+strconv.FormatFloat(nsjail.DefaultCPU, 'g', -1, 64)+")")
	fl.DurationVar(&f.timeout, "timeout", 0, "wall-clock limit, e.g. 30s (default "+nsjail.DefaultTimeout.String()+")")
	fl.StringVar(&f.network, "net", string(nsjail.NetworkLoopback), "network: none, or loopback (the jail's own 127.0.0.1 only)")
	fl.Var(hostsFlag{&f.hosts}, "allow-host", "destination the command may reach through the egress proxy (host, *.domain, IP or CIDR, optional :port); repeatable")
	fl.StringArrayVar(&f.binds, "bind", nil, "mount host path SRC at DST in the jail, read-write, or read-only with :ro (SRC:DST[:ro]); repeatable")
	return cmd
}

// config turns the flags into a jail configuration, validated. It
// protects the state directory and compilation cache as runs do.
func (f execFlags) config(g *globals) (nsjail.Config, error) {
	ws, err := filepath.Abs(f.workspace)
	if err != nil {
		return nsjail.Config{}, fmt.Errorf("--workspace: %w", err)
	}
	if err := checkCgroupFlag(f.cgroup); err != nil {
		return nsjail.Config{}, err
	}
	cfg := nsjail.Config{Workspace: ws, Pids: f.pids, CPU: f.cpu, Timeout: f.timeout, Network: nsjail.Network(f.network), Cgroup: nsjail.CgroupMode(f.cgroup)}
	for _, d := range []struct {
		flag, value string
		dst         *string
	}{{"--home", f.home, &cfg.Home}, {"--tmp-dir", f.tmpDir, &cfg.TmpDir}} {
		if d.value == "" {
			continue
		}
		abs, err := filepath.Abs(d.value)
		if err != nil {
			return nsjail.Config{}, fmt.Errorf("%s: %w", d.flag, err)
		}
		*d.dst = abs
	}
	if f.tmpSize != "" {
		if cfg.TmpSize, err = parseSize(f.tmpSize); err != nil {
			return nsjail.Config{}, fmt.Errorf("--tmp-size: %w", err)
		}
	}
	if state, err := g.resolveStateDir(); err == nil {
		cfg.ProtectedPaths = runtime.ProtectedPaths(state, wasmhost.DefaultCacheDir())
	}
	if f.memory != "" {
		if cfg.Memory, err = parseSize(f.memory); err != nil {
			return nsjail.Config{}, fmt.Errorf("--memory: %w", err)
		}
	}
	for _, b := range f.binds {
		bind, err := parseBind(b)
		if err != nil {
			return nsjail.Config{}, fmt.Errorf("--bind: %w", err)
		}
		cfg.Binds = append(cfg.Binds, bind)
	}
	if err := cfg.Validate(); err != nil {
		return nsjail.Config{}, err
	}
	return cfg, nil
}

// runSandbox runs argv in the jail and returns the exit status to use,
// reporting timeouts, OOM kills, signals and setup failures on stderr.
func runSandbox(ctx context.Context, cfg nsjail.Config, argv []string, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := nsjail.Run(ctx, cfg, argv)
	if res == nil {
		fmt.Fprintln(stderr, "bulkhead: sandbox:", err)
		return setupExitCode(err)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bulkhead: sandbox: interrupted; every process of the jail was killed")
		return exitSignalBase + int(syscall.SIGINT)
	}
	if res.OOMKilled {
		limit := cfg.Memory
		if limit == 0 {
			limit = nsjail.DefaultMemory
		}
		fmt.Fprintf(stderr, "bulkhead: sandbox: out of memory: the jail reached its limit of %s and the kernel killed a process\n", formatSize(limit))
	}
	switch {
	case res.TimedOut:
		timeout := cfg.Timeout
		if timeout == 0 {
			timeout = nsjail.DefaultTimeout
		}
		fmt.Fprintf(stderr, "bulkhead: sandbox: timed out after %v; every process of the jail was killed\n", timeout)
		return exitTimedOut
	case res.Signal != "":
		if !res.OOMKilled {
			fmt.Fprintf(stderr, "bulkhead: sandbox: command killed by %s\n", res.Signal)
		}
		return exitSignalBase + int(unix.SignalNum(res.Signal))
	}
	return res.ExitCode
}

// setupExitCode maps a failed Run to an exit status: usage errors, a
// command that was not found or not executable, or any other setup failure.
func setupExitCode(err error) int {
	var se *nsjail.SetupError
	switch {
	case errors.Is(err, nsjail.ErrInvalidConfig):
		return exitUsage
	case errors.As(err, &se) && se.Step == "exec" && errors.Is(err, syscall.ENOENT):
		return exitNotFound
	case errors.As(err, &se) && se.Step == "exec":
		return exitCannotExec
	}
	return exitSetupFailed
}

// sizeUnits are the suffixes parseSize accepts, powers of 1024 as in
// docker run --memory.
var sizeUnits = []struct {
	suffix string
	shift  uint
}{
	{"kib", 10}, {"mib", 20}, {"gib", 30}, {"tib", 40},
	{"kb", 10}, {"mb", 20}, {"gb", 30}, {"tb", 40},
	{"k", 10}, {"m", 20}, {"g", 30}, {"t", 40},
	{"b", 0},
}

// parseSize parses a byte count such as "512", "256M", "1.5G" or "64MiB".
func parseSize(s string) (int64, error) {
	lower := strings.ToLower(strings.TrimSpace(s))
	shift := uint(0)
	for _, u := range sizeUnits {
		if strings.HasSuffix(lower, u.suffix) {
			lower, shift = strings.TrimSuffix(lower, u.suffix), u.shift
			break
		}
	}
	v, err := strconv.ParseFloat(lower, 64)
	if err != nil || v < 0 || v*float64(int64(1)<<shift) >= 1<<62 {
		return 0, fmt.Errorf("%q is not a size such as 512K, 256M or 1G", s)
	}
	return int64(v * float64(int64(1)<<shift)), nil
}

// formatSize renders a byte count with the largest exact binary unit.
func formatSize(n int64) string {
	for _, u := range []struct {
		name  string
		shift uint
	}{{"G", 30}, {"M", 20}, {"K", 10}} {
		if n > 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// parseBind parses SRC:DST[:ro|:rw].
func parseBind(s string) (nsjail.Bind, error) {
	parts := strings.Split(s, ":")
	var b nsjail.Bind
	switch {
	case len(parts) == 2:
	case len(parts) == 3 && (parts[2] == "ro" || parts[2] == "rw"):
		b.ReadOnly = parts[2] == "ro"
	default:
		return b, fmt.Errorf("%q is not SRC:DST[:ro]", s)
	}
	src, err := filepath.Abs(parts[0])
	if err != nil || parts[0] == "" || parts[1] == "" {
		return b, fmt.Errorf("%q is not SRC:DST[:ro]", s)
	}
	b.Source, b.Target = src, parts[1]
	return b, nil
}

// withEgress gives cfg's jail the network of the destinations hosts
// through a proxy of this process (package egress), reporting each refused
// connection on stderr; the returned function ends it.
func withEgress(cfg *nsjail.Config, hosts []string) (func(), error) {
	policy, err := egress.ParsePolicy(hosts)
	if err != nil {
		return nil, usage(fmt.Errorf("--allow-host: %w", err))
	}
	proxy, err := egress.New(egress.Config{OnEvent: func(ev egress.Event) {
		if !ev.Allowed {
			stderr.Warnf("egress refused %s:%d: %s", ev.Host, ev.Port, ev.Detail)
		}
	}})
	if err != nil {
		return nil, err
	}
	run, err := proxy.StartRun("sandbox", "exec", egress.Limits{})
	if err != nil {
		return nil, err
	}
	grant := egress.Grant{ToolCall: "exec", Policy: policy}
	cfg.Egress = func(ctx context.Context, l net.Listener) { run.Serve(ctx, l, grant) }
	cfg.EgressCA = proxy.CA().CertPEM()
	return func() { run.Close() }, nil
}
