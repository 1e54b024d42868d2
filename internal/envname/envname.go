package envname

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// MaxLen is the longest name accepted, in bytes.
const MaxLen = 128

// pattern is the portable variable name syntax of POSIX.1-2017, Base
// Definitions §8.1 (letters, digits and underscore, not starting with a
// digit).
var pattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

// denied are names that make a loader, shell or interpreter run code or
// load libraries before the command (see ld.so(8), bash(1) INVOCATION,
// node(1), python(1), perlrun(1), ruby(1), the JVM's launcher docs,
// git(1)), or that the jail owns (PATH, HOME).
var denied = map[string]bool{
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

// deniedPrefixes are name prefixes denied like denied: the dynamic loader
// (LD_), macOS dyld (DYLD_), exported bash functions (BASH_FUNC_), glibc
// malloc tuning (MALLOC_), every Python startup hook (PYTHON) and git's
// injected configuration (GIT_CONFIG_).
var deniedPrefixes = []string{"LD_", "DYLD_", "BASH_FUNC_", "MALLOC_", "PYTHON", "GIT_CONFIG_"}

// Valid reports whether name matches [A-Za-z_][A-Za-z0-9_]* and is at most
// MaxLen bytes long.
func Valid(name string) bool {
	return len(name) <= MaxLen && pattern().MatchString(name)
}

// Denied reports whether name, compared without regard to case, is on the
// deny list or starts with a denied prefix (LD_, DYLD_, BASH_FUNC_,
// MALLOC_, PYTHON, GIT_CONFIG_).
func Denied(name string) bool {
	upper := strings.ToUpper(name)
	if denied[upper] {
		return true
	}
	for _, p := range deniedPrefixes {
		if strings.HasPrefix(upper, p) {
			return true
		}
	}
	return false
}

// Check returns nil when name is Valid and not Denied, else an error that
// quotes name and says which rule it breaks.
func Check(name string) error {
	if !Valid(name) {
		return fmt.Errorf("name %q is not [A-Za-z_][A-Za-z0-9_]* of at most %d bytes", name, MaxLen)
	}
	if Denied(name) {
		return fmt.Errorf("name %q is not allowed: it is reserved or runs code before the command", name)
	}
	return nil
}
