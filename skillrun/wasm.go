package skillrun

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/wasmhost"
)

// Where a WASM skill sees its folders.
const (
	wasmSkillDir     = "/skill"
	wasmTmpDir       = "/tmp"
	wasmWorkspaceDir = "/workspace"
)

// runWASM runs a WASM skill as a WASI command.
func (e *Executor) runWASM(ctx context.Context, c *call) (*Result, error) {
	if e.opts.WASM == nil {
		return nil, ErrNoWASMHost
	}
	sk := c.req.Skill
	extra := map[string]string{"TMPDIR": wasmTmpDir}
	mounts := []wasmhost.Mount{{HostDir: sk.Dir, GuestPath: wasmSkillDir, ReadOnly: true}}
	if mounted, readOnly := workspaceAccess(sk); mounted {
		ws, err := nsjail.CheckWorkspace(c.req.Workspace, c.req.ProtectedPaths)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
		}
		mounts = append(mounts, wasmhost.Mount{HostDir: ws, GuestPath: wasmWorkspaceDir, ReadOnly: readOnly})
		extra["PWD"] = wasmWorkspaceDir
	}
	for _, o := range c.req.SkillMounts {
		mounts = append(mounts, wasmhost.Mount{HostDir: o.Dir, GuestPath: MountPoint(o.ID), ReadOnly: true})
	}
	env, err := c.req.env(wasmSkillDir, extra)
	if err != nil {
		return nil, err
	}
	cmd, release, err := e.modules.acquire(ctx, filepath.Join(sk.Dir, sk.Entry))
	if err != nil {
		return nil, err
	}
	defer release()
	scratch, err := e.scratch.get()
	if err != nil {
		return nil, err
	}
	defer e.scratch.put(scratch)
	mounts = append(mounts, wasmhost.Mount{HostDir: scratch, GuestPath: wasmTmpDir, MaxBytes: c.limits.TmpSize})

	out := newOutputs(c.mask, c.limits.StderrTail)
	limits := skillCallLimits
	limits.Timeout = c.limits.Timeout
	cr, err := e.opts.WASM.RunCommand(ctx, cmd, wasmhost.CommandSpec{
		Args:        []string{sk.ID},
		Env:         env,
		Stdin:       bytes.NewReader(c.params),
		Stdout:      out.out,
		Stderr:      out.errw,
		OutputLimit: c.limits.OutputLimit,
		Mounts:      mounts,
		Handler:     &skillCalls{id: sk.ID, params: c.params, mask: c.mask, log: e.opts.Logger},
		Methods:     hostcall.SkillMethods,
		Limits:      limits,
		MemoryPages: uint32(max(1, min(c.limits.Memory>>16, 1<<16))),
	})
	if cr != nil && cr.StdoutOmitted > 0 {
		out.noteTruncation(cr.StdoutOmitted)
	}
	res := &Result{}
	out.finish(res)
	if cr == nil {
		return nil, err
	}
	res.ExitCode, res.Trap = int(cr.ExitCode), cr.Trap
	res.TimedOut, res.OOMKilled = cr.TimedOut, cr.OutOfMemory
	res.StdoutTruncated = cr.StdoutOmitted > 0
	return res, err
}
