package nsjail

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestEscapeSyscalls runs the probes (probe_amd64_test.go) inside the
// jail: each system call must fail with its errno, and the host must be
// unchanged.
func TestEscapeSyscalls(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cfg := jailConfig(t)
	cfg.Binds = []Bind{{Source: self, Target: probeBinary, ReadOnly: true}}
	cfg.Env = map[string]string{envProbe: "1"}
	before := takeHostSnapshot(t)
	res, err := Run(context.Background(), cfg, []string{probeBinary})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("probe exit %d signal %q\nstdout %s\nstderr %s", res.ExitCode, res.Signal, res.Stdout, res.Stderr)
	}
	got := map[string]unix.Errno{}
	for _, line := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		name, num, _ := strings.Cut(line, " ")
		n, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("probe output line %q", line)
		}
		got[name] = unix.Errno(n)
	}
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			errno, ok := got[p.name]
			if !ok {
				t.Fatalf("probe did not report")
			}
			if errno != p.want {
				t.Errorf("errno %d (%v), want %d (%v)", int(errno), errno, int(p.want), p.want)
			}
		})
	}
	for _, name := range []string{"suid", "suid2"} {
		if _, err := os.Lstat(filepath.Join(cfg.Workspace, name)); err == nil {
			t.Errorf("the probe created /workspace/%s", name)
		}
	}
	if fi, err := os.Stat(filepath.Join(cfg.Workspace, "probe-file")); err != nil || fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
		t.Errorf("probe-file on the host: %v, %v; want a plain file", fi.Mode(), err)
	}
	before.assertUnchanged(t)
}

// x86-64 machine code of the foreign ABI tests: a system call through the
// i386 ABI (int $0x80) or the x32 ABI, then exit(0) through the native
// one. The filter must kill the process at the first call.
var (
	codeI386 = []byte{
		0xb8, 0x14, 0x00, 0x00, 0x00, // mov $20, %eax (i386 getpid)
		0xcd, 0x80, // int $0x80
		0xb8, 0x3c, 0x00, 0x00, 0x00, // mov $60, %eax (exit)
		0x31, 0xff, // xor %edi, %edi
		0x0f, 0x05, // syscall
	}
	codeX32 = []byte{
		0xb8, 0x27, 0x00, 0x00, 0x40, // mov $0x40000027, %eax (x32 getpid)
		0x0f, 0x05, // syscall
		0xb8, 0x3c, 0x00, 0x00, 0x00, // mov $60, %eax (exit)
		0x31, 0xff, // xor %edi, %edi
		0x0f, 0x05, // syscall
	}
	codeNative = []byte{
		0xb8, 0x27, 0x00, 0x00, 0x00, // mov $39, %eax (getpid)
		0x0f, 0x05, // syscall
		0xb8, 0x3c, 0x00, 0x00, 0x00, // mov $60, %eax (exit)
		0x31, 0xff, // xor %edi, %edi
		0x0f, 0x05, // syscall
	}
)

// elf64 returns a minimal static x86-64 executable running code: the ELF
// header and one PT_LOAD program header mapping the whole file at 0x400000
// (see elf(5)).
func elf64(code []byte) []byte {
	const base, ehSize, phSize = 0x400000, 64, 56
	total := ehSize + phSize + len(code)
	b := make([]byte, ehSize+phSize, total)
	copy(b, []byte{0x7f, 'E', 'L', 'F', 2, 1, 1}) // ELFCLASS64, little-endian, version 1
	le := binary.LittleEndian
	le.PutUint16(b[16:], 2)                  // ET_EXEC
	le.PutUint16(b[18:], 0x3e)               // EM_X86_64
	le.PutUint32(b[20:], 1)                  // EV_CURRENT
	le.PutUint64(b[24:], base+ehSize+phSize) // e_entry
	le.PutUint64(b[32:], ehSize)             // e_phoff
	le.PutUint16(b[52:], ehSize)             // e_ehsize
	le.PutUint16(b[54:], phSize)             // e_phentsize
	le.PutUint16(b[56:], 1)                  // e_phnum
	ph := b[ehSize:]
	le.PutUint32(ph[0:], 1)              // PT_LOAD
	le.PutUint32(ph[4:], 5)              // PF_R|PF_X
	le.PutUint64(ph[16:], base)          // p_vaddr
	le.PutUint64(ph[24:], base)          // p_paddr
	le.PutUint64(ph[32:], uint64(total)) // p_filesz
	le.PutUint64(ph[40:], uint64(total)) // p_memsz
	le.PutUint64(ph[48:], 0x1000)        // p_align
	return append(b, code...)
}

func TestEscapeForeignABI(t *testing.T) {
	tests := []struct {
		name       string
		code       []byte
		wantSignal string
		wantExit   int
	}{
		{"native control", codeNative, "", 0},
		{"i386 int 0x80", codeI386, "SIGSYS", -1},
		{"x32", codeX32, "SIGSYS", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := jailConfig(t)
			if err := os.WriteFile(filepath.Join(cfg.Workspace, "prog"), elf64(tc.code), 0o755); err != nil {
				t.Fatal(err)
			}
			before := takeHostSnapshot(t)
			res, err := Run(context.Background(), cfg, []string{"/workspace/prog"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Signal != tc.wantSignal || res.ExitCode != tc.wantExit {
				t.Errorf("exit %d signal %q, want exit %d signal %q", res.ExitCode, res.Signal, tc.wantExit, tc.wantSignal)
			}
			before.assertUnchanged(t)
		})
	}
}
