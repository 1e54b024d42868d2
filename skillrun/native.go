package skillrun

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/skills"
)

// jailPATH is the PATH inside nsjail's jails (the Debian default for root);
// interpreters are looked up in it. TestJailPATH checks it against a jail.
const jailPATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// interpreters are the programs that run the native entry points with an
// extension; "execute" is executed itself.
var interpreters = map[string]string{
	"execute.sh": "bash",
	"execute.py": "python3",
	"execute.js": "node",
}

// maxShebang is the longest "#!" line Linux reads (BINPRM_BUF_SIZE).
const maxShebang = 256

// runNative runs a native skill in a fresh jail.
func (e *Executor) runNative(ctx context.Context, c *call) (*Result, error) {
	sk := c.req.Skill
	target := MountPoint(sk.ID)
	argv, err := nativeArgv(sk, target)
	if err != nil {
		return nil, err
	}
	env, err := c.req.env(target, nil)
	if err != nil {
		return nil, err
	}
	ws, readOnly, err := e.nativeWorkspace(c.req)
	if err != nil {
		return nil, err
	}
	binds, expose := JailBinds(append([]*skills.Skill{sk}, c.req.SkillMounts...)...)
	out := newOutputs(c.mask, c.limits.StderrTail)
	cfg := nsjail.Config{
		Workspace:         ws,
		WorkspaceReadOnly: readOnly,
		Binds:             binds,
		ProtectedPaths:    c.req.ProtectedPaths,
		ExposeReadOnly:    expose,
		Env:               env,
		Timeout:           c.limits.Timeout,
		OutputLimit:       c.limits.OutputLimit,
		TmpSize:           c.limits.TmpSize,
		Memory:            c.limits.Memory,
		Pids:              c.limits.Pids,
		CPU:               c.limits.CPU,
		Egress:            c.req.Egress,
		EgressCA:          c.req.EgressCA,
		Cgroup:            c.req.Cgroup,
		Stdin:             bytes.NewReader(c.params),
		Stdout:            out.out,
		Stderr:            out.errw,
	}
	jr, err := nsjail.Run(ctx, cfg, argv)
	res := &Result{}
	out.finish(res)
	if jr == nil {
		return nil, err
	}
	res.ExitCode, res.Signal = jr.ExitCode, jr.Signal
	res.TimedOut, res.OOMKilled = jr.TimedOut, jr.OOMKilled
	res.Jail = &jr.Usage
	res.StdoutTruncated = jr.StdoutTruncated
	return res, err
}

// nativeWorkspace returns the directory mounted at /workspace: the
// workspace when the skill may see it, else the executor's shared empty
// directory; read-only unless the skill may write.
func (e *Executor) nativeWorkspace(req *Request) (dir string, readOnly bool, err error) {
	if mounted, ro := workspaceAccess(req.Skill); mounted {
		return req.Workspace, ro, nil
	}
	empty, err := e.scratch.emptyDir()
	return empty, true, err
}

// nativeArgv returns the command that runs the entry point of sk, mounted
// at target in the jail: its interpreter for execute.sh (bash), .py
// (python3) and .js (node), else execute itself; an execute that lost its
// executable bits (an archive that kept no modes) runs through its "#!"
// line, as the kernel would run it.
func nativeArgv(sk *skills.Skill, target string) ([]string, error) {
	host := filepath.Join(sk.Dir, sk.Entry)
	entry := target + "/" + sk.Entry
	fi, err := os.Lstat(host)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: entry point %s is missing or not a regular file", ErrNotExecutable, sk.Entry)
	}
	if name, ok := interpreters[sk.Entry]; ok {
		path, err := jailLookPath(name)
		if err != nil {
			return nil, fmt.Errorf("%w: %s needs %s, which is not installed in the jail's root (looked in %s)", ErrMissingInterpreter, sk.Entry, name, jailPATH)
		}
		return []string{path, entry}, nil
	}
	if fi.Mode().Perm()&0o111 != 0 {
		return []string{entry}, nil
	}
	interp, arg, err := readShebang(host)
	if err != nil {
		return nil, fmt.Errorf("%w: %s has mode %v, not executable, and %v", ErrNotExecutable, sk.Entry, fi.Mode().Perm(), err)
	}
	argv := []string{interp}
	if arg != "" {
		argv = append(argv, arg)
	}
	return append(argv, entry), nil
}

// jailLookPath finds name in jailPATH the way execvp(3) would inside the
// jail: the jail's /usr, /bin, /sbin and /lib are the host's, so the host's
// files answer.
func jailLookPath(name string) (string, error) {
	for _, dir := range strings.Split(jailPATH, ":") {
		p := dir + "/" + name
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", os.ErrNotExist
}

// readShebang parses the "#!" line of the file at path as Linux does
// (binfmt_script): the interpreter is the first word after "#!", and the
// rest of the line, trimmed, is one optional argument. The interpreter
// must be an absolute path.
func readShebang(path string) (interp, arg string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	buf := make([]byte, maxShebang)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", "", err
	}
	line, ok := bytes.CutPrefix(buf[:n], []byte("#!"))
	if !ok {
		return "", "", fmt.Errorf("does not start with a #! line")
	}
	line, _, _ = bytes.Cut(line, []byte("\n"))
	interp = strings.TrimSpace(string(line))
	if i := strings.IndexAny(interp, " \t"); i >= 0 {
		interp, arg = interp[:i], strings.TrimSpace(interp[i+1:])
	}
	if !filepath.IsAbs(interp) {
		return "", "", fmt.Errorf("its #! line names %q, not an absolute path", interp)
	}
	return interp, arg, nil
}
