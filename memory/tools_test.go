package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestToolSpecs(t *testing.T) {
	specs := ToolSpecs()
	want := map[string][]string{ToolStore: {"content"}, ToolSearch: {"query"}}
	if len(specs) != 2 {
		t.Fatalf("%d tools", len(specs))
	}
	for _, s := range specs {
		var schema struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal(s.Parameters, &schema); err != nil {
			t.Fatalf("%s: parameters are not JSON: %v", s.Name, err)
		}
		if schema.Type != "object" || fmt.Sprint(schema.Required) != fmt.Sprint(want[s.Name]) || s.Description == "" {
			t.Errorf("%s: schema %+v", s.Name, schema)
		}
		if s.Name == ToolSearch {
			if _, ok := schema.Properties["maxResults"]; !ok {
				t.Error("memory_search has no maxResults")
			}
		}
	}
}

func TestCallTool(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	out, err := s.CallTool(ctx, ToolStore, json.RawMessage(`{"content":"The user's cat is called Miso"}`))
	if err != nil || !strings.HasPrefix(out, "Stored memory ") {
		t.Fatalf("memory_store = %q, %v", out, err)
	}
	ms, _ := s.List(ctx, ListOptions{})
	if len(ms) != 1 || ms[0].Source != SourceAgent {
		t.Fatalf("stored %+v", ms)
	}
	out, err = s.CallTool(ctx, ToolSearch, json.RawMessage(`{"query":"what is my cat called?"}`))
	if err != nil || !strings.HasPrefix(out, "Found 1 memory, best first:\n") || !strings.Contains(out, "Miso") || !strings.Contains(out, "· agent ·") {
		t.Fatalf("memory_search = %q, %v", out, err)
	}
	out, err = s.CallTool(ctx, ToolSearch, json.RawMessage(`{"query":"dog"}`))
	if err != nil || out != `No memories found for "dog".` {
		t.Fatalf("memory_search without results = %q, %v", out, err)
	}
	out, err = s.CallTool(ctx, ToolSearch, json.RawMessage(`{"query":"what is it?"}`))
	if err != nil || !strings.HasPrefix(out, "No memories found") || !strings.Contains(out, "only common words") {
		t.Fatalf("memory_search of stopwords = %q, %v", out, err)
	}
	bad := []struct{ name, input, want string }{
		{ToolStore, `{}`, "missing content"},
		{ToolStore, `{"content": 7}`, "content is a JSON number"},
		{ToolStore, `{"content": ""}`, "empty text"},
		{ToolStore, `not json`, "not a JSON object"},
		{ToolStore, `null`, "not a JSON object"},
		{ToolStore, `{"content":"x","tags":["a"]}`, `unknown field "tags"`},
		{ToolStore, `{"Content":"x"}`, `unknown field "Content"`},
		{ToolSearch, `{"q":"x"}`, `unknown field "q"`},
		{ToolSearch, `{"query":"x","limit":3}`, `unknown field "limit"`},
		{ToolSearch, `{"maxResults":3}`, "missing query"},
		{ToolSearch, `{"query":"x","maxResults":"many"}`, `maxResults "many": want a whole number from 1 to 20`},
		{ToolSearch, `{"query":"x","maxResults":"5"}`, `maxResults "5"`},
		{ToolSearch, `{"query":"x","maxResults":2.5}`, "maxResults 2.5: want a whole number"},
		{ToolSearch, `{"query":"x","maxResults":0}`, "maxResults 0: want a whole number"},
		{ToolSearch, `{"query":"x","maxResults":-3}`, "maxResults -3: want a whole number"},
		{ToolSearch, `{"query":"x","maxResults":true}`, "maxResults true"},
		{ToolSearch, `{"query":""}`, "query"},
	}
	for _, b := range bad {
		_, err := s.CallTool(ctx, b.name, json.RawMessage(b.input))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s %s: %v, want ErrInvalid with %q", b.name, b.input, err, b.want)
		}
	}
	if ms, _ := s.List(ctx, ListOptions{}); len(ms) != 1 {
		t.Errorf("rejected calls stored memories: %+v", ms)
	}
	if _, err := s.CallTool(ctx, "memory_forget", json.RawMessage(`{}`)); !errors.Is(err, ErrUnknownTool) {
		t.Errorf("unknown tool: %v", err)
	}
}

func TestCallToolResultLimits(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	var texts []string
	for i := range 30 {
		texts = append(texts, fmt.Sprintf("garden note %d: %s", i, strings.Repeat("tomatoes ", 400)))
	}
	storeTexts(t, s, texts...)
	count := func(input string) int {
		out, err := s.CallTool(ctx, ToolSearch, json.RawMessage(input))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, "tomatoes") && len([]rune(line)) > maxToolResultChars+100 {
				t.Fatalf("result line of %d characters", len([]rune(line)))
			}
		}
		return strings.Count(out, "garden note")
	}
	if n := count(`{"query":"garden tomatoes"}`); n != DefaultToolResults {
		t.Errorf("default: %d results, want %d", n, DefaultToolResults)
	}
	if n := count(`{"query":"garden tomatoes","maxResults":3}`); n != 3 {
		t.Errorf("maxResults 3: %d results", n)
	}
	if out, _ := s.CallTool(ctx, ToolSearch, json.RawMessage(`{"query":"garden tomatoes","maxResults":3}`)); !strings.HasPrefix(out, "Found 3 memories, best first:\n") {
		t.Errorf("maxResults 3: %.40q", out)
	}
	if n := count(`{"query":"garden tomatoes","maxResults":null}`); n != DefaultToolResults {
		t.Errorf("maxResults null: %d results, want the default %d", n, DefaultToolResults)
	}
	if n := count(`{"query":"garden tomatoes","maxResults":3.0}`); n != 3 {
		t.Errorf("maxResults 3.0: %d results", n)
	}
	for _, big := range []string{"500", "1e9", "1e400"} {
		if n := count(`{"query":"garden tomatoes","maxResults":` + big + `}`); n != MaxToolResults {
			t.Errorf("maxResults %s: %d results, want the cap %d", big, n, MaxToolResults)
		}
	}
}

// TestFactAcrossSessions: an agent stores a fact in one run and a later
// run, with a new Store on the same workspace, finds it.
func TestFactAcrossSessions(t *testing.T) {
	ws := t.TempDir()
	ctx := context.Background()
	run := func(tool, input string) string {
		s, err := Open(databaseIn(ws), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		out, err := s.CallTool(ctx, tool, json.RawMessage(input))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	run(ToolStore, `{"content":"The staging deploy key lives in the ops vault under deploy/staging."}`)
	out := run(ToolSearch, `{"query":"where is the staging deploy key?","maxResults":3}`)
	if !strings.Contains(out, "ops vault under deploy/staging") {
		t.Fatalf("second session did not find the fact: %q", out)
	}
}
