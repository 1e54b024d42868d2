package ledger

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// Environment of a helper process started by TestConcurrentProcesses.
const (
	helperDirEnv    = "LEDGER_TEST_DIR"
	helperPrefixEnv = "LEDGER_TEST_PREFIX"
	helperNEnv      = "LEDGER_TEST_N"
)

// TestHelperProcess is not a test: it is the body of the processes that
// TestConcurrentProcesses starts by re-executing the test binary. It
// appends N records, run ids <prefix>0-0 … <prefix>0-(N-1).
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		return
	}
	n, _ := strconv.Atoi(os.Getenv(helperNEnv))
	l := Open(dir)
	for i := range n {
		if err := l.Append(rec(fmt.Sprintf("%s0-%d", os.Getenv(helperPrefixEnv), i), day.AddDate(0, i%2, 0))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	os.Exit(0)
}

// TestConcurrentProcesses runs two processes appending to one ledger
// while this one does too: every line of all three arrives whole.
func TestConcurrentProcesses(t *testing.T) {
	dir := t.TempDir()
	const each = 60
	var cmds []*exec.Cmd
	for _, prefix := range []string{"p", "q"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperDirEnv+"="+dir, helperPrefixEnv+"="+prefix, helperNEnv+"="+strconv.Itoa(each))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	l := Open(dir)
	for i := range each {
		mustAppend(t, l, rec(fmt.Sprintf("r0-%d", i), day.AddDate(0, i%2, 0)))
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	assertIDs(t, dir, ids([]string{"p", "q", "r"}, 1, each))
}
