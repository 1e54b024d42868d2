package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ncruces/go-sqlite3"

	"github.com/bulkhead-dev/bulkhead/internal/archive"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/memory"
)

// TestExportDuringRuns: exports taken while runs append to transcripts
// and store memories, and while memories are stored directly, are
// consistent snapshots: the database copy passes PRAGMA integrity_check,
// every transcript ends on a complete line of JSON, and the archive
// imports.
func TestExportDuringRuns(t *testing.T) {
	p := newTestPlatform(t)
	ws, err := p.CreateWorkspace("busy", WorkspaceConfig{MaxConcurrentRuns: 8})
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := fakellm.NewHandler(func(r fakellm.Request) fakellm.Step {
		if len(r.LastToolResults()) > 0 {
			return fakellm.Step{Text: "stored " + strings.Repeat("and noted ", 50)}
		}
		return fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "memory_store", Input: map[string]string{"content": fmt.Sprintf("fact %d about the build", n.Add(1))}}}}
	})
	defer srv.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var runs atomic.Int64
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req := anthropicRequest(srv, "remember a fact")
				req.SessionID = fmt.Sprintf("s%d-%d", g, i%3)
				if _, err := ws.Run(bg, req); err != nil {
					t.Error(err)
					return
				}
				runs.Add(1)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		st, release, err := ws.Memory()
		if err != nil {
			t.Error(err)
			return
		}
		defer release()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := st.Store(bg, memory.NewMemory{Text: fmt.Sprintf("direct note %d %s", i, strings.Repeat("x", 200))}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for runs.Load() < 4 {
		ws.WaitIndexed(bg)
	}
	first := runs.Load()
	var archives [][]byte
	for range 3 {
		data, _ := exportBytes(t, ws, ExportOptions{})
		archives = append(archives, data)
	}
	during := runs.Load()
	close(stop)
	wg.Wait()
	if during == first {
		t.Fatalf("no run ended while the exports went on (%d runs)", during)
	}
	for i, data := range archives {
		checkSnapshot(t, data)
		if _, _, err := newTestPlatform(t).Import(bg, bytes.NewReader(data), ImportOptions{}); err != nil {
			t.Errorf("archive %d: import: %v", i, err)
		}
	}
}

// checkSnapshot reads an archive: its memory database passes PRAGMA
// integrity_check and holds memories; each transcript ends with a line
// break and every line is a JSON object.
func checkSnapshot(t *testing.T, data []byte) {
	t.Helper()
	rd, err := archive.NewReader(bytes.NewReader(data), archive.ReaderOptions{LinkRoots: archiveLinkRoots})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	transcripts, dbs := 0, 0
	for {
		e, _, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(rd)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(e.Path, ".jsonl"):
			transcripts++
			if len(content) == 0 || content[len(content)-1] != '\n' {
				t.Errorf("%s does not end with a line break", e.Path)
			}
			for _, l := range strings.Split(strings.TrimSuffix(string(content), "\n"), "\n") {
				var v map[string]any
				if json.Unmarshal([]byte(l), &v) != nil {
					t.Errorf("%s: a line is not a JSON object: %.80q", e.Path, l)
				}
			}
		case e.Path == archiveWorkspace+"/memory/memory.db":
			dbs++
			path := filepath.Join(t.TempDir(), "memory.db")
			must(t, os.WriteFile(path, content, 0o600))
			if got := integrityCheck(t, path); got != "ok" {
				t.Errorf("integrity_check = %q", got)
			}
		}
	}
	if transcripts == 0 || dbs != 1 {
		t.Errorf("%d transcripts, %d databases in the archive", transcripts, dbs)
	}
}

// integrityCheck returns the first row of PRAGMA integrity_check on the
// database at path.
func integrityCheck(t *testing.T, path string) string {
	t.Helper()
	c, err := sqlite3.OpenFlags(path, sqlite3.OPEN_READONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, _, err := c.Prepare(`PRAGMA integrity_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !st.Step() {
		t.Fatal(st.Err())
	}
	return st.ColumnText(0)
}
