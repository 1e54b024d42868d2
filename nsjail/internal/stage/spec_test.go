package stage

import (
	"errors"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func TestSpecRoundTrip(t *testing.T) {
	specs := []*Spec{
		{Argv: []string{"/bin/true"}},
		{
			Argv:     []string{"/bin/bash", "-c", "echo ü\x01"},
			Stdin:    true,
			Env:      []string{"PATH=/bin", "A="},
			Hostname: "tenant-a.example",
			Loopback: true,
			TmpSize:  64 << 20,
			ShmSize:  1 << 20,
			TmpBound: true,
			Home:     "/root",
			Root: Root{
				Usr:          "/usr",
				Links:        []Link{{Name: "bin", Symlink: "usr/bin"}, {Name: "lib", Bind: "/opt/lib"}},
				LdSoCache:    "/etc/ld.so.cache",
				ResolvConf:   "/run/resolv.conf",
				Certs:        "/etc/ssl/certs",
				Alternatives: "/etc/alternatives",
			},
			Mounts:  []Mount{{Target: "/workspace", Dir: true}, {Target: "/data/f"}, {Target: "/usr/local/go", Dir: true, Source: "/opt/go", ReadOnly: true}},
			Rlimits: []Rlimit{{Name: "RLIMIT_FSIZE", Resource: 1, Cur: 1 << 40, Max: ^uint64(0)}},
			Seccomp: []byte{1, 2, 3, 4, 5, 6, 7, 8},
			JailUID: 2_000_000_000,
			JailGID: 1001,
			Cgroups: []CgroupJoin{{Controller: "memory", Tasks: "/sys/fs/cgroup/memory/bulkhead/x/tasks", Path: "/bulkhead/x"}},
		},
	}
	for _, s := range specs {
		got, err := DecodeSpec(s.Encode())
		if err != nil {
			t.Fatalf("DecodeSpec: %v", err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, s)
		}
	}
}

func TestDecodeSpecRejects(t *testing.T) {
	good := (&Spec{Argv: []string{"/bin/true"}, Env: []string{"A=b"}}).Encode()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"every truncation", good[:len(good)-1], "truncated"},
		{"trailing bytes", append(good[:len(good):len(good)], 0), "trailing"},
		{"empty argv", (&Spec{}).Encode(), "empty argv"},
		{"huge length", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, "truncated"},
		{"overlong varint", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, "truncated"},
	}
	for _, tc := range tests {
		if _, err := DecodeSpec(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: DecodeSpec = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	for i := range good {
		if _, err := DecodeSpec(good[:i]); err == nil {
			t.Errorf("DecodeSpec of the first %d of %d bytes succeeded", i, len(good))
		}
	}
}

func TestReportRoundTrip(t *testing.T) {
	tests := []struct {
		name      string
		rep       Report
		wantErrno int
	}{
		{"syscall failure", FailureReport("mnt", sysErr("mount", `"/newroot", MS_BIND`, syscall.EPERM)), int(syscall.EPERM)},
		{"wrapped syscall failure", FailureReport("verify", &layerError{"caps", sysErr("capset", "", syscall.EINVAL)}), int(syscall.EINVAL)},
		{"plain failure", FailureReport("spec", errors.New("decode spec: truncated message")), 0},
		{"signal with steps", Report{ExitCode: -1, Signal: 9, Steps: []StepTime{{"mnt", 12}, {"caps", 3}}}, 0},
		{"negative exit", Report{ExitCode: -1}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := ReadReport(strings.NewReader(string(tc.rep.Encode())))
			if err != nil || !ok {
				t.Fatalf("ReadReport = %v, %v", ok, err)
			}
			if !reflect.DeepEqual(got, tc.rep) {
				t.Errorf("ReadReport = %+v, want %+v", got, tc.rep)
			}
			if got.Errno != tc.wantErrno {
				t.Errorf("Errno = %d, want %d", got.Errno, tc.wantErrno)
			}
		})
	}
	if _, ok, err := ReadReport(strings.NewReader("")); ok || err != nil {
		t.Errorf("empty report: ok %v err %v, want no report", ok, err)
	}
	if _, _, err := ReadReport(strings.NewReader("\x05ab")); err == nil {
		t.Errorf("truncated report: want a decode error")
	}
}

func TestSysErrText(t *testing.T) {
	err := sysErr("mount", `"tmpfs", "/tmp"`, syscall.EPERM)
	if got, want := err.Error(), `mount("tmpfs", "/tmp"): operation not permitted`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, syscall.EPERM) {
		t.Errorf("errors.Is(EPERM) = false")
	}
	plain := errors.New("not an errno")
	if sysErr("x", "", plain) != plain {
		t.Errorf("a non-errno error must pass through unchanged")
	}
}

// FuzzDecodeSpec checks that no input makes DecodeSpec panic and that
// whatever it accepts survives an encode and decode unchanged (the
// decoder accepts some non-minimal varints, so the bytes may differ).
func FuzzDecodeSpec(f *testing.F) {
	f.Add((&Spec{Argv: []string{"/bin/true"}}).Encode())
	f.Add((&Spec{Argv: []string{"a"}, Mounts: []Mount{{Target: "/w", Dir: true}}, Rlimits: []Rlimit{{Name: "R", Cur: 1}}, Cgroups: []CgroupJoin{{Controller: "memory"}}}).Encode())
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSpec(data)
		if err != nil {
			return
		}
		again, err := DecodeSpec(s.Encode())
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Errorf("round trip of %+v: %+v, %v", s, again, err)
		}
	})
}

// FuzzDecodeReport is FuzzDecodeSpec for reports.
func FuzzDecodeReport(f *testing.F) {
	r := Report{Step: "mnt", Error: "mount(): EPERM", Errno: 1, ExitCode: -1, Signal: 9, Steps: []StepTime{{"mnt", 5}}}
	f.Add(r.Encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeReport(data)
		if err != nil {
			return
		}
		again, err := DecodeReport(r.Encode())
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Errorf("round trip of %+v: %+v, %v", r, again, err)
		}
	})
}
