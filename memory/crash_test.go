package memory

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// crashChildEnv names the database a re-executed test binary writes to
// until it is killed (see TestMain and crashChild).
const crashChildEnv = "BULKHEAD_MEMORY_CRASH_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path, os.Getenv(crashChildEnv+"_RUN"))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashMemoryText is the text of item i of batch b of run r.
func crashMemoryText(r string, b, i int) string {
	return fmt.Sprintf("crash run %s batch %d item %d", r, b, i)
}

// crashChild stores batches of 20 memories until killed, printing
// "ack <batch> <id>..." after each StoreBatch returns.
func crashChild(path, run string) {
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	for b := 0; ; b++ {
		ms := make([]NewMemory, 20)
		for i := range ms {
			ms[i] = NewMemory{Text: crashMemoryText(run, b, i)}
		}
		r, err := s.StoreBatch(context.Background(), ms)
		if err != nil {
			fmt.Println("error", err)
			return
		}
		line := fmt.Sprintf("ack %d", b)
		for _, m := range r.Memories {
			line += fmt.Sprintf(" %d", m.ID)
		}
		os.Stdout.WriteString(line + "\n")
	}
}

// TestCrashDuringBatchInsert kills a process with SIGKILL while it writes
// batches, five times over the same database, and checks after each kill
// that the database opens, passes an integrity check and holds every
// memory whose batch was acknowledged, with its text and its full-text
// entry.
func TestCrashDuringBatchInsert(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	type ack struct {
		run   string
		batch int
		ids   []int64
	}
	var acked []ack
	for run := range 5 {
		runName := strconv.Itoa(run)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path, crashChildEnv+"_RUN="+runName)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 2 || f[0] != "ack" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child: %s", sc.Text())
			}
			a := ack{run: runName}
			a.batch, _ = strconv.Atoi(f[1])
			for _, s := range f[2:] {
				id, _ := strconv.ParseInt(s, 10, 64)
				a.ids = append(a.ids, id)
			}
			acked = append(acked, a)
			if n++; n == 5+run*3 {
				// Land the kill at a random point of the next batch.
				time.Sleep(time.Duration(rand.IntN(5000)) * time.Microsecond)
				cmd.Process.Kill()
				break
			}
		}
		cmd.Wait()

		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("reopen after kill %d: %v", run, err)
		}
		var check string
		s.db.QueryRow(`PRAGMA integrity_check`).Scan(&check)
		if check != "ok" {
			t.Fatalf("integrity_check after kill %d: %s", run, check)
		}
		ctx := context.Background()
		for _, a := range acked {
			for i, id := range a.ids {
				m, err := s.Get(ctx, id)
				if err != nil || m.Text != crashMemoryText(a.run, a.batch, i) {
					t.Fatalf("after kill %d: acknowledged memory %d = %q, %v", run, id, m.Text, err)
				}
			}
		}
		last := acked[len(acked)-1]
		rs, err := s.Search(ctx, fmt.Sprintf("crash run %s batch %d", last.run, last.batch), SearchOptions{MaxResults: 1})
		if err != nil || len(rs) == 0 {
			t.Fatalf("after kill %d: full-text search found nothing: %v", run, err)
		}
		s.Close()
	}
}
