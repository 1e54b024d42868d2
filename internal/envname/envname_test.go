package envname

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	allowed := []string{"GITHUB_TOKEN", "_x1", "LANG", "A", "DATABASE_URL", "PATHX", "HOMEDIR",
		"MY_LD_PRELOAD", "ENVIRONMENT", strings.Repeat("N", MaxLen)}
	for _, name := range allowed {
		if err := Check(name); err != nil {
			t.Errorf("Check(%q) = %v, want nil", name, err)
		}
	}
	invalid := []string{"", "1BAD", "A=B", "A-B", "A B", "É", "A\x00", strings.Repeat("N", MaxLen+1)}
	for _, name := range invalid {
		if Valid(name) {
			t.Errorf("Valid(%q) = true, want false", name)
		}
		if err := Check(name); err == nil || !strings.Contains(err.Error(), "is not [A-Za-z_]") {
			t.Errorf("Check(%q) = %v, want a syntax error", name, err)
		}
	}
	denied := []string{"PATH", "HOME", "path", "Home", "LD_PRELOAD", "ld_preload", "LD_LIBRARY_PATH",
		"LD_AUDIT", "BASH_ENV", "ENV", "SHELLOPTS", "PS4", "PROMPT_COMMAND", "IFS", "NODE_OPTIONS",
		"PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME", "PERL5OPT", "RUBYOPT", "GCONV_PATH",
		"GLIBC_TUNABLES", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "GIT_SSH_COMMAND",
		"GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "MALLOC_CHECK_", "DYLD_INSERT_LIBRARIES",
		"BASH_FUNC_f"}
	for _, name := range denied {
		if !Valid(name) {
			t.Errorf("Valid(%q) = false, want true", name)
		}
		if !Denied(name) {
			t.Errorf("Denied(%q) = false, want true", name)
		}
		if err := Check(name); err == nil || !strings.Contains(err.Error(), "not allowed") {
			t.Errorf("Check(%q) = %v, want a deny-list error", name, err)
		}
	}
}
