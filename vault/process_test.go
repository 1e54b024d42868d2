package vault

import (
	"bufio"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Environment of a helper process started by helperCommand: TestMain runs
// the helper instead of the tests when helperModeEnv is set.
const (
	helperModeEnv   = "VAULT_TEST_HELPER"
	helperPathEnv   = "VAULT_TEST_PATH"
	helperPrefixEnv = "VAULT_TEST_PREFIX"
	helperNEnv      = "VAULT_TEST_N"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperModeEnv); mode != "" {
		if err := runHelper(mode); err != nil {
			fmt.Fprintln(os.Stderr, "vault helper:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runHelper is the body of a helper process. Modes:
//   - rotate: open the vault with passA or passB, print "ready", then
//     rotate between the two forever, printing "rotated" after each, until
//     killed.
//   - put: put N entries "<prefix>-<i>", each holding the value
//     helperValue(prefix, i).
func runHelper(mode string) error {
	path := os.Getenv(helperPathEnv)
	switch mode {
	case "rotate":
		cur, next := passA, passB
		v, err := Open(path, "acme", []byte(cur), testOpts)
		if errors.Is(err, ErrWrongPassphrase) {
			cur, next = next, cur
			v, err = Open(path, "acme", []byte(cur), testOpts)
		}
		if err != nil {
			return err
		}
		fmt.Println("ready")
		for {
			if err := v.Rotate([]byte(next)); err != nil {
				return err
			}
			fmt.Println("rotated")
			cur, next = next, cur
		}
	case "put":
		prefix := os.Getenv(helperPrefixEnv)
		n, err := strconv.Atoi(os.Getenv(helperNEnv))
		if err != nil {
			return err
		}
		v, err := Open(path, "acme", []byte(passA), testOpts)
		if err != nil {
			return err
		}
		defer v.Close()
		for i := range n {
			name := fmt.Sprintf("%s-%d", prefix, i)
			if err := v.Put(name, entry(nil, false, "VALUE", helperValue(prefix, i))); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown mode %q", mode)
}

func helperValue(prefix string, i int) string { return fmt.Sprintf("value of %s number %d", prefix, i) }

func helperCommand(mode, path string, extra ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperModeEnv+"="+mode, helperPathEnv+"="+path)
	cmd.Env = append(cmd.Env, extra...)
	cmd.Stderr = os.Stderr
	return cmd
}

// TestRotationKilled kills a process that rotates the passphrase in a
// loop at random moments, with SIGKILL, and checks after each kill that
// the file opens with the old or the new passphrase and holds every entry
// intact.
func TestRotationKilled(t *testing.T) {
	path := vaultPath(t)
	v := mustOpen(t, path, "acme", passA)
	want := map[string]Entry{}
	for i := range 6 {
		name := fmt.Sprintf("e%d", i)
		e := entry([]string{fmt.Sprintf("h%d.example.com", i)}, i%2 == 0,
			"TOKEN", fmt.Sprintf("token-%d-%x", i, rand.Uint64()), "USER", fmt.Sprintf("user-%d", i))
		mustPut(t, v, name, e)
		want[name] = e
	}
	const iterations = 8
	rotations := 0
	for it := range iterations {
		cmd := helperCommand("rotate", path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		if !lines.Scan() || lines.Text() != "ready" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("iteration %d: helper did not start: %q", it, lines.Text())
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for lines.Scan() {
			rotations++
		}
		cmd.Wait()
		checkIntact(t, path, want)
	}
	if rotations == 0 {
		t.Fatal("no rotation completed before a kill: the test killed nothing mid-loop")
	}
	t.Logf("%d rotations completed over %d kills", rotations, iterations)
	// The next write removes what the killed writers left.
	w := openEither(t, path)
	mustPut(t, w, "after", entry(nil, false, "K", "v"))
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

// openEither opens path with passA or, if that is the wrong passphrase,
// passB.
func openEither(t *testing.T, path string) *Vault {
	t.Helper()
	v, err := Open(path, "acme", []byte(passA), testOpts)
	if errors.Is(err, ErrWrongPassphrase) {
		v, err = Open(path, "acme", []byte(passB), testOpts)
	}
	if err != nil {
		t.Fatalf("the file opens with neither passphrase: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// checkIntact fails unless the file at path opens with one of the two
// passphrases and holds exactly the entries of want.
func checkIntact(t *testing.T, path string, want map[string]Entry) {
	t.Helper()
	v := openEither(t, path)
	infos, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != len(want) {
		t.Fatalf("%d entries, want %d", len(infos), len(want))
	}
	for name, w := range want {
		got, err := v.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(values(got), values(w)) || strings.Join(got.Hosts, ",") != strings.Join(w.Hosts, ",") || got.ToBash != w.ToBash {
			t.Fatalf("entry %s changed: %v", name, got)
		}
	}
}

// TestConcurrentPutProcesses has two processes put entries into the same
// vault at once, starting from no file at all (so both derive a key for a
// salt of their own, and one must adopt the other's): no write is lost.
func TestConcurrentPutProcesses(t *testing.T) {
	path := vaultPath(t)
	const n = 25
	var cmds []*exec.Cmd
	for _, prefix := range []string{"p1", "p2"} {
		cmd := helperCommand("put", path, helperPrefixEnv+"="+prefix, helperNEnv+"="+strconv.Itoa(n))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	v := mustOpen(t, path, "acme", passA)
	infos, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2*n {
		t.Fatalf("%d entries, want %d", len(infos), 2*n)
	}
	for _, prefix := range []string{"p1", "p2"} {
		for i := range n {
			e, err := v.Get(fmt.Sprintf("%s-%d", prefix, i))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(e.Values["VALUE"]); got != helperValue(prefix, i) {
				t.Fatalf("%s-%d = %q", prefix, i, got)
			}
		}
	}
}
