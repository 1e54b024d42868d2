package nsjail

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
)

// builtinProtected are host paths no bind may expose (see Config.Binds):
// kernel interfaces, boot files, home directories, runtime sockets (Docker,
// containerd, CRI-O and Podman sockets all live under /run), password and
// sudo databases, SSH host keys, and container runtime state.
var builtinProtected = []string{
	"/proc", "/sys", "/dev", "/boot", "/root", "/home", "/run", "/var/run",
	"/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d", "/etc/ssh",
	"/var/lib/docker", "/var/lib/containerd", "/var/lib/containers",
}

// workspaceForbiddenTrees are host trees the workspace may not lie in.
var workspaceForbiddenTrees = []string{"/proc", "/sys", "/dev", "/boot", "/run", "/var/run"}

// systemTrees hold the host's programs, configuration and queues. Files in
// them are owned by host root, which the idmapped mounts show to the jail
// as its own root: mounted writable, they would let a jail change what the
// host runs. The workspace may not lie in them, and binds from them must
// be read-only.
var systemTrees = []string{
	"/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	"/var/spool", "/var/log", "/var/mail", "/var/lib/dpkg", "/var/lib/apt", "/var/cache",
}

// resolvedSystemTrees are systemTrees with their symlinks resolved (on a
// merged-/usr host /bin is /usr/bin).
var resolvedSystemTrees = sync.OnceValue(func() []string {
	return resolveAll(systemTrees)
})

// inSystemTree returns the system tree that holds path, or "".
func inSystemTree(path string) string {
	for _, tree := range resolvedSystemTrees() {
		if within(path, tree) {
			return tree
		}
	}
	return ""
}

// reservedTargets are the jail's own directories; no bind goes in them,
// except read-only over an existing path under /usr (see validateTarget).
var reservedTargets = []string{
	"/proc", "/dev", "/sys", "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	"/tmp", stage.WorkspaceDir, stage.HomeDir, stage.OldRootDir, "/newroot",
}

// usrDir is the jail's read-only /usr, a bind of the host's.
const usrDir = "/usr"

// resolvedMount is a validated caller mount.
type resolvedMount struct {
	source   string // host path, every symlink resolved
	target   string // path in the jail
	readOnly bool
	dir      bool
	// perCall marks Config.TmpDir: source is the parent under which each
	// call's own directory is made (see tmpdir.go).
	perCall bool
	// field names the Config field the mount comes from, for messages.
	field string
}

// resolvedBuiltins are builtinProtected with their symlinks resolved, once
// per process: /var/run is usually a symlink to /run.
var resolvedBuiltins = sync.OnceValue(func() []string {
	return resolveAll(builtinProtected)
})

// protectedPaths returns every protected host path for c, resolved.
func (c Config) protectedPaths() ([]string, error) {
	for _, p := range c.ProtectedPaths {
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("%w: ProtectedPaths: %q is not an absolute path", ErrInvalidConfig, p)
		}
	}
	return append(resolveAll(c.ProtectedPaths), resolvedBuiltins()...), nil
}

// CheckWorkspace applies the jail's rules for Config.Workspace to dir with
// the given extra protected paths (see Config.Binds and
// Config.ProtectedPaths) and returns dir with its symlinks resolved. The
// WebAssembly file tools use it so that they serve exactly the directories
// a jail would mount. Errors wrap ErrInvalidConfig.
func CheckWorkspace(dir string, protected []string) (string, error) {
	paths, err := Config{ProtectedPaths: protected}.protectedPaths()
	if err != nil {
		return "", err
	}
	m, err := resolveWorkspace(dir, paths)
	return m.source, err
}

// resolveAll resolves each path's symlinks; a path that does not exist is
// kept as given (cleaned), so it stays protected if it appears later.
func resolveAll(paths []string) []string {
	out := make([]string, 0, 2*len(paths))
	for _, p := range paths {
		p = filepath.Clean(p)
		out = append(out, p)
		if r, err := filepath.EvalSymlinks(p); err == nil && r != p {
			out = append(out, r)
		}
	}
	return out
}

// resolveMounts validates the workspace, the home directory and the
// per-call /tmp's parent (when set) and the binds and returns them in that
// order. Workspace, Home and TmpDir must not lie in one another.
func (c Config) resolveMounts() ([]resolvedMount, error) {
	protected, err := c.protectedPaths()
	if err != nil {
		return nil, err
	}
	ws, err := resolveWorkspace(c.Workspace, protected)
	if err != nil {
		return nil, err
	}
	ws.readOnly = c.WorkspaceReadOnly
	mounts := []resolvedMount{ws}
	dirs := []struct{ field, path string }{{"Workspace", ws.source}}
	for _, d := range []struct{ field, path string }{{"Home", c.Home}, {"TmpDir", c.TmpDir}} {
		if d.path == "" {
			continue
		}
		m, err := resolveDir(d.field, d.path, protected)
		if err != nil {
			return nil, err
		}
		for _, prev := range dirs {
			if within(m.source, prev.path) || within(prev.path, m.source) {
				return nil, fmt.Errorf("%w: %s %q and %s %q lie in one another; give each its own directory", ErrInvalidConfig, d.field, d.path, prev.field, prev.path)
			}
		}
		dirs = append(dirs, struct{ field, path string }{d.field, m.source})
		if d.field == "Home" {
			m.target = stage.HomeDir
		} else {
			m.target, m.perCall = stage.TmpDir, true
		}
		mounts = append(mounts, m)
	}
	if len(c.Binds) > MaxBinds {
		return nil, fmt.Errorf("%w: Binds: %d binds, more than %d", ErrInvalidConfig, len(c.Binds), MaxBinds)
	}
	exposed, err := c.exposedPaths()
	if err != nil {
		return nil, err
	}
	first := len(mounts)
	for i, b := range c.Binds {
		m, err := resolveBind(b, protected, exposed)
		if err != nil {
			return nil, fmt.Errorf("%w: Binds[%d]: %w", ErrInvalidConfig, i, err)
		}
		for _, prev := range mounts[first:] {
			if within(m.target, prev.target) || within(prev.target, m.target) {
				return nil, fmt.Errorf("%w: Binds[%d]: target %q overlaps target %q", ErrInvalidConfig, i, m.target, prev.target)
			}
		}
		mounts = append(mounts, m)
	}
	return mounts, nil
}

// exposedPaths returns Config.ExposeReadOnly with every symlink resolved;
// an entry that does not exist is dropped, since no bind source can
// resolve to it.
func (c Config) exposedPaths() ([]string, error) {
	out := make([]string, 0, len(c.ExposeReadOnly))
	for _, p := range c.ExposeReadOnly {
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("%w: ExposeReadOnly: %q is not an absolute path", ErrInvalidConfig, p)
		}
		if r, err := filepath.EvalSymlinks(p); err == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// resolveWorkspace checks Config.Workspace and resolves its symlinks, so
// the mount is made from the real directory.
func resolveWorkspace(path string, protected []string) (resolvedMount, error) {
	m, err := resolveDir("Workspace", path, protected)
	m.target = stage.WorkspaceDir
	return m, err
}

// resolveDir checks a directory the jail writes (Config.Workspace, Home,
// TmpDir), naming field in errors, and resolves its symlinks.
func resolveDir(field, path string, protected []string) (resolvedMount, error) {
	fail := func(format string, args ...any) (resolvedMount, error) {
		return resolvedMount{}, fmt.Errorf("%w: "+field+" "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	if path == "" {
		return fail("is empty")
	}
	if !filepath.IsAbs(path) {
		return fail("%q is not an absolute path", path)
	}
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fail("%w", err)
	}
	fi, err := os.Stat(resolved)
	if err != nil {
		return fail("%w", err)
	}
	if !fi.IsDir() {
		return fail("%q is not a directory", path)
	}
	if err := checkExposable(path, resolved, protected); err != nil {
		return fail("%w", err)
	}
	if tree := inSystemTree(resolved); tree != "" {
		return fail("%q lies under the system directory %s, which a jail may not write", path, tree)
	}
	return resolvedMount{source: resolved, dir: true, field: field}, nil
}

// checkExposable applies the rules every directory that may lie under a
// protected path is held to (the workspace, and binds named in
// Config.ExposeReadOnly) to path, resolved to resolved: not the host root,
// not under a kernel or runtime tree, not containing a protected path.
func checkExposable(path, resolved string, protected []string) error {
	if resolved == "/" {
		return fmt.Errorf("%q is the host root", path)
	}
	for _, tree := range resolveAll(workspaceForbiddenTrees) {
		if within(resolved, tree) {
			return fmt.Errorf("%q lies under %s", path, tree)
		}
	}
	for _, p := range protected {
		if within(p, resolved) {
			return fmt.Errorf("%q contains the protected path %s", path, p)
		}
	}
	return nil
}

// resolveBind checks one bind and resolves its source. exposed are the
// resolved Config.ExposeReadOnly entries.
func resolveBind(b Bind, protected, exposed []string) (resolvedMount, error) {
	if !filepath.IsAbs(b.Source) {
		return resolvedMount{}, fmt.Errorf("source %q is not an absolute path", b.Source)
	}
	fi, err := os.Lstat(b.Source)
	if err != nil {
		return resolvedMount{}, fmt.Errorf("source: %w", err)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return resolvedMount{}, fmt.Errorf("source %q is a symlink", b.Source)
	}
	if !fi.IsDir() && !fi.Mode().IsRegular() {
		return resolvedMount{}, fmt.Errorf("source %q is neither a directory nor a regular file", b.Source)
	}
	resolved, err := filepath.EvalSymlinks(b.Source)
	if err != nil {
		return resolvedMount{}, fmt.Errorf("source: %w", err)
	}
	if b.ReadOnly && slices.Contains(exposed, resolved) {
		if err := checkExposable(b.Source, resolved, protected); err != nil {
			return resolvedMount{}, fmt.Errorf("source (in ExposeReadOnly): %w", err)
		}
	} else {
		for _, p := range protected {
			if within(resolved, p) || within(p, resolved) {
				return resolvedMount{}, fmt.Errorf("source %q resolves to %s, which exposes the protected path %s", b.Source, resolved, p)
			}
		}
	}
	if tree := inSystemTree(resolved); tree != "" && !b.ReadOnly {
		return resolvedMount{}, fmt.Errorf("source %q lies under the system directory %s: bind it read-only", b.Source, tree)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && fi.Mode().IsRegular() && st.Nlink > 1 {
		return resolvedMount{}, fmt.Errorf("source %q has %d hard links; another name may be a protected file", b.Source, st.Nlink)
	}
	if err := validateTarget(b.Target, b.ReadOnly, fi.IsDir()); err != nil {
		return resolvedMount{}, err
	}
	return resolvedMount{source: resolved, target: b.Target, readOnly: b.ReadOnly, dir: fi.IsDir(), field: "Binds"}, nil
}

// validateTarget checks a bind target (see Config.Binds) for a source that
// is a directory or not.
func validateTarget(t string, readOnly, dir bool) error {
	if !filepath.IsAbs(t) || filepath.Clean(t) != t || slices.Contains(strings.Split(t, "/"), "..") {
		return fmt.Errorf("target %q is not a clean absolute path", t)
	}
	if t == "/" {
		return fmt.Errorf("target %q is the jail's root", t)
	}
	if strings.HasPrefix(t, usrDir+"/") {
		return validateUsrTarget(t, readOnly, dir)
	}
	for _, r := range reservedTargets {
		if within(t, r) {
			return fmt.Errorf("target %q lies in the jail's own %s; bind elsewhere (e.g. under /opt or /srv), or read-only over a path that exists under /usr", t, r)
		}
	}
	return nil
}

// validateUsrTarget checks a target under the jail's /usr, which is the
// host's, read-only: a read-only bind may cover a directory or file that
// exists there (a toolchain such as /usr/local/go), since no mount point
// can be made in it; the host path must not pass through a symlink, so the
// jail resolves it the same way.
func validateUsrTarget(t string, readOnly, dir bool) error {
	if !readOnly {
		return fmt.Errorf("target %q lies in the jail's read-only /usr: only a read-only bind (ReadOnly, or :ro) may go there", t)
	}
	fi, err := os.Lstat(t)
	if err != nil {
		return fmt.Errorf("target %q does not exist in the host's /usr, which the jail mounts read-only, so no mount point can be made for it; bind it elsewhere (e.g. under /opt) (%w)", t, err)
	}
	if resolved, err := filepath.EvalSymlinks(t); err != nil || resolved != t {
		return fmt.Errorf("target %q passes through a symlink in the host's /usr (it resolves to %s); name the real path", t, resolved)
	}
	if fi.IsDir() != dir {
		kind := map[bool]string{true: "a directory", false: "not a directory"}
		return fmt.Errorf("target %q is %s in the host's /usr but the source is %s", t, kind[fi.IsDir()], kind[dir])
	}
	return nil
}

// within reports whether path is dir or lies under it.
func within(path, dir string) bool {
	return path == dir || dir == "/" || strings.HasPrefix(path, dir+"/")
}
