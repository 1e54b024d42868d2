package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// The agent tools' names; with their parameters they are a contract (see
// the architecture document, "Built-in tools the model sees").
const (
	ToolStore  = "memory_store"
	ToolSearch = "memory_search"
)

// Limits of the agent tools.
const (
	DefaultToolResults = 5    // memory_search results when maxResults is absent
	MaxToolResults     = 20   // larger maxResults values are lowered to this
	maxToolResultChars = 2000 // characters of each result's text shown to the model
)

// ErrUnknownTool is returned by CallTool for a name other than ToolStore and
// ToolSearch.
var ErrUnknownTool = errors.New("unknown memory tool")

// ToolSpecs returns the schemas of memory_store {content} and memory_search
// {query, maxResults?}, for the model's tool list.
func ToolSpecs() []chat.Tool {
	return []chat.Tool{
		{
			Name: ToolStore,
			Description: "Save a fact, preference or decision to the workspace's long-term memory so that later sessions can find it. " +
				"Store one self-contained statement per call, with the names and numbers it needs to make sense on its own.",
			Parameters: json.RawMessage(`{"type":"object","properties":{` +
				`"content":{"type":"string","description":"The fact to remember, as a self-contained sentence."}},` +
				`"required":["content"],"additionalProperties":false}`),
		},
		{
			Name: ToolSearch,
			Description: "Search the workspace's long-term memory: facts stored with memory_store, the MEMORY.md and memory/*.md files, " +
				"and what was said in earlier sessions. Ask in natural language; results come best first with their source and date.",
			Parameters: json.RawMessage(`{"type":"object","properties":{` +
				`"query":{"type":"string","description":"What to look for, e.g. \"which database does the project use\"."},` +
				fmt.Sprintf(`"maxResults":{"type":"integer","minimum":1,"maximum":%d,"description":"How many results to return (default %d)."}},`, MaxToolResults, DefaultToolResults) +
				`"required":["query"],"additionalProperties":false}`),
		},
	}
}

// CallTool runs one memory tool call for the agent and returns the text the
// model sees. memory_store saves content with source "agent";
// memory_search returns up to maxResults (default DefaultToolResults, at
// most MaxToolResults) results, each text cut to 2000 characters.
//
// Errors: ErrUnknownTool; ErrInvalid for input that is not a JSON object of
// the tool's parameters or breaks the Store's limits; database errors. The
// caller reports them to the model as error results.
func (s *Store) CallTool(ctx context.Context, name string, input json.RawMessage) (string, error) {
	switch name {
	case ToolStore:
		var in struct {
			Content *string `json:"content"`
		}
		if err := json.Unmarshal(input, &in); err != nil || in.Content == nil {
			return "", fmt.Errorf("%w: %s wants {\"content\": string}", ErrInvalid, ToolStore)
		}
		m, err := s.Store(ctx, NewMemory{Text: *in.Content, Source: SourceAgent})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Stored memory %d.", m.ID), nil
	case ToolSearch:
		var in struct {
			Query      *string `json:"query"`
			MaxResults int     `json:"maxResults"`
		}
		if err := json.Unmarshal(input, &in); err != nil || in.Query == nil {
			return "", fmt.Errorf("%w: %s wants {\"query\": string, \"maxResults\"?: integer}", ErrInvalid, ToolSearch)
		}
		n := in.MaxResults
		if n <= 0 {
			n = DefaultToolResults
		}
		rs, err := s.Search(ctx, *in.Query, SearchOptions{MaxResults: min(n, MaxToolResults)})
		if err != nil {
			return "", err
		}
		if len(rs) == 0 {
			return fmt.Sprintf("No memories found for %q.", *in.Query), nil
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Found %d memories, best first:\n", len(rs))
		FormatResults(&b, rs, maxToolResultChars)
		return b.String(), nil
	}
	return "", fmt.Errorf("%w %q", ErrUnknownTool, name)
}
