package skillrun

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/bulkhead-dev/bulkhead/nsjail"
	"net"
	"regexp"
	"sync"
	"time"

	"github.com/bulkhead-dev/bulkhead/skills"
)

// Defaults and bounds of a skill call; see Limits.
const (
	// DefaultOutputLimit is the bytes kept of each of stdout and stderr.
	DefaultOutputLimit int64 = 10 << 20
	// DefaultStderrTail is the bytes of stderr kept in Result.StderrTail.
	DefaultStderrTail = 4 << 10
	// DefaultMemory is the memory limit: the whole jail's for a native
	// skill, the linear memory's for a WASM skill.
	DefaultMemory int64 = 256 << 20
	// DefaultTmpSize is the size limit of a native skill's /tmp and of the
	// bytes a WASM skill may write to its /tmp.
	DefaultTmpSize int64 = 64 << 20
	// MaxParamsBytes is the largest params accepted.
	MaxParamsBytes = 1 << 20
)

// Limits bound one skill call. Zero fields take the defaults; negative
// ones are an error.
type Limits struct {
	// Timeout is the wall-clock limit. Zero means the skill's frontmatter
	// "timeout" (skills.DefaultTimeout, 30 s, when it has none). Either is
	// cut to Options.MaxTimeout.
	Timeout time.Duration
	// OutputLimit caps each of stdout and stderr in bytes (default
	// DefaultOutputLimit, 10 MiB); output beyond it is discarded and a
	// notice appended to Result.Stdout.
	OutputLimit int64
	// StderrTail is the bytes of stderr kept in Result.StderrTail
	// (default DefaultStderrTail, 4 KiB).
	StderrTail int
	// Memory caps memory in bytes (default DefaultMemory, 256 MiB): the
	// jail's cgroup for a native skill (at least nsjail.MinMemory), the
	// linear memory for a WASM skill (rounded down to 64 KiB pages, at
	// most the wasmhost.Host's cap).
	Memory int64
	// TmpSize caps /tmp in bytes (default DefaultTmpSize, 64 MiB): the
	// jail's tmpfs, or what a WASM skill may write to its scratch
	// directory.
	TmpSize int64
	// Pids caps the processes and threads of a native skill's jail
	// (default nsjail.DefaultPids).
	Pids int
	// CPU caps a native skill's jail in cores (default nsjail.DefaultCPU).
	CPU float64
}

// Request is one skill call.
type Request struct {
	// Skill is the skill to run, as the catalog returned it: Dir, Kind,
	// Entry and Frontmatter (Timeout, Workspace) are used. Instruction
	// skills are refused (ErrNotExecutable).
	Skill *skills.Skill
	// Params is given to the skill on standard input (and to a WASM
	// skill's params.read): a JSON value of at most MaxParamsBytes. Empty
	// means {}.
	Params json.RawMessage
	// Credentials maps environment variable names to the values to inject:
	// the keys of the credential entries the skill declared, decrypted by
	// the caller. Names follow the POSIX syntax and may not be SKILL_DIR,
	// PWD or TMPDIR (native skills: nor any name nsjail.Config.Env
	// refuses). Execute zeroes every value before it returns, whatever
	// happens.
	Credentials map[string][]byte
	// Workspace is the workspace's host directory. It is mounted only when
	// the skill's frontmatter asks for workspace: read or write, and must
	// then be set; it is held to nsjail.CheckWorkspace's rules.
	Workspace string
	// ProtectedPaths are host paths no mount may expose (the runtime's
	// state directory and compilation cache; see
	// nsjail.Config.ProtectedPaths). The skill folders of the call are
	// exempted by name, read-only.
	ProtectedPaths []string
	// Env holds extra variables (proxy settings, ...). They are not
	// secret: they are not masked. Names must not collide with a
	// credential or SKILL_DIR, PWD, TMPDIR.
	Env map[string]string
	// Egress and EgressCA give a native skill the network of its
	// frontmatter's network: list (see nsjail.Config.Egress); nil: loopback
	// only. WASM skills have no sockets.
	Egress   func(ctx context.Context, l net.Listener)
	EgressCA []byte
	// Cgroup is the cgroup mode of a native skill's jail (the platform's,
	// see nsjail.CgroupMode); empty means nsjail.CgroupAuto.
	Cgroup nsjail.CgroupMode
	// SkillMounts are other skills whose folders the call also sees,
	// read-only, at /skills/<id>; none by default.
	SkillMounts []*skills.Skill
	// Limits bound the call.
	Limits Limits
}

// reservedEnv are the variables Execute sets itself.
var reservedEnv = map[string]bool{"SKILL_DIR": true, "PWD": true, "TMPDIR": true}

// envName is the portable variable name syntax of POSIX.1-2017, Base
// Definitions §8.1.
var envName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`) })

// limits returns r.Limits with defaults applied and the timeout chosen,
// or an error naming a negative field.
func (r *Request) limits(maxTimeout time.Duration) (Limits, error) {
	l := r.Limits
	switch {
	case l.Timeout < 0:
		return l, fmt.Errorf("%w: Limits.Timeout is negative", ErrInvalidRequest)
	case l.OutputLimit < 0:
		return l, fmt.Errorf("%w: Limits.OutputLimit is negative", ErrInvalidRequest)
	case l.StderrTail < 0:
		return l, fmt.Errorf("%w: Limits.StderrTail is negative", ErrInvalidRequest)
	case l.Memory < 0:
		return l, fmt.Errorf("%w: Limits.Memory is negative", ErrInvalidRequest)
	case l.TmpSize < 0:
		return l, fmt.Errorf("%w: Limits.TmpSize is negative", ErrInvalidRequest)
	case l.Pids < 0:
		return l, fmt.Errorf("%w: Limits.Pids is negative", ErrInvalidRequest)
	case l.CPU < 0:
		return l, fmt.Errorf("%w: Limits.CPU is negative", ErrInvalidRequest)
	}
	if l.Timeout == 0 {
		l.Timeout = r.Skill.Timeout
	}
	if l.Timeout <= 0 {
		l.Timeout = skills.DefaultTimeout
	}
	l.Timeout = min(l.Timeout, maxTimeout)
	if l.OutputLimit == 0 {
		l.OutputLimit = DefaultOutputLimit
	}
	if l.StderrTail == 0 {
		l.StderrTail = DefaultStderrTail
	}
	if l.Memory == 0 {
		l.Memory = DefaultMemory
	}
	if l.TmpSize == 0 {
		l.TmpSize = DefaultTmpSize
	}
	return l, nil
}

// params returns the params to give, {} when none, after checking they are
// one JSON value of at most MaxParamsBytes.
func (r *Request) params() ([]byte, error) {
	if len(r.Params) == 0 {
		return []byte("{}"), nil
	}
	if len(r.Params) > MaxParamsBytes {
		return nil, fmt.Errorf("%w: params are %d bytes, more than %d", ErrInvalidRequest, len(r.Params), MaxParamsBytes)
	}
	if !json.Valid(r.Params) {
		return nil, fmt.Errorf("%w: params are not valid JSON", ErrInvalidRequest)
	}
	return r.Params, nil
}

// env returns the skill's variables besides the fixed ones: skillDir as
// SKILL_DIR, every credential, and Request.Env. Errors name variables,
// never values.
func (r *Request) env(skillDir string, extra map[string]string) (map[string]string, error) {
	env := make(map[string]string, len(r.Credentials)+len(r.Env)+2)
	for k, v := range extra {
		env[k] = v
	}
	env["SKILL_DIR"] = skillDir
	for k, v := range r.Env {
		if reservedEnv[k] || r.Credentials[k] != nil {
			return nil, fmt.Errorf("%w: Env: %s is set by the executor or a credential", ErrInvalidRequest, k)
		}
		if !envName().MatchString(k) {
			return nil, fmt.Errorf("%w: Env: %q is not a variable name", ErrInvalidRequest, k)
		}
		env[k] = v
	}
	for k, v := range r.Credentials {
		if !envName().MatchString(k) {
			return nil, fmt.Errorf("%w: credential variable %q is not a variable name", ErrInvalidRequest, k)
		}
		if reservedEnv[k] {
			return nil, fmt.Errorf("%w: credential variable %s is set by the executor", ErrInvalidRequest, k)
		}
		for _, c := range v {
			if c == 0 {
				return nil, fmt.Errorf("%w: the value of credential variable %s contains NUL", ErrInvalidRequest, k)
			}
		}
		env[k] = string(v)
	}
	return env, nil
}

// zeroCredentials overwrites every credential value with zero bytes.
func (r *Request) zeroCredentials() {
	for _, v := range r.Credentials {
		clear(v)
	}
}
