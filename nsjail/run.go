package nsjail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
	"golang.org/x/sys/unix"
)

// BashPath is the shell [Bash] runs.
const BashPath = "/bin/bash"

// Run runs argv in a new jail described by cfg and waits for it. argv[0] is
// looked up in the jail's PATH unless it contains a slash.
//
// A command that runs and fails (non-zero exit, signal, timeout, OOM kill)
// is a Result, not an error. Errors mean the command did not run: an
// invalid cfg or argv (wrapping [ErrInvalidConfig]), or a jail layer that
// could not be set up or did not verify (a *[SetupError] naming the layer
// and the system call); every layer is applied before the command starts,
// so a layer that cannot be applied stops the run. When ctx ends before
// the command does, the whole jail is killed and Run returns the partial
// Result together with an error wrapping ctx.Err().
//
// # Notes
//
// The host process is root or an ordinary user (see [HostPrivilege] and
// doc.go). The thread that cloned a
// jail stays locked to its goroutine until the jail is reaped, because the
// jail's parent-death signal (prctl(2) PR_SET_PDEATHSIG) fires when that
// thread exits: the calling goroutine's thread for a cold call, a pool
// goroutine's for a pre-started init stage. Concurrent calls are safe and
// each uses one thread. From its second call on, the process keeps one
// init stage started ahead of the next call (see [ReleaseIdle]).
func Run(ctx context.Context, cfg Config, argv []string) (*Result, error) {
	mounts, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if err := validateArgv(argv); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("nsjail: run canceled before start: %w", err)
	}
	priv, err := hostPrivilege()
	if err != nil {
		return nil, err
	}
	if !priv.Root {
		if err := checkOwners(mounts, priv.UID); err != nil {
			return nil, err
		}
	}
	if sealErr != nil {
		return nil, sealErr
	}
	// The filter is assembled once per process and takes milliseconds;
	// the first call builds it while the cgroup leaf is made.
	go seccompProgram()
	plan, err := planCgroups(cfg.Cgroup)
	if err != nil {
		return nil, err
	}
	return run(ctx, cfg, argv, mounts, plan)
}

// Bash runs "/bin/bash -c command" in a new jail; see [Run].
func Bash(ctx context.Context, cfg Config, command string) (*Result, error) {
	return Run(ctx, cfg, []string{BashPath, "-c", command})
}

// validateArgv checks that argv names a program and holds no NUL byte,
// which execve(2) cannot pass.
func validateArgv(argv []string) error {
	if len(argv) == 0 || argv[0] == "" {
		return fmt.Errorf("%w: argv is empty", ErrInvalidConfig)
	}
	for i, a := range argv {
		if strings.IndexByte(a, 0) >= 0 {
			return fmt.Errorf("%w: argv[%d] contains NUL", ErrInvalidConfig, i)
		}
	}
	return nil
}

// run runs a validated, defaulted call with the given cgroup plan: the
// host-side layers (cgroup leaf, idmapped mount trees), the init stage
// (started ahead in pool.go, or cloned now), the spec, the wait and the
// cleanup.
func run(ctx context.Context, cfg Config, argv []string, mounts []resolvedMount, plan cgroupPlan) (res *Result, err error) {
	defer refill(plan) // after everything below: between calls
	clock := newPhaseClock()
	sp, err := newSpec(cfg, argv)
	if err != nil {
		return nil, err
	}
	priv, err := hostPrivilege()
	if err != nil {
		return nil, err
	}
	sp.JailUID, sp.JailGID = uint32(priv.UID), uint32(priv.GID)
	mounts, callTmp, err := withCallTmp(mounts)
	if err != nil {
		return nil, err
	}
	if callTmp != "" {
		sp.TmpBound = true
		defer func() {
			if rerr := removeTree(callTmp); rerr != nil {
				err = errors.Join(err, &SetupError{Step: "mnt", Err: fmt.Errorf("remove the call's /tmp: %w", rerr)})
			}
		}()
	}
	for _, m := range mounts {
		sm := stage.Mount{Target: m.target, Dir: m.dir}
		if !priv.Root {
			// No idmapped mounts without root: the init stage binds.
			sm.Source, sm.ReadOnly = m.source, m.readOnly
		}
		sp.Mounts = append(sp.Mounts, sm)
	}
	clock.mark("host:spec")
	stdout, stderr := outputWriter(cfg.Stdout, cfg.OutputLimit), outputWriter(cfg.Stderr, cfg.OutputLimit)
	stdio, err := newJailStdio(cfg.Stdin, stdout, stderr)
	if err != nil {
		return nil, &SetupError{Step: "namespaces", Err: err}
	}
	sp.Stdin = stdio.stdin != nil
	start := time.Now()
	p, leaf, err := acquireInit(plan, limitsOf(cfg))
	if err != nil {
		stdio.close()
		return nil, err
	}
	defer p.release()
	defer func() {
		if rerr := leaf.remove(); rerr != nil {
			err = errors.Join(err, &SetupError{Step: "cgroup", Err: fmt.Errorf("remove leaf: %w", rerr)})
		}
		if res != nil {
			clock.mark("host:cgroup-remove")
			res.hostSteps = clock.steps
		}
	}()
	defer p.reportR.Close()
	clock.mark("host:clone")

	runCtx, cancel := context.WithTimeoutCause(ctx, cfg.Timeout, errTimedOut)
	defer cancel()
	stop := context.AfterFunc(runCtx, func() {
		if l, err := leaf.get(); err == nil {
			_ = l.kill()
		}
		_ = p.cmd.Process.Kill()
	})
	defer stop()
	trees, err := prepareInit(p.initProc, leaf, priv, mounts, sp)
	if err != nil {
		p.spec.Close()
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		stdio.close()
		return nil, err
	}
	clock.mark("host:prepare")
	if cfg.Egress != nil {
		sp.ProxyPort = EgressPort
	}
	specErr := sendSpec(p.initProc, sp, stdio, trees, cfg.Egress != nil)
	if cfg.Egress != nil && specErr == nil {
		egressCtx, stopEgress := context.WithCancel(runCtx)
		defer stopEgress() // the jail's end stops its proxy and closes the listener
		go serveEgress(egressCtx, p.spec, cfg.Egress)
	}
	closeTrees(trees)
	stdio.started()
	waitErr := p.cmd.Wait()
	clock.mark("host:wait")
	stdio.wait(waitDelay)
	res = &Result{Duration: time.Since(start)}
	res.Stdout, res.StdoutTruncated = stdout.finish()
	res.Stderr, res.StderrTruncated = stderr.finish()
	res.Usage = usageOf(p.cmd.ProcessState)
	made, _ := leaf.get()    // made: prepareInit succeeded
	cu, uerr := made.usage() // the jail's processes are gone: the init stage was reaped last
	if uerr != nil {
		return nil, &SetupError{Step: "cgroup", Err: fmt.Errorf("read usage: %w", uerr)}
	}
	res.OOMKilled, res.Usage.MemoryPeak = cu.oomKills > 0, cu.memoryPeak
	res.Usage.CPUTime, res.Usage.CPUTimeSource = res.Usage.UserTime+res.Usage.SystemTime, CPUSourceRusage
	if cu.cpuKnown {
		res.Usage.CPUTime, res.Usage.CPUTimeSource = cu.cpu, CPUSourceCgroup
	}
	clock.mark("host:output")
	return finishResult(ctx, runCtx, p.initProc, res, specErr, waitErr)
}

// acquiredInit is an init stage for one call and what to do when the call
// is over.
type acquiredInit struct {
	*initProc
	release func()
}

// acquireInit returns an init stage for a call and its cgroup leaf: the
// pre-started one if the pool has it (its leaf gets limits l), else a new
// clone, into a new leaf with cgroup v2; a new cgroup v1 leaf is made in
// the background while the clone runs (the init stage joins it from the
// spec).
func acquireInit(plan cgroupPlan, l cgroupLimits) (acquiredInit, *pendingLeaf, error) {
	if ii := takeIdle(plan); ii != nil {
		release := func() { close(ii.release) }
		if err := ii.leaf.setLimits(l); err != nil {
			ii.discard()
			return acquiredInit{}, nil, &SetupError{Step: "cgroup", Err: err}
		}
		return acquiredInit{ii.p, release}, readyLeaf(ii.leaf), nil
	}
	// The jail dies with the thread that cloned it (Pdeathsig): keep it
	// until the jail is reaped.
	runtime.LockOSThread()
	var leaf *pendingLeaf
	var cloneLeaf cgroupLeaf
	if plan.version == 2 {
		made, err := plan.newLeaf(l)
		if err != nil {
			runtime.UnlockOSThread()
			return acquiredInit{}, nil, &SetupError{Step: "cgroup", Err: err}
		}
		leaf, cloneLeaf = readyLeaf(made), made
	} else {
		leaf = startLeaf(plan, l)
	}
	p, err := startInit(cloneLeaf)
	if err != nil {
		leaf.remove()
		runtime.UnlockOSThread()
		return acquiredInit{}, nil, err
	}
	return acquiredInit{p, runtime.UnlockOSThread}, leaf, nil
}

// prepareInit does the host's part once the init stage exists: it checks
// the init stage's cgroup v2 placement, completes the spec with the cgroup
// v1 leaves to join and the seccomp filter, and, as root, opens the mount
// trees idmapped (see idmappedTree). The init stage waits for the spec
// meanwhile, and joins its leaves before anything else.
func prepareInit(p *initProc, pending *pendingLeaf, priv Privilege, mounts []resolvedMount, sp *stage.Spec) ([]mountTree, error) {
	pid := p.cmd.Process.Pid
	leaf, err := pending.get()
	if err != nil {
		return nil, err
	}
	if err := leaf.attach(pid); err != nil {
		return nil, &SetupError{Step: "cgroup", Err: fmt.Errorf("place the init stage: %w", err)}
	}
	sp.Cgroups = leaf.joins()
	filter, err := seccompProgram()
	if err != nil {
		return nil, &SetupError{Step: "seccomp", Err: err}
	}
	sp.Seccomp = filter
	if !priv.Root {
		return nil, nil
	}
	return openTrees(pid, mounts)
}

// finishResult completes res from the init stage's report, or explains
// why there is none.
func finishResult(ctx, runCtx context.Context, p *initProc, res *Result, specErr, waitErr error) (*Result, error) {
	rep, reported, err := stage.ReadReport(p.reportR)
	switch {
	case err != nil:
		return nil, &SetupError{Step: "init", Err: err}
	case reported && reportError(rep) != nil:
		return nil, reportError(rep)
	case reported:
		res.ExitCode, res.Signal, res.steps = rep.ExitCode, signalName(rep.Signal), rep.Steps
		return res, nil
	}
	// No report: the init stage was killed before the command finished.
	res.ExitCode, res.Signal = -1, "SIGKILL"
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("nsjail: run canceled: %w", ctx.Err())
	case errors.Is(context.Cause(runCtx), errTimedOut):
		res.TimedOut = true
		return res, nil
	case res.OOMKilled:
		return res, nil
	case specErr != nil:
		return nil, &SetupError{Step: "spec", Err: specErr}
	}
	return nil, &SetupError{Step: "init", Err: fmt.Errorf("init stage exited without a report: %w", waitErr)}
}

// phaseClock records how long each host-side phase of run took, for
// benchmarks (see bench_test.go).
type phaseClock struct {
	last  time.Time
	steps []stage.StepTime
}

func newPhaseClock() *phaseClock { return &phaseClock{last: time.Now()} }

// mark ends the phase called name.
func (c *phaseClock) mark(name string) {
	now := time.Now()
	c.steps = append(c.steps, stage.StepTime{Name: name, Micros: now.Sub(c.last).Microseconds()})
	c.last = now
}

// usageOf extracts the init stage's rusage, which includes every process
// of the jail it reaped: all of them (stage reapAll), unless the jail was
// killed first (see Usage).
func usageOf(ps *os.ProcessState) Usage {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return Usage{}
	}
	return Usage{
		UserTime:   time.Duration(ru.Utime.Nano()),
		SystemTime: time.Duration(ru.Stime.Nano()),
		MaxRSS:     ru.Maxrss << 10, // kilobytes on Linux
		// write_bytes >> 9 per process (the kernel's task_io_get_oublock)
		WriteBytes: ru.Oublock * 512,
	}
}

// newSpec assembles the init stage's spec from a validated, defaulted cfg;
// prepareInit adds the seccomp filter.
func newSpec(cfg Config, argv []string) (*stage.Spec, error) {
	root, err := rootfsPlan()
	if err != nil {
		return nil, &SetupError{Step: "mnt", Err: err}
	}
	return &stage.Spec{
		Argv:     argv,
		Env:      buildEnv(withEgressEnv(cfg), homeOf(cfg.Home)),
		Home:     homeOf(cfg.Home),
		ShmSize:  min(cfg.TmpSize, MaxShmSize),
		Hostname: cfg.Hostname,
		Loopback: cfg.Network == NetworkLoopback,
		ExtraCA:  cfg.EgressCA,
		TmpSize:  cfg.TmpSize,
		Root:     root,
		Rlimits:  rlimitsOf(cfg),
	}, nil
}

// signalName names signal number n ("SIGKILL"); 0 is no signal.
func signalName(n int) string {
	if n == 0 {
		return ""
	}
	if name := unix.SignalName(syscall.Signal(n)); name != "" {
		return name
	}
	return fmt.Sprintf("signal %d", n)
}
