package nsjail

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/envname"
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

// Limits on Config.Env (names are bounded by envname.MaxLen).
const (
	maxEnvVars     = 128
	maxEnvValueLen = 64 << 10
)

// validateEnv checks Config.Env against the name rules of package envname
// (syntax, length, deny list) and the size limits.
func validateEnv(env map[string]string) error {
	if len(env) > maxEnvVars {
		return fmt.Errorf("%d variables, more than %d", len(env), maxEnvVars)
	}
	for name, value := range env {
		if err := envname.Check(name); err != nil {
			return err
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
