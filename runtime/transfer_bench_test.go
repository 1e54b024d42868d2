package runtime

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/memory"
)

// benchSourceMiB is the size of the source tree of the transfer
// benchmarks: BULKHEAD_BENCH_SOURCE_MIB, default 256 (docs/benchmarks.md
// gives 1024 too).
func benchSourceMiB(b *testing.B) int64 {
	if s := os.Getenv("BULKHEAD_BENCH_SOURCE_MIB"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("BULKHEAD_BENCH_SOURCE_MIB=%q", s)
		}
		return n
	}
	return 256
}

// sourceExts are the files of the Go tree copied into the benchmark's
// workspace: source code, as a tenant's repository holds.
var sourceExts = map[string]bool{".go": true, ".s": true, ".c": true, ".h": true, ".md": true, ".txt": true}

// fillSource copies the source files of $GOROOT/src into dir, in copies
// copy00/, copy01/… until size bytes: real code, the same on every run of
// one Go version. Each copy is far larger than the compressor's 8 MiB
// window, so repeating it does not flatter the ratio. It returns the bytes
// and files written.
func fillSource(b *testing.B, dir string, size int64) (int64, int) {
	src := filepath.Join(goruntime.GOROOT(), "src")
	var total int64
	files := 0
	for c := 0; total < size; c++ {
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil || total >= size {
				return err
			}
			if !d.Type().IsRegular() || !sourceExts[filepath.Ext(p)] {
				return nil
			}
			rel, _ := filepath.Rel(src, p)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			dst := filepath.Join(dir, fmt.Sprintf("copy%02d", c), rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			total += int64(len(data))
			files++
			return os.WriteFile(dst, data, 0o644)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return total, files
}

// cpuTime returns the CPU time (user and system) the process has used
// (getrusage(2)).
func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportTransfer reports size bytes moved in d of wall time and cpu of
// CPU time as MiB/s and MiB per CPU second (which other work on the
// machine does not change), and the compression ratio of an archive of
// archived bytes.
func reportTransfer(b *testing.B, size, archived int64, d, cpu time.Duration) {
	b.ReportMetric(float64(size)/(1<<20)/d.Seconds(), "MiB/s")
	b.ReportMetric(float64(size)/(1<<20)/cpu.Seconds(), "MiB/cpu-s")
	b.ReportMetric(float64(size)/float64(archived), "ratio")
	b.ReportMetric(float64(archived)/(1<<20), "archive-MiB")
}

// exportToFile exports ws to a new file in dir and returns its path and
// size.
func exportToFile(b *testing.B, ws *Workspace, dir string) (string, int64) {
	path := filepath.Join(dir, fmt.Sprintf("%s-%d.tar.zst", ws.ID(), time.Now().UnixNano()))
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, err := ws.Export(bg, f, ExportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	return path, st.Compressed
}

// importFile imports the archive at path into p as id.
func importFile(b *testing.B, p *Platform, path, id string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, _, err := p.Import(bg, f, ImportOptions{As: id}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTransferSource exports and imports a workspace whose files/
// hold benchSourceMiB of source code, to and from a file on the same
// disk, with the page cache dropped first where the process may (root):
// MiB/s of files moved, and the archive's compression ratio. Use
// -benchtime 1x.
func BenchmarkTransferSource(b *testing.B) {
	p := newTestPlatform(b)
	ws := newTestWorkspace(b, p, "src")
	size, files := fillSource(b, ws.FilesDir(), benchSourceMiB(b)<<20)
	b.Logf("%d files, %d bytes", files, size)
	dir := b.TempDir()
	var archive string
	b.Run("export", func(b *testing.B) {
		for range b.N {
			dropCaches()
			start, cpu := time.Now(), cpuTime()
			path, n := exportToFile(b, ws, dir)
			archive = path
			reportTransfer(b, size, n, time.Since(start), cpuTime()-cpu)
		}
	})
	b.Run("import", func(b *testing.B) {
		fi, err := os.Stat(archive)
		if err != nil {
			b.Fatal(err)
		}
		for i := range b.N {
			dst := newTestPlatform(b)
			dropCaches()
			start, cpu := time.Now(), cpuTime()
			importFile(b, dst, archive, "copy"+strconv.Itoa(i))
			reportTransfer(b, size, fi.Size(), time.Since(start), cpuTime()-cpu)
		}
	})
}

// dropCaches asks the kernel to drop clean page cache (proc(5),
// /proc/sys/vm/drop_caches), so that a benchmark reads from the disk; a
// process that may not is measured with a warm cache.
func dropCaches() {
	unix.Sync()
	os.WriteFile("/proc/sys/vm/drop_caches", []byte("1"), 0)
}

// BenchmarkTransferMemory exports and imports a workspace whose memory
// holds 100,000 memories (keyword-indexed, about 200 bytes each): MiB/s
// of the database file, and the compression ratio.
func BenchmarkTransferMemory(b *testing.B) {
	const memories = 100_000
	p := newTestPlatform(b)
	ws := newTestWorkspace(b, p, "mem")
	st, release, err := ws.Memory()
	if err != nil {
		b.Fatal(err)
	}
	words := strings.Fields("deploy release build cache tenant invoice customer schema index query latency budget quota runner " +
		"artifact pipeline rollback canary region replica backup snapshot vault token session memory archive manifest")
	for i := 0; i < memories; i += 1000 {
		batch := make([]memory.NewMemory, 0, 1000)
		for j := range 1000 {
			n := i + j
			var sb strings.Builder
			for k := range 28 {
				sb.WriteString(words[(n*7+k*13+k*k)%len(words)])
				sb.WriteByte(' ')
			}
			fmt.Fprintf(&sb, "ticket %d", n)
			batch = append(batch, memory.NewMemory{Text: sb.String(), Tags: []string{words[n%len(words)]}})
		}
		if _, err := st.StoreBatch(bg, batch); err != nil {
			b.Fatal(err)
		}
	}
	release()
	fi, err := os.Stat(ws.layout().memoryDB())
	if err != nil {
		b.Fatal(err)
	}
	size := fi.Size()
	b.Logf("%d memories, database of %d bytes", memories, size)
	dir := b.TempDir()
	var archive string
	b.Run("export", func(b *testing.B) {
		for range b.N {
			start, cpu := time.Now(), cpuTime()
			path, n := exportToFile(b, ws, dir)
			archive = path
			reportTransfer(b, size, n, time.Since(start), cpuTime()-cpu)
		}
	})
	b.Run("import", func(b *testing.B) {
		afi, err := os.Stat(archive)
		if err != nil {
			b.Fatal(err)
		}
		for i := range b.N {
			dst := newTestPlatform(b)
			start, cpu := time.Now(), cpuTime()
			importFile(b, dst, archive, "copy"+strconv.Itoa(i))
			reportTransfer(b, size, afi.Size(), time.Since(start), cpuTime()-cpu)
		}
	})
}

// BenchmarkRunStartDuringExport measures a run's start (Run called to
// the first model request, as BenchmarkRunStart) of one workspace while
// nothing else happens, and while another workspace of benchSourceMiB of
// source is exported over and over to /dev/null: the cost of an export's
// disk reads and its one compressing core to the runs beside it. Runs
// come 50 ms apart.
func BenchmarkRunStartDuringExport(b *testing.B) {
	p := newTestPlatform(b)
	big := newTestWorkspace(b, p, "big")
	fillSource(b, big.FilesDir(), benchSourceMiB(b)<<20)
	ws := newTestWorkspace(b, p, "bench")
	run := func() time.Duration {
		llm := &scriptLLM{turns: []chat.Message{textTurn("ok")}}
		start := time.Now()
		if _, err := ws.Run(bg, RunRequest{Message: "hi", LLM: llm}); err != nil {
			b.Fatal(err)
		}
		return llm.arrived[0].Sub(start)
	}
	run()
	for _, during := range []bool{false, true} {
		b.Run(map[bool]string{false: "idle", true: "exporting"}[during], func(b *testing.B) {
			ctx, cancel := context.WithCancel(bg)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for during && ctx.Err() == nil {
					big.Export(ctx, io.Discard, ExportOptions{})
				}
			}()
			time.Sleep(500 * time.Millisecond) // the export is under way
			samples := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				samples = append(samples, run())
				b.StopTimer()
				time.Sleep(50 * time.Millisecond)
				b.StartTimer()
			}
			b.StopTimer()
			cancel()
			<-done
			percentiles(b, samples, "ms")
		})
	}
}
