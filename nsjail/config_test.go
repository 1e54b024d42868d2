package nsjail

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ws := t.TempDir()
	file := filepath.Join(ws, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(ws, link); err != nil {
		t.Fatal(err)
	}
	home, tmp := t.TempDir(), t.TempDir()
	for _, d := range []string{filepath.Join(ws, "sub"), filepath.Join(home, "ws"), filepath.Join(home, "tmp")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rootLink := filepath.Join(t.TempDir(), "root")
	if err := os.Symlink("/", rootLink); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" means valid
	}{
		{"minimal", Config{Workspace: ws}, ""},
		{"home and tmp", Config{Workspace: ws, Home: home, TmpDir: tmp}, ""},
		{"relative home", Config{Workspace: ws, Home: "home"}, "Home \"home\" is not an absolute path"},
		{"missing home", Config{Workspace: ws, Home: filepath.Join(home, "missing")}, "Home"},
		{"home is /etc", Config{Workspace: ws, Home: "/etc"}, "Home \"/etc\" contains the protected path /etc/shadow"},
		{"home in /usr", Config{Workspace: ws, Home: "/usr/local"}, "Home \"/usr/local\" lies under the system directory /usr"},
		{"home in the workspace", Config{Workspace: ws, Home: filepath.Join(ws, "sub")}, "Home"},
		{"workspace in the home", Config{Workspace: filepath.Join(home, "ws"), Home: home}, "lie in one another"},
		{"tmp in the home", Config{Workspace: ws, Home: home, TmpDir: filepath.Join(home, "tmp")}, "TmpDir"},
		{"tmp is a file", Config{Workspace: ws, TmpDir: file}, "TmpDir \"" + file + "\" is not a directory"},
		{"all fields", Config{Workspace: ws, Env: map[string]string{"GREETING": "hi"}, Hostname: "tenant-a.example", Timeout: time.Second, OutputLimit: 1, TmpSize: 1 << 20}, ""},
		{"workspace via symlink", Config{Workspace: link}, ""},
		{"no workspace", Config{}, "Workspace is empty"},
		{"relative workspace", Config{Workspace: "rel/dir"}, "not an absolute path"},
		{"missing workspace", Config{Workspace: filepath.Join(ws, "missing")}, "no such file"},
		{"workspace is a file", Config{Workspace: file}, "not a directory"},
		{"workspace is root", Config{Workspace: "/"}, "host root"},
		{"workspace symlink to root", Config{Workspace: rootLink}, "host root"},
		{"workspace under proc", Config{Workspace: "/proc/self"}, "under /proc"},
		{"workspace is dev", Config{Workspace: "/dev"}, "under /dev"},
		{"workspace under sys", Config{Workspace: "/sys/kernel"}, "under /sys"},
		{"workspace under boot", Config{Workspace: "/boot"}, "under /boot"},
		{"workspace contains /etc/shadow", Config{Workspace: "/etc"}, "contains the protected path /etc/shadow"},
		{"workspace is /root", Config{Workspace: "/root"}, "contains the protected path"},
		{"workspace in /usr/bin", Config{Workspace: "/usr/bin"}, "system directory /usr"},
		{"workspace is /var/spool", Config{Workspace: "/var/spool"}, "system directory /var/spool"},
		{"workspace in /etc", Config{Workspace: "/etc/ssl"}, "system directory /etc"},
		{"workspace contains a protected path", Config{Workspace: filepath.Dir(ws), ProtectedPaths: []string{ws}}, "contains the protected path"},
		{"relative protected path", Config{Workspace: ws, ProtectedPaths: []string{"rel"}}, "ProtectedPaths"},
		{"hostname with space", Config{Workspace: ws, Hostname: "a b"}, "Hostname"},
		{"hostname leading hyphen", Config{Workspace: ws, Hostname: "-a"}, "Hostname"},
		{"hostname too long", Config{Workspace: ws, Hostname: strings.Repeat("a", 60) + ".bcdef"}, "Hostname"},
		{"hostname label too long", Config{Workspace: ws, Hostname: strings.Repeat("a", 64)}, "Hostname"},
		{"negative timeout", Config{Workspace: ws, Timeout: -time.Second}, "Timeout"},
		{"negative output limit", Config{Workspace: ws, OutputLimit: -1}, "OutputLimit"},
		{"negative tmp size", Config{Workspace: ws, TmpSize: -1}, "TmpSize"},
		{"memory below minimum", Config{Workspace: ws, Memory: MinMemory - 1}, "Memory"},
		{"memory at minimum", Config{Workspace: ws, Memory: MinMemory}, ""},
		{"negative memory", Config{Workspace: ws, Memory: -1}, "Memory"},
		{"pids below minimum", Config{Workspace: ws, Pids: MinPids - 1}, "Pids"},
		{"pids at minimum", Config{Workspace: ws, Pids: MinPids}, ""},
		{"negative cpu", Config{Workspace: ws, CPU: -0.5}, "CPU"},
		{"cpu above maximum", Config{Workspace: ws, CPU: MaxCPU + 1}, "CPU"},
		{"fractional cpu", Config{Workspace: ws, CPU: 0.25}, ""},
		{"open files above maximum", Config{Workspace: ws, OpenFiles: MaxOpenFiles + 1}, "OpenFiles"},
		{"negative file size", Config{Workspace: ws, FileSize: -1}, "FileSize"},
		{"unknown network", Config{Workspace: ws, Network: "host"}, "Network"},
		{"network none", Config{Workspace: ws, Network: NetworkNone}, ""},
		{"unknown cgroup mode", Config{Workspace: ws, Cgroup: "v3"}, "Cgroup"},
		{"cgroup v1", Config{Workspace: ws, Cgroup: CgroupV1}, ""},
		{"denied env", Config{Workspace: ws, Env: map[string]string{"LD_PRELOAD": "/x.so"}}, "LD_PRELOAD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want error containing %q", tc.wantErr)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("Validate() = %v, does not wrap ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Validate() = %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	got := Config{Workspace: "/w"}.withDefaults()
	want := Config{
		Workspace: "/w", Hostname: "bulkhead", Network: NetworkLoopback, Cgroup: CgroupAuto,
		Timeout: 120 * time.Second, OutputLimit: 10 << 20, TmpSize: 1 << 30,
		Memory: 512 << 20, Pids: 256, CPU: 1, OpenFiles: 1024, FileSize: 1 << 30,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("withDefaults() =\n%+v\nwant\n%+v", got, want)
	}
	set := Config{
		Workspace: "/w", Hostname: "h", Network: NetworkNone, Cgroup: CgroupV1,
		Timeout: time.Second, OutputLimit: 5, TmpSize: 7, Memory: 1 << 30, Pids: 32, CPU: 0.5, OpenFiles: 64, FileSize: 9,
	}
	if got := set.withDefaults(); !reflect.DeepEqual(got, set) {
		t.Errorf("withDefaults() changed set fields: %+v", got)
	}
}
