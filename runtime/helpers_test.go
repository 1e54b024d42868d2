package runtime

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

const testKey = "sk-test-secret-key-0123456789"

// newTestPlatform returns a platform over a temporary state directory.
func newTestPlatform(t testing.TB) *Platform {
	t.Helper()
	p, err := NewPlatform(Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// newTestWorkspace creates workspace id on p.
func newTestWorkspace(t testing.TB, p *Platform, id string) *Workspace {
	t.Helper()
	ws, err := p.CreateWorkspace(id, WorkspaceConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// anthropicRequest returns a run request against srv's Anthropic endpoint.
func anthropicRequest(srv *fakellm.Server, msg string) RunRequest {
	return RunRequest{Message: msg, Provider: "anthropic", Model: "claude-test", APIKey: testKey, BaseURL: srv.AnthropicBaseURL()}
}

// openaiRequest returns a run request against srv's OpenAI endpoint.
func openaiRequest(srv *fakellm.Server, msg string) RunRequest {
	return RunRequest{Message: msg, Provider: "openai", Model: "gpt-test", APIKey: testKey, BaseURL: srv.OpenAIBaseURL()}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var bg = context.Background()

// closeMemory closes the memory store p holds for workspace id, if any,
// as DeleteWorkspace does before it removes the workspace.
func (p *Platform) closeMemory(id string) error {
	return p.mem.withClosed(id, func() error { return nil })
}
