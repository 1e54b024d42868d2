package skillrun

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bulkhead-dev/bulkhead/skills"
	"github.com/bulkhead-dev/bulkhead/wasmhost"
	"github.com/rs/zerolog"
)

// fixture is a state directory with a skill catalog, protected as the
// runtime protects it, and an Executor.
type fixture struct {
	state     string
	cat       *skills.Catalog
	exec      *Executor
	protected []string
	log       *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for concurrent writes (the logger).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	state := t.TempDir()
	cat, err := skills.Open(filepath.Join(state, "skills"), skills.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	e := New(Options{WASM: testHost(t), Logger: zerolog.New(log), ScratchDir: t.TempDir()})
	t.Cleanup(func() { e.Close(context.Background()) })
	return &fixture{state: state, cat: cat, exec: e, protected: []string{state}, log: log}
}

// add writes a skill folder with SKILL.md (name, a description, and the
// extra frontmatter lines) and files (name → content; a name ending in
// "+x" is written executable without the suffix), adds it to the catalog
// and returns it.
func (f *fixture) add(t testing.TB, name, frontmatter string, files map[string]string) *skills.Skill {
	t.Helper()
	src := filepath.Join(t.TempDir(), name)
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	md := fmt.Sprintf("---\nname: %s\ndescription: test skill %s\n%s---\nbody\n", name, name, frontmatter)
	files["SKILL.md"] = md
	for n, content := range files {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(n, "+x") {
			n, mode = strings.TrimSuffix(n, "+x"), 0o755
		}
		if err := os.WriteFile(filepath.Join(src, n), []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	return f.addDir(t, src)
}

// addDir adds the skill folder src to the catalog and returns it.
func (f *fixture) addDir(t testing.TB, src string) *skills.Skill {
	t.Helper()
	d, err := f.cat.Add(context.Background(), src, skills.AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.cat.Get(d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run executes req (its ProtectedPaths set to the fixture's) and fails
// the test on an error.
func (f *fixture) run(t testing.TB, req Request) *Result {
	t.Helper()
	req.ProtectedPaths = f.protected
	res, err := f.exec.Execute(context.Background(), req)
	if err != nil {
		t.Fatalf("Execute(%s): %v", req.Skill.ID, err)
	}
	return res
}

// ok is run that also requires success and returns stdout.
func (f *fixture) ok(t testing.TB, req Request) string {
	t.Helper()
	res := f.run(t, req)
	if !res.Succeeded() {
		text, _ := res.ToolResult()
		t.Fatalf("Execute(%s) failed: %s", req.Skill.ID, text)
	}
	return string(res.Stdout)
}

// params encodes v as JSON params.
func params(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	hostOnce sync.Once
	host     *wasmhost.Host
	hostErr  error

	probeOnce sync.Once
	probeWasm []byte
	probeErr  error
)

// testHost is one WebAssembly host for the test binary.
func testHost(t testing.TB) *wasmhost.Host {
	t.Helper()
	hostOnce.Do(func() {
		host, hostErr = wasmhost.New(context.Background(), wasmhost.Config{WarmInstances: -1})
	})
	if hostErr != nil {
		t.Fatal(hostErr)
	}
	return host
}

// probeModule builds testdata/probe for wasip1 once per test binary.
func probeModule(t testing.TB) []byte {
	t.Helper()
	probeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "skillrun-probe-")
		if err != nil {
			probeErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "probe.wasm")
		cmd := exec.Command("go", "build", "-o", out, "./testdata/probe")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if msg, err := cmd.CombinedOutput(); err != nil {
			probeErr = fmt.Errorf("build probe: %v\n%s", err, msg)
			return
		}
		probeWasm, probeErr = os.ReadFile(out)
	})
	if probeErr != nil {
		t.Fatal(probeErr)
	}
	return probeWasm
}

// addProbe adds the probe as WASM skill name with the extra frontmatter.
func (f *fixture) addProbe(t testing.TB, name, frontmatter string) *skills.Skill {
	t.Helper()
	return f.add(t, name, frontmatter, map[string]string{"execute.wasm": string(probeModule(t))})
}

func hexOf(v string) string  { return hex.EncodeToString([]byte(v)) }
func b64(v string) string    { return base64.StdEncoding.EncodeToString([]byte(v)) }
func b64url(v string) string { return base64.RawURLEncoding.EncodeToString([]byte(v)) }
func urlQuote(v string) string {
	return url.QueryEscape(v)
}
