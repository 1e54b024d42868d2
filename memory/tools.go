package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/clip"
	"github.com/bulkhead-dev/bulkhead/internal/count"
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
			Description: "Search the workspace's long-term memory: facts stored with memory_store, the workspace's own MEMORY.md and memory/*.md files, " +
				"and what was said in earlier sessions. Ask in natural language; results come best first with their source and date.",
			Parameters: json.RawMessage(`{"type":"object","properties":{` +
				`"query":{"type":"string","description":"What to look for, e.g. \"which database does the project use\"."},` +
				fmt.Sprintf(`"maxResults":{"type":"integer","minimum":1,"maximum":%d,"description":"How many results to return (default %d)."}},`, MaxToolResults, DefaultToolResults) +
				`"required":["query"],"additionalProperties":false}`),
		},
	}
}

// CallTool runs one memory tool call for the agent and returns the text the
// model sees. Errors: ErrUnknownTool; ErrInvalid for input that is not a
// JSON object of the tool's parameters or breaks the Store's limits;
// database errors. The caller reports them to the model as error results.
//
// # Notes
//
//   - memory_store saves content with source "agent"; memory_search returns
//     up to maxResults (default DefaultToolResults) results, each text cut
//     to 2000 characters.
//   - maxResults may be any JSON number that is a whole number of at least 1
//     (3.0 and 1e9 are); one above MaxToolResults is lowered to it rather
//     than refused, which is kinder to a model than an error, although the
//     schema says maximum MaxToolResults.
//   - Input that is not the tool's parameters: a field the schema lacks, a
//     wrong type, a missing required field, a maxResults below 1 or with a
//     fraction.
func (s *Store) CallTool(ctx context.Context, name string, input json.RawMessage) (string, error) {
	if err := s.checkOpen(); err != nil {
		return "", err
	}
	switch name {
	case ToolStore:
		var in struct {
			Content *string `json:"content"`
		}
		if err := decodeToolInput(input, &in, storeUsage, "content"); err != nil {
			return "", err
		}
		if in.Content == nil {
			return "", fmt.Errorf("%w: missing content; %s", ErrInvalid, storeUsage)
		}
		m, err := s.Store(ctx, NewMemory{Text: *in.Content, Source: SourceAgent})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Stored memory %d.", m.ID), nil
	case ToolSearch:
		var in struct {
			Query      *string         `json:"query"`
			MaxResults json.RawMessage `json:"maxResults"`
		}
		if err := decodeToolInput(input, &in, searchUsage, "query", "maxResults"); err != nil {
			return "", err
		}
		if in.Query == nil {
			return "", fmt.Errorf("%w: missing query; %s", ErrInvalid, searchUsage)
		}
		n, err := toolMaxResults(in.MaxResults)
		if err != nil {
			return "", err
		}
		rs, err := s.Search(ctx, *in.Query, SearchOptions{MaxResults: n})
		if err != nil {
			return "", err
		}
		notes := s.PlanQuery(*in.Query).Notes()
		if len(rs) == 0 {
			return strings.Join(append([]string{fmt.Sprintf("No memories found for %q.", *in.Query)}, notes...), " "), nil
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Found %s, best first:\n", count.Noun(len(rs), "memory", "memories"))
		FormatResults(&b, rs, maxToolResultChars)
		for _, n := range notes {
			b.WriteString("Note: " + n + "\n")
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("%w %q", ErrUnknownTool, clip.Runes(name, maxEcho))
}

// The tools' parameters, ending the errors of CallTool's input checks.
const (
	storeUsage  = ToolStore + ` wants {"content": string}`
	searchUsage = ToolSearch + ` wants {"query": string, "maxResults"?: integer}`
)

// decodeToolInput decodes input, a JSON object whose fields must all be
// among fields (the schemas forbid others), into in. Errors wrap ErrInvalid
// and end with usage.
func decodeToolInput(input json.RawMessage, in any, usage string, fields ...string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(input, &obj); err != nil || obj == nil {
		return fmt.Errorf("%w: input is not a JSON object; %s", ErrInvalid, usage)
	}
	for _, f := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(fields, f) {
			return fmt.Errorf("%w: unknown field %q; %s", ErrInvalid, clip.Runes(f, maxEcho), usage)
		}
	}
	if err := json.Unmarshal(input, in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%w: %s is a JSON %s; %s", ErrInvalid, te.Field, te.Value, usage)
		}
		return fmt.Errorf("%w: %s", ErrInvalid, usage)
	}
	return nil
}

// toolMaxResults reads memory_search's maxResults: absent or null means
// DefaultToolResults, a whole number above MaxToolResults is lowered to it.
func toolMaxResults(raw json.RawMessage) (int, error) {
	if raw == nil || string(raw) == "null" {
		return DefaultToolResults, nil
	}
	// raw is a JSON value; ParseFloat accepts only the numbers among them,
	// and makes those too large for a float64 infinite (ErrRange).
	f, err := strconv.ParseFloat(string(raw), 64)
	if (err != nil && !errors.Is(err, strconv.ErrRange)) || f < 1 || f != math.Trunc(f) {
		return 0, fmt.Errorf("%w: maxResults %s: want a whole number from 1 to %d (larger ones are lowered to %d)",
			ErrInvalid, clip.Runes(string(raw), maxEcho), MaxToolResults, MaxToolResults)
	}
	return int(min(f, MaxToolResults)), nil
}
