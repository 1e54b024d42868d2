package nsjail

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateBinds(t *testing.T) {
	ws := t.TempDir()
	src := t.TempDir()
	file := filepath.Join(src, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(src, link); err != nil {
		t.Fatal(err)
	}
	viaLink := filepath.Join(t.TempDir(), "dir")
	if err := os.Symlink("/etc", viaLink); err != nil {
		t.Fatal(err)
	}
	// nsjail reads no bulkhead variable: the state directory is protected
	// only when the caller names it (package runtime does).
	stateDir := t.TempDir()
	t.Setenv("BULKHEAD_STATE_DIR", stateDir)
	linkDir := t.TempDir()
	hardLinked := filepath.Join(linkDir, "hard")
	if err := os.WriteFile(filepath.Join(linkDir, "orig"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(linkDir, "orig"), hardLinked); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		binds   []Bind
		extra   []string
		wantErr string // "" means valid
	}{
		{"directory read-write", []Bind{{Source: src, Target: "/data"}}, nil, ""},
		{"file read-only", []Bind{{Source: file, Target: "/opt/tool/config", ReadOnly: true}}, nil, ""},
		{"two binds", []Bind{{Source: src, Target: "/a"}, {Source: file, Target: "/b"}}, nil, ""},
		{"relative source", []Bind{{Source: "rel", Target: "/data"}}, nil, "not an absolute path"},
		{"missing source", []Bind{{Source: filepath.Join(src, "missing"), Target: "/data"}}, nil, "no such file"},
		{"symlink source", []Bind{{Source: link, Target: "/data"}}, nil, "is a symlink"},
		{"source under a symlinked directory resolving to /etc", []Bind{{Source: viaLink + "/shadow", Target: "/data"}}, nil, "protected path /etc/shadow"},
		{"source with .. into /etc", []Bind{{Source: src + "/../../../etc/shadow", Target: "/data"}}, nil, "protected path /etc/shadow"},
		{"device node", []Bind{{Source: "/dev/null", Target: "/data"}}, nil, "neither a directory nor a regular file"},
		{"proc", []Bind{{Source: "/proc/self", Target: "/data"}}, nil, "is a symlink"},
		{"proc directory", []Bind{{Source: "/proc/1", Target: "/data"}}, nil, "protected path /proc"},
		{"sys", []Bind{{Source: "/sys/kernel", Target: "/data"}}, nil, "protected path /sys"},
		{"boot", []Bind{{Source: "/boot", Target: "/data"}}, nil, "protected path"},
		{"root's home", []Bind{{Source: "/root", Target: "/data"}}, nil, "protected path"},
		{"home", []Bind{{Source: "/home", Target: "/data"}}, nil, "protected path /home"},
		{"run", []Bind{{Source: "/run", Target: "/data"}}, nil, "protected path /run"},
		{"var/run", []Bind{{Source: "/var/run", Target: "/data"}}, nil, "is a symlink"},
		{"etc contains shadow", []Bind{{Source: "/etc", Target: "/data"}}, nil, "protected path"},
		{"shadow", []Bind{{Source: "/etc/shadow", Target: "/data"}}, nil, "protected path /etc/shadow"},
		{"host root", []Bind{{Source: "/", Target: "/data"}}, nil, "protected path"},
		{"var contains /var/lib/docker", []Bind{{Source: "/var", Target: "/data"}}, nil, "protected path"},
		{"state directory named only in the environment", []Bind{{Source: stateDir, Target: "/data"}}, nil, ""},
		{"state directory named by the caller", []Bind{{Source: stateDir, Target: "/data"}}, []string{stateDir}, "protected path " + stateDir},
		{"caller's protected path", []Bind{{Source: src, Target: "/data"}}, []string{src}, "protected path " + src},
		{"ancestor of caller's protected path", []Bind{{Source: filepath.Dir(src), Target: "/data"}}, []string{src}, "protected path " + src},
		{"relative target", []Bind{{Source: src, Target: "data"}}, nil, "not a clean absolute path"},
		{"target with ..", []Bind{{Source: src, Target: "/data/../etc"}}, nil, "not a clean absolute path"},
		{"target ending in ..", []Bind{{Source: src, Target: "/data/.."}}, nil, "not a clean absolute path"},
		{"unclean target", []Bind{{Source: src, Target: "/data//x"}}, nil, "not a clean absolute path"},
		{"target root", []Bind{{Source: src, Target: "/"}}, nil, "jail's root"},
		{"target etc", []Bind{{Source: src, Target: "/etc/passwd"}}, nil, "jail's own /etc"},
		{"target usr", []Bind{{Source: src, Target: "/usr"}}, nil, "jail's own /usr"},
		{"target under usr read-write", []Bind{{Source: src, Target: "/usr/local"}}, nil, "only a read-only bind"},
		{"target under usr read-only over an existing directory", []Bind{{Source: src, Target: "/usr/local", ReadOnly: true}}, nil, ""},
		{"target under usr that does not exist", []Bind{{Source: src, Target: "/usr/local/no-such-toolchain", ReadOnly: true}}, nil, "does not exist in the host's /usr"},
		{"target under usr of another kind", []Bind{{Source: file, Target: "/usr/local", ReadOnly: true}}, nil, "is a directory in the host's /usr but the source is not a directory"},
		{"target under usr through a symlink", []Bind{{Source: file, Target: usrSymlink(t), ReadOnly: true}}, nil, "passes through a symlink"},
		{"target root's home", []Bind{{Source: src, Target: "/root/x"}}, nil, "jail's own /root"},
		{"target proc", []Bind{{Source: src, Target: "/proc"}}, nil, "jail's own /proc"},
		{"target bin", []Bind{{Source: src, Target: "/bin/x"}}, nil, "jail's own /bin"},
		{"target workspace", []Bind{{Source: src, Target: "/workspace/sub"}}, nil, "jail's own /workspace"},
		{"target tmp", []Bind{{Source: src, Target: "/tmp/x"}}, nil, "jail's own /tmp"},
		{"nested targets", []Bind{{Source: src, Target: "/data"}, {Source: file, Target: "/data/f"}}, nil, "overlaps"},
		{"same target twice", []Bind{{Source: src, Target: "/data"}, {Source: src, Target: "/data"}}, nil, "overlaps"},
		{"too many", make([]Bind, MaxBinds+1), nil, "more than"},
		{"system file writable", []Bind{{Source: "/etc/passwd", Target: "/data"}}, nil, "system directory /etc"},
		{"system file read-only", []Bind{{Source: "/etc/passwd", Target: "/data", ReadOnly: true}}, nil, ""},
		{"system directory writable", []Bind{{Source: "/usr/lib", Target: "/data"}}, nil, "system directory /usr"},
		{"spool writable", []Bind{{Source: "/var/spool", Target: "/data"}}, nil, "system directory /var/spool"},
		{"hard-linked file", []Bind{{Source: hardLinked, Target: "/data", ReadOnly: true}}, nil, "hard links"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Config{Workspace: ws, Binds: tc.binds, ProtectedPaths: tc.extra}.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Validate() = %v, want ErrInvalidConfig containing %q", err, tc.wantErr)
			}
		})
	}
}

// usrSymlink returns a symlink under /usr, for a bind target that must be
// refused: the first one among the shared libraries.
func usrSymlink(t *testing.T) string {
	libs, _ := filepath.Glob("/usr/lib/*/*.so*")
	for _, l := range libs {
		if fi, err := os.Lstat(l); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return l
		}
	}
	t.Fatal("no symlink among /usr/lib/*/*.so*")
	return ""
}

func TestResolveMountsOrderAndKinds(t *testing.T) {
	ws, src, home, tmp := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	file := filepath.Join(src, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mounts, err := Config{Workspace: ws, Home: home, TmpDir: tmp, Binds: []Bind{{Source: src, Target: "/d", ReadOnly: true}, {Source: file, Target: "/f"}}}.resolveMounts()
	if err != nil {
		t.Fatal(err)
	}
	want := []resolvedMount{
		{source: ws, target: "/workspace", dir: true, field: "Workspace"},
		{source: home, target: "/root", dir: true, field: "Home"},
		{source: tmp, target: "/tmp", dir: true, perCall: true, field: "TmpDir"},
		{source: src, target: "/d", readOnly: true, dir: true, field: "Binds"},
		{source: file, target: "/f", field: "Binds"},
	}
	if len(mounts) != len(want) {
		t.Fatalf("mounts = %+v, want %+v", mounts, want)
	}
	for i := range want {
		if mounts[i] != want[i] {
			t.Errorf("mounts[%d] = %+v, want %+v", i, mounts[i], want[i])
		}
	}
}

func TestCheckWorkspace(t *testing.T) {
	state := t.TempDir()
	own := filepath.Join(state, "workspaces", "w", "files")
	if err := os.MkdirAll(own, 0o755); err != nil {
		t.Fatal(err)
	}
	ok := t.TempDir()
	link := filepath.Join(t.TempDir(), "etc-link")
	if err := os.Symlink("/etc", link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir, wantErr string
	}{
		{ok, ""},
		{own, ""},
		{"/", "host root"},
		{"/etc", "contains the protected path /etc/shadow"},
		{"/etc/ssl", "system directory /etc"},
		{link, "contains the protected path /etc/shadow"},
		{"/usr/share", "system directory /usr"},
		{"/proc", "lies under /proc"},
		{"/proc/self", "lies under /proc"},
		{"/sys/kernel", "lies under /sys"},
		{"/root", "contains the protected path /root"},
		{"/home", "contains the protected path /home"},
		{filepath.Dir(state), "contains the protected path " + state},
		{state, "contains the protected path " + state},
		{"relative", "not an absolute path"},
		{filepath.Join(ok, "missing"), "no such file"},
	}
	for _, tc := range tests {
		got, err := CheckWorkspace(tc.dir, []string{state})
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("CheckWorkspace(%q) = %v", tc.dir, err)
		case tc.wantErr == "" && got != tc.dir:
			t.Errorf("CheckWorkspace(%q) resolved to %q", tc.dir, got)
		case tc.wantErr != "" && (!errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("CheckWorkspace(%q) = %v, want an error with %q", tc.dir, err, tc.wantErr)
		}
	}
}

// TestExposeReadOnly checks the exemption of Config.ExposeReadOnly: a skill
// folder under the protected state directory may be bound read-only when
// named exactly, and nothing else of the protected tree may.
func TestExposeReadOnly(t *testing.T) {
	ws := t.TempDir()
	state := t.TempDir()
	catalog := filepath.Join(state, "skills")
	skill := filepath.Join(catalog, "one")
	other := filepath.Join(catalog, "two")
	nested := filepath.Join(skill, "secret")
	for _, d := range []string{skill, other, nested} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	viaLink := filepath.Join(t.TempDir(), "skill-link")
	if err := os.Symlink(skill, viaLink); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		bind      Bind
		expose    []string
		protected []string
		wantErr   string
	}{
		{"exposed skill folder", Bind{Source: skill, Target: "/skills/one", ReadOnly: true}, []string{skill}, []string{state}, ""},
		{"exposed through a symlink", Bind{Source: skill, Target: "/skills/one", ReadOnly: true}, []string{viaLink}, []string{state}, ""},
		{"not exposed", Bind{Source: other, Target: "/skills/two", ReadOnly: true}, []string{skill}, []string{state}, "protected path " + state},
		{"exposed but writable", Bind{Source: skill, Target: "/skills/one"}, []string{skill}, []string{state}, "protected path " + state},
		{"parent of the exposed folder", Bind{Source: catalog, Target: "/skills", ReadOnly: true}, []string{skill}, []string{state}, "protected path " + state},
		{"under the exposed folder", Bind{Source: nested, Target: "/s", ReadOnly: true}, []string{skill}, []string{state}, "protected path " + state},
		{"exposed folder holding a protected path", Bind{Source: skill, Target: "/skills/one", ReadOnly: true}, []string{skill}, []string{state, nested}, "contains the protected path " + nested},
		{"exposed protected path itself", Bind{Source: state, Target: "/s", ReadOnly: true}, []string{state}, []string{state}, "contains the protected path " + state},
		{"exposed /etc", Bind{Source: "/etc", Target: "/s", ReadOnly: true}, []string{"/etc"}, nil, "contains the protected path /etc/shadow"},
		{"exposed proc", Bind{Source: "/proc/1", Target: "/s", ReadOnly: true}, []string{"/proc/1"}, nil, "lies under /proc"},
		{"exposed host root", Bind{Source: "/", Target: "/s", ReadOnly: true}, []string{"/"}, nil, "host root"},
		{"relative entry", Bind{Source: skill, Target: "/skills/one", ReadOnly: true}, []string{"skills/one"}, []string{state}, "ExposeReadOnly"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Workspace: ws, Binds: []Bind{tc.bind}, ProtectedPaths: tc.protected, ExposeReadOnly: tc.expose}
			err := cfg.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Validate() = %v, want ErrInvalidConfig containing %q", err, tc.wantErr)
			}
		})
	}
}
