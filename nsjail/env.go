package nsjail

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
)

// HomeDir is the command's home directory when Config.Home is set: that
// host directory is mounted there, so tool caches and dotfiles last
// across calls.
const HomeDir = stage.HomeDir

// TmpHome is the command's home directory when Config.Home is empty: the
// private, per-call /tmp, so tool caches and dotfiles never pollute the
// workspace and never outlive the call.
const TmpHome = stage.TmpDir

// jailPath is the PATH inside the jail (the Debian default for root).
const jailPath = stage.Path

// homeOf returns the jail's HOME for a Config.Home value.
func homeOf(hostHome string) string {
	if hostHome == "" {
		return TmpHome
	}
	return HomeDir
}

// fixedEnv is the whole environment of the command before Config.Env is
// added, HOME aside (see homeOf). Nothing of the host's environment is
// ever passed.
var fixedEnv = []string{
	"PATH=" + jailPath,
	"TMPDIR=/tmp",
	"LANG=C.UTF-8",
	"TERM=dumb",
	"SHELL=/bin/bash",
	"USER=root",
	"LOGNAME=root",
}

// Limits on Config.Env.
const (
	maxEnvVars     = 128
	maxEnvName     = 128
	maxEnvValueLen = 64 << 10
)

// envNamePattern is the portable variable name syntax of POSIX.1-2017,
// Base Definitions §8.1 (letters, digits and underscore, not starting with
// a digit).
var envNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// deniedEnv are names that make a loader, shell or interpreter run code or
// load libraries before the command (see ld.so(8), bash(1) INVOCATION,
// node(1), python(1), perlrun(1), ruby(1), the JVM's launcher docs,
// git(1)), or that the jail owns (PATH, HOME).
var deniedEnv = map[string]bool{
	"PATH": true, "HOME": true,
	"BASH_ENV": true, "ENV": true, "SHELLOPTS": true, "BASHOPTS": true,
	"PS4": true, "PROMPT_COMMAND": true, "IFS": true, "CDPATH": true,
	"GLOBIGNORE": true, "BASH_XTRACEFD": true, "INPUTRC": true,
	"NODE_OPTIONS": true, "NODE_PATH": true,
	"PERL5OPT": true, "PERL5LIB": true, "PERLLIB": true, "PERL5DB": true,
	"RUBYOPT": true, "RUBYLIB": true,
	"GCONV_PATH": true, "GLIBC_TUNABLES": true, "LOCPATH": true, "NLSPATH": true,
	"HOSTALIASES": true, "RESOLV_HOST_CONF": true,
	"JAVA_TOOL_OPTIONS": true, "_JAVA_OPTIONS": true, "JDK_JAVA_OPTIONS": true,
	"GIT_SSH": true, "GIT_SSH_COMMAND": true, "GIT_EXEC_PATH": true,
	"GIT_CONFIG_PARAMETERS": true, "GIT_ASKPASS": true,
}

// deniedEnvPrefixes are name prefixes denied like deniedEnv: the dynamic
// loader (LD_), macOS dyld (DYLD_), exported bash functions (BASH_FUNC_),
// glibc malloc tuning (MALLOC_), every Python startup hook (PYTHON) and
// git's injected configuration (GIT_CONFIG_).
var deniedEnvPrefixes = []string{"LD_", "DYLD_", "BASH_FUNC_", "MALLOC_", "PYTHON", "GIT_CONFIG_"}

// validateEnv checks Config.Env against the name syntax, the deny lists and
// the size limits.
func validateEnv(env map[string]string) error {
	if len(env) > maxEnvVars {
		return fmt.Errorf("%d variables, more than %d", len(env), maxEnvVars)
	}
	for name, value := range env {
		if len(name) > maxEnvName || !envNamePattern.MatchString(name) {
			return fmt.Errorf("name %q is not [A-Za-z_][A-Za-z0-9_]* of at most %d bytes", name, maxEnvName)
		}
		if envDenied(name) {
			return fmt.Errorf("name %q is not allowed: it is reserved or runs code before the command", name)
		}
		if strings.IndexByte(value, 0) >= 0 {
			return fmt.Errorf("value of %q contains NUL", name)
		}
		if len(value) > maxEnvValueLen {
			return fmt.Errorf("value of %q is %d bytes, more than %d", name, len(value), maxEnvValueLen)
		}
	}
	return nil
}

func envDenied(name string) bool {
	upper := strings.ToUpper(name)
	if deniedEnv[upper] {
		return true
	}
	for _, p := range deniedEnvPrefixes {
		if strings.HasPrefix(upper, p) {
			return true
		}
	}
	return false
}

// buildEnv returns the command's environment: HOME=home, fixedEnv with
// any fixed name that extra also sets replaced, then the remaining extra
// variables sorted by name. extra must have passed validateEnv.
func buildEnv(extra map[string]string, home string) []string {
	env := make([]string, 0, len(fixedEnv)+len(extra)+1)
	seen := make(map[string]bool, len(extra))
	for _, kv := range append([]string{"HOME=" + home}, fixedEnv...) {
		name, _, _ := strings.Cut(kv, "=")
		if v, ok := extra[name]; ok {
			kv = name + "=" + v
			seen[name] = true
		}
		env = append(env, kv)
	}
	names := make([]string, 0, len(extra))
	for name := range extra {
		if !seen[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		env = append(env, name+"="+extra[name])
	}
	return env
}
