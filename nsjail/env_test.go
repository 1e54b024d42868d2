package nsjail

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/envname"
)

func TestValidateEnv(t *testing.T) {
	tooMany := map[string]string{}
	for i := range maxEnvVars + 1 {
		tooMany[fmt.Sprintf("V%d", i)] = "x"
	}
	atLimit := map[string]string{}
	for i := range maxEnvVars {
		atLimit[fmt.Sprintf("V%d", i)] = "x"
	}
	tests := []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"nil", nil, true},
		{"plain", map[string]string{"GITHUB_TOKEN": "t", "_x1": "", "LANG": "de_DE.UTF-8"}, true},
		{"max variables", atLimit, true},
		{"max value", map[string]string{"V": strings.Repeat("v", maxEnvValueLen)}, true},
		{"max name", map[string]string{strings.Repeat("N", envname.MaxLen): "v"}, true},
		{"too many variables", tooMany, false},
		{"value too long", map[string]string{"V": strings.Repeat("v", maxEnvValueLen+1)}, false},
		{"name too long", map[string]string{strings.Repeat("N", envname.MaxLen+1): "v"}, false},
		{"NUL in value", map[string]string{"V": "a\x00b"}, false},
		{"empty name", map[string]string{"": "v"}, false},
		{"leading digit", map[string]string{"1BAD": "v"}, false},
		{"equals in name", map[string]string{"A=B": "v"}, false},
		{"exported bash function", map[string]string{"BASH_FUNC_f%%": "() { id; }"}, false},
		{"PATH", map[string]string{"PATH": "/evil"}, false},
		{"HOME", map[string]string{"HOME": "/root"}, false},
		{"LD_PRELOAD", map[string]string{"LD_PRELOAD": "/x.so"}, false},
		{"LD_LIBRARY_PATH", map[string]string{"LD_LIBRARY_PATH": "/x"}, false},
		{"LD_AUDIT", map[string]string{"LD_AUDIT": "/x.so"}, false},
		{"lower-case ld_preload", map[string]string{"ld_preload": "/x.so"}, false},
		{"BASH_ENV", map[string]string{"BASH_ENV": "/x"}, false},
		{"ENV", map[string]string{"ENV": "/x"}, false},
		{"SHELLOPTS", map[string]string{"SHELLOPTS": "xtrace"}, false},
		{"PS4", map[string]string{"PS4": "$(id)"}, false},
		{"NODE_OPTIONS", map[string]string{"NODE_OPTIONS": "--require /x"}, false},
		{"PYTHONSTARTUP", map[string]string{"PYTHONSTARTUP": "/x"}, false},
		{"PYTHONPATH", map[string]string{"PYTHONPATH": "/x"}, false},
		{"PERL5OPT", map[string]string{"PERL5OPT": "-Mx"}, false},
		{"RUBYOPT", map[string]string{"RUBYOPT": "-rx"}, false},
		{"GCONV_PATH", map[string]string{"GCONV_PATH": "/x"}, false},
		{"GLIBC_TUNABLES", map[string]string{"GLIBC_TUNABLES": "x"}, false},
		{"JAVA_TOOL_OPTIONS", map[string]string{"JAVA_TOOL_OPTIONS": "-javaagent:x"}, false},
		{"GIT_SSH_COMMAND", map[string]string{"GIT_SSH_COMMAND": "sh"}, false},
		{"GIT_CONFIG_COUNT", map[string]string{"GIT_CONFIG_COUNT": "1"}, false},
		{"MALLOC_CHECK_", map[string]string{"MALLOC_CHECK_": "3"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := validateEnv(tc.env)
			if tc.ok && err != nil {
				t.Errorf("validateEnv() = %v, want nil", err)
			}
			if !tc.ok && err == nil {
				t.Errorf("validateEnv() = nil, want an error")
			}
		})
	}
}

func TestBuildEnv(t *testing.T) {
	got := buildEnv(map[string]string{"ZED": "z", "ALPHA": "a", "LANG": "de_DE.UTF-8"}, homeOf(""))
	want := []string{
		"HOME=/tmp",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TMPDIR=/tmp",
		"LANG=de_DE.UTF-8",
		"TERM=dumb",
		"SHELL=/bin/bash",
		"USER=root",
		"LOGNAME=root",
		"ALPHA=a",
		"ZED=z",
	}
	if !slices.Equal(got, want) {
		t.Errorf("buildEnv() =\n%q\nwant\n%q", got, want)
	}
	if got := buildEnv(nil, homeOf("/srv/home")); !slices.Equal(got, append([]string{"HOME=/root"}, fixedEnv...)) {
		t.Errorf("buildEnv(nil) = %q, want HOME=/root and %q", got, fixedEnv)
	}
}
