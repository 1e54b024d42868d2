package skillrun

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/skills"
)

func TestRequestRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.add(t, "refused", "", map[string]string{"execute.sh": "echo ran"})
	const secret = "do-not-print-me-1234"
	cases := []struct {
		name string
		req  Request
		want string
	}{
		{"nil skill", Request{}, "Skill is nil"},
		{"negative timeout", Request{Skill: s, Limits: Limits{Timeout: -1}}, "Limits.Timeout"},
		{"negative output", Request{Skill: s, Limits: Limits{OutputLimit: -1}}, "Limits.OutputLimit"},
		{"negative tail", Request{Skill: s, Limits: Limits{StderrTail: -1}}, "Limits.StderrTail"},
		{"negative memory", Request{Skill: s, Limits: Limits{Memory: -1}}, "Limits.Memory"},
		{"negative tmp", Request{Skill: s, Limits: Limits{TmpSize: -1}}, "Limits.TmpSize"},
		{"negative pids", Request{Skill: s, Limits: Limits{Pids: -1}}, "Limits.Pids"},
		{"negative cpu", Request{Skill: s, Limits: Limits{CPU: -1}}, "Limits.CPU"},
		{"params not JSON", Request{Skill: s, Params: []byte(`{"a":`)}, "not valid JSON"},
		{"params too large", Request{Skill: s, Params: []byte(`"` + strings.Repeat("a", MaxParamsBytes) + `"`)}, "more than"},
		{"reserved credential", Request{Skill: s, Credentials: map[string][]byte{"SKILL_DIR": []byte(secret)}}, "SKILL_DIR"},
		{"credential name", Request{Skill: s, Credentials: map[string][]byte{"A-B": []byte(secret)}}, `"A-B"`},
		{"credential with NUL", Request{Skill: s, Credentials: map[string][]byte{"TOK": []byte(secret + "\x00")}}, "TOK contains NUL"},
		{"env collides", Request{Skill: s, Credentials: map[string][]byte{"TOK": []byte(secret)}, Env: map[string]string{"TOK": "x"}}, "TOK"},
		{"env reserved", Request{Skill: s, Env: map[string]string{"PWD": "/"}}, "PWD"},
		{"env name", Request{Skill: s, Env: map[string]string{"1X": "x"}}, `"1X"`},
		{"bad mount", Request{Skill: s, SkillMounts: []*skills.Skill{{ID: "../x", Dir: "/"}}}, "SkillMounts"},
		{"loader variable", Request{Skill: s, Credentials: map[string][]byte{"LD_PRELOAD": []byte(secret)}}, "LD_PRELOAD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.ProtectedPaths = f.protected
			var held [][]byte
			for _, v := range tc.req.Credentials {
				held = append(held, v)
			}
			res, err := f.exec.Execute(context.Background(), tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Execute = %+v, %v; want an error with %q", res, err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error holds the credential value: %v", err)
			}
			for _, v := range held {
				if strings.Trim(string(v), "\x00") != "" {
					t.Errorf("credential not zeroed after a refused request")
				}
			}
		})
	}
}

func TestLimitsDefaults(t *testing.T) {
	s := &skills.Skill{Frontmatter: skills.Frontmatter{Timeout: 45 * time.Second}}
	l, err := (&Request{Skill: s}).limits(time.Minute)
	want := Limits{Timeout: 45 * time.Second, OutputLimit: 10 << 20, StderrTail: 4 << 10, Memory: 256 << 20, TmpSize: 64 << 20}
	if err != nil || l != want {
		t.Errorf("limits = %+v, %v; want %+v", l, err, want)
	}
	l, _ = (&Request{Skill: &skills.Skill{}}).limits(time.Hour)
	if l.Timeout != 30*time.Second {
		t.Errorf("no frontmatter timeout: %v, want 30s", l.Timeout)
	}
	l, _ = (&Request{Skill: s}).limits(10 * time.Second)
	if l.Timeout != 10*time.Second {
		t.Errorf("cut to the maximum: %v", l.Timeout)
	}
}

func TestReadShebang(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		content, interp, arg, err string
	}{
		{"#!/bin/sh\necho", "/bin/sh", "", ""},
		{"#! /usr/bin/env  python3 \nx", "/usr/bin/env", "python3", ""},
		{"#!/bin/bash -e -u\n", "/bin/bash", "-e -u", ""},
		{"#!/bin/sh\t-x\n", "/bin/sh", "-x", ""},
		{"#!/bin/sh", "/bin/sh", "", ""},
		{"echo hi\n", "", "", "does not start with a #! line"},
		{"#!sh\n", "", "", "not an absolute path"},
		{"", "", "", "does not start"},
	}
	for i, tc := range cases {
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		interp, arg, err := readShebang(p)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%d: err %v, want %q", i, err, tc.err)
			}
			continue
		}
		if err != nil || interp != tc.interp || arg != tc.arg {
			t.Errorf("%d: %q %q %v, want %q %q", i, interp, arg, err, tc.interp, tc.arg)
		}
	}
}

func TestTailBuffer(t *testing.T) {
	tb := tailBuffer{max: 5}
	for _, w := range []string{"ab", "cd", "efg", "", "hijklmn", "o"} {
		tb.Write([]byte(w))
	}
	if got := string(tb.bytes()); got != "klmno" {
		t.Errorf("tail %q, want klmno", got)
	}
}

func TestToolResult(t *testing.T) {
	cases := []struct {
		r    Result
		want string
		err  bool
	}{
		{Result{Stdout: []byte("ok\n")}, "ok\n", false},
		{Result{Stdout: []byte("half"), ExitCode: 2, StderrTail: []byte("bad input")}, "half\n[skill exited with code 2]\n[stderr]\nbad input\n", true},
		{Result{ExitCode: -1, Signal: "SIGSEGV"}, "[skill killed by SIGSEGV]\n", true},
		{Result{ExitCode: -1, Trap: "wasm error: unreachable"}, "[skill trapped: wasm error: unreachable]\n", true},
		{Result{ExitCode: 0, OOMKilled: true}, "[skill stopped: memory limit exceeded]\n", true},
		{Result{ExitCode: -1, TimedOut: true, Timeout: 2 * time.Second}, "[skill stopped: time limit of 2s exceeded]\n", true},
	}
	for i, tc := range cases {
		text, isErr := tc.r.ToolResult()
		if text != tc.want || isErr != tc.err {
			t.Errorf("%d: %q %v, want %q %v", i, text, isErr, tc.want, tc.err)
		}
	}
}

// TestModuleCache checks that a module is compiled once per file content,
// that a changed file is compiled again, and that eviction keeps the
// cache bounded without breaking calls in flight.
func TestModuleCache(t *testing.T) {
	f := newFixture(t)
	f.exec = New(Options{WASM: testHost(t), ModuleCache: 2, ScratchDir: t.TempDir()})
	defer f.exec.Close(context.Background())
	var list []*skills.Skill
	for _, n := range []string{"probe-a", "probe-b", "probe-c"} {
		list = append(list, f.addProbe(t, n, ""))
	}
	for _, s := range append(list, list...) {
		if got := f.ok(t, Request{Skill: s, Params: []byte(`{"mode":"host-params","n":1}`)}); !strings.HasPrefix(got, "mode=host-params") {
			t.Fatalf("%s: %q", s.ID, got)
		}
	}
	c := f.exec.modules
	c.mu.Lock()
	n := len(c.entries)
	c.mu.Unlock()
	if n != 2 {
		t.Errorf("cache holds %d modules, want 2", n)
	}
	// Two copies of one module share an entry only while their files are
	// the same file: a skill replaced in the catalog is a new file.
	a := list[0]
	if err := os.WriteFile(filepath.Join(a.Dir, "execute.wasm"), []byte("not wasm"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.exec.Execute(context.Background(), Request{Skill: a}); err == nil || errors.Is(err, ErrInvalidRequest) {
		t.Errorf("changed module still served from the cache: %v", err)
	}
}
