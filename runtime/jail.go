package runtime

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/quota"
)

// Mount is a host directory or file a workspace's jails see, validated as
// nsjail.Config.Binds are (e.g. a toolchain: /usr/local/go at
// /usr/local/go, read-only).
type Mount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"read_only,omitempty"`
}

// JailLimits are the limits of the jails a run's bash and native skills
// get. In WorkspaceConfig, zero fields take nsjail's defaults; in
// RunRequest.Jail, they may only tighten the workspace's (a larger value
// is refused), and zero fields keep it.
type JailLimits struct {
	// Memory is the memory limit of one jail in bytes (nsjail.Config.Memory).
	Memory int64 `json:"memory,omitempty"`
	// Pids is the limit on processes and threads of one jail.
	Pids int `json:"pids,omitempty"`
	// CPU is the CPU limit of one jail in cores.
	CPU float64 `json:"cpu,omitempty"`
	// MaxBashTimeout caps the timeout the model may ask bash for (default
	// MaxBashTimeout, 30 minutes).
	MaxBashTimeout Duration `json:"max_bash_timeout,omitempty"`
	// TmpSize is the size in bytes of a jail's private /tmp when it is a
	// tmpfs (without a disk quota; default nsjail.DefaultTmpSize).
	TmpSize int64 `json:"tmp_size,omitempty"`
}

// validate refuses negative limits and ones nsjail cannot apply.
func (l JailLimits) validate() error {
	switch {
	case l.Memory < 0 || l.Pids < 0 || l.CPU < 0 || l.MaxBashTimeout < 0 || l.TmpSize < 0:
		return fmt.Errorf("%w: jail limits must not be negative", ErrInvalidConfig)
	case l.Memory != 0 && l.Memory < nsjail.MinMemory:
		return fmt.Errorf("%w: memory %d bytes is below the jail's minimum of %d MiB", ErrInvalidConfig, l.Memory, nsjail.MinMemory>>20)
	case l.Pids != 0 && l.Pids < nsjail.MinPids:
		return fmt.Errorf("%w: pids %d is below the jail's minimum of %d", ErrInvalidConfig, l.Pids, nsjail.MinPids)
	case l.CPU > nsjail.MaxCPU:
		return fmt.Errorf("%w: cpu %g is above %d cores", ErrInvalidConfig, l.CPU, nsjail.MaxCPU)
	case time.Duration(l.MaxBashTimeout) > MaxBashTimeout:
		return fmt.Errorf("%w: max bash timeout %s is above %s", ErrInvalidConfig, time.Duration(l.MaxBashTimeout), MaxBashTimeout)
	}
	return nil
}

// tighten returns l with each field of over that is set applied, refusing
// any that would loosen l (against the defaults where l's is zero).
func (l JailLimits) tighten(over JailLimits) (JailLimits, error) {
	if err := over.validate(); err != nil {
		return l, err
	}
	eff := l.effective()
	check := func(name string, loosens bool) error {
		if loosens {
			return fmt.Errorf("%w: the run's jail %s may only tighten the workspace's", ErrInvalidConfig, name)
		}
		return nil
	}
	errs := errors.Join(
		check("memory", over.Memory > eff.Memory),
		check("pids", over.Pids > eff.Pids),
		check("cpu", over.CPU > eff.CPU),
		check("max bash timeout", over.MaxBashTimeout > eff.MaxBashTimeout),
		check("tmp size", over.TmpSize > eff.TmpSize),
	)
	if errs != nil {
		return l, errs
	}
	l.Memory = cmp.Or(over.Memory, l.Memory)
	l.Pids = cmp.Or(over.Pids, l.Pids)
	l.CPU = cmp.Or(over.CPU, l.CPU)
	l.MaxBashTimeout = cmp.Or(over.MaxBashTimeout, l.MaxBashTimeout)
	l.TmpSize = cmp.Or(over.TmpSize, l.TmpSize)
	return l, nil
}

// effective returns l with every zero field set to its default.
func (l JailLimits) effective() JailLimits {
	l.Memory = cmp.Or(l.Memory, nsjail.DefaultMemory)
	l.Pids = cmp.Or(l.Pids, nsjail.DefaultPids)
	l.CPU = cmp.Or(l.CPU, nsjail.DefaultCPU)
	l.MaxBashTimeout = cmp.Or(l.MaxBashTimeout, Duration(MaxBashTimeout))
	l.TmpSize = cmp.Or(l.TmpSize, nsjail.DefaultTmpSize)
	return l
}

// binds returns mounts as nsjail binds.
func binds(mounts []Mount) []nsjail.Bind {
	out := make([]nsjail.Bind, 0, len(mounts))
	for _, m := range mounts {
		out = append(out, nsjail.Bind{Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
	}
	return out
}

// volume returns the workspace's disk quota volume; ok is false without a
// quota.
func (w *Workspace) volume() (quota.Volume, bool) {
	return w.layout().volume(), w.cfg.DiskQuota > 0
}

// HomeDir returns the jails' persistent home directory, mounted at
// /root as HOME: caches (Go's build and module caches, pip, npm, cargo)
// last across calls and runs; DeleteWorkspace removes it.
func (w *Workspace) HomeDir() string { return w.data().home() }

// ensureData mounts the workspace's quota volume if it has one (after a
// reboot, or in a new process) and makes its home directory if missing
// (workspaces made before homes existed). Errors: the volume cannot be
// mounted; the run refuses to start (fail closed).
func (w *Workspace) ensureData() error {
	if v, ok := w.volume(); ok {
		if err := v.Mount(); err != nil {
			return fmt.Errorf("workspace %s: disk quota: %w", w.id, err)
		}
	}
	if err := os.Mkdir(w.HomeDir(), 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("workspace %s: home: %w", w.id, err)
	}
	return nil
}

// makeVolume creates the quota volume of a new workspace w (its directory
// exists) with files/, home/ and tmp/ inside. Errors: no quota mechanism
// on this host (quota.ErrUnavailable: fail closed), or the volume's own.
func (w *Workspace) makeVolume(ctx context.Context) error {
	v, _ := w.volume()
	if err := v.Create(ctx, w.cfg.DiskQuota); err != nil {
		return fmt.Errorf("workspace %s: disk quota of %d bytes: %w", w.id, w.cfg.DiskQuota, err)
	}
	data := w.layout().data(true)
	for _, d := range []string{data.files(), data.home(), data.tmp()} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return errors.Join(fmt.Errorf("workspace %s: %w", w.id, err), v.Remove())
		}
	}
	return nil
}

// DiskUsage reports the workspace's use of its disk quota; ok is false
// when it has none.
func (w *Workspace) DiskUsage() (u quota.Usage, ok bool, err error) {
	v, has := w.volume()
	if !has {
		return quota.Usage{}, false, nil
	}
	if err := v.Mount(); err != nil {
		return quota.Usage{}, true, err
	}
	u, err = v.Usage()
	return u, true, err
}

// jailConfig returns the nsjail configuration of the run's jails for the
// workspace mounted at dir, with limits l (already tightened by the run)
// and the extra binds (enabled skills) exposed read-only.
func (w *Workspace) jailConfig(dir string, l JailLimits, extra []nsjail.Bind, expose []string) nsjail.Config {
	cfg := nsjail.Config{
		Workspace:      dir,
		Home:           w.HomeDir(),
		Binds:          append(binds(w.cfg.Mounts), extra...),
		ExposeReadOnly: expose,
		ProtectedPaths: w.p.protectedPaths(),
		Memory:         l.Memory,
		Pids:           l.Pids,
		CPU:            l.CPU,
		TmpSize:        l.TmpSize,
		Cgroup:         w.p.cgroup,
	}
	if _, ok := w.volume(); ok {
		cfg.TmpDir = w.data().tmp()
	}
	return cfg
}

// resizeQuota applies a changed DiskQuota to the workspace's volume. A
// quota cannot be added to a workspace that has none, nor removed (that
// would take copying its files in or out of the volume). The volume is
// resized offline: the idle jail init stage (which holds a copy of the
// host's mounts) is released first; quota.ErrBusy means a jail still
// uses it.
func (w *Workspace) resizeQuota(limit int64) error {
	v, has := w.volume()
	switch {
	case limit == w.cfg.DiskQuota:
		return nil
	case !has || limit == 0:
		return fmt.Errorf("workspace %s: %w: a disk quota is set when the workspace is created; it can be resized, not added or removed", w.id, ErrInvalidConfig)
	}
	nsjail.ReleaseIdle()
	if err := v.Resize(context.Background(), limit); err != nil {
		return fmt.Errorf("workspace %s: resize disk quota: %w", w.id, err)
	}
	return nil
}

// removeVolume unmounts and removes the quota volume of the workspace in
// dir, if it has one, so that its directory can be removed.
func removeVolume(dir string) error {
	v := layout{dir}.volume()
	if _, err := os.Lstat(v.Image); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	nsjail.ReleaseIdle()
	return v.Remove()
}
