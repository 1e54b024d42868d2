package providers

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/clip"
)

// CompactionPrompt is the system prompt of a summarisation request.
const CompactionPrompt = `You compact the history of a software agent's session so that the agent can continue its work with a shorter context.
Write a summary of the conversation you are given that lets the agent continue without it:
- the user's requests and goals, quoted when short, and any constraints or preferences they stated;
- what has been done: files read, created or changed (with paths), commands run and their outcomes, decisions taken and why;
- facts learned that are still needed (names, values, errors, test results);
- what remains to be done, and the next step.
Be specific and concise. Do not invent anything. Answer with the summary only.`

// compactionHeader introduces the summary in the compacted history.
const compactionHeader = "Summary of the earlier part of this session (compacted; the full transcript is kept on disk):\n\n"

// The defaults of CompactOptions.
const (
	// DefaultCompactKeepTokens is how much of the recent history is kept
	// whole, in estimated tokens.
	DefaultCompactKeepTokens = 20_000
	// DefaultCompactSummaryTokens caps the summary's length (max_tokens of
	// the summarisation request).
	DefaultCompactSummaryTokens = 4096
	// compactResultRunes caps each tool result shown to the summariser.
	compactResultRunes = 2000
)

// ErrNothingToCompact: the history has no earlier part that can be
// summarised while keeping tool calls paired with their results.
var ErrNothingToCompact = errors.New("nothing to compact: no message boundary before the part kept whole")

// CompactOptions tunes PrepareCompaction. Zero fields take the defaults.
type CompactOptions struct {
	// KeepTokens is how much of the recent history to keep whole.
	KeepTokens int
	// SummaryTokens caps the summary (max_tokens of the request).
	SummaryTokens int
	// Model is the model asked for the summary ("" keeps the caller's).
	Model string
}

// CompactionPlan is a prepared compaction: the summarisation request to
// send, and where the history is cut.
type CompactionPlan struct {
	// Request asks a model to summarise History[:Split]; it has no tools,
	// so any provider can answer it.
	Request chat.Request
	// Split is the number of leading messages the summary replaces.
	Split int
	// TokensBefore is EstimateTokens of the whole history.
	TokensBefore int
}

// Compaction is the record of one compaction, kept in the transcript: the
// summary that replaced the first Replaced messages of the history. The
// original messages stay on disk; Apply rebuilds the compacted history.
//
// JSON: {"summary","replaced","tokens_before","tokens_after","provider",
// "model","usage"}.
type Compaction struct {
	Summary      string     `json:"summary"`
	Replaced     int        `json:"replaced"`
	TokensBefore int        `json:"tokens_before"`
	TokensAfter  int        `json:"tokens_after"`
	Provider     string     `json:"provider,omitempty"`
	Model        string     `json:"model,omitempty"`
	Usage        chat.Usage `json:"usage"`
}

// PrepareCompaction plans the compaction of history: the last messages
// worth about opts.KeepTokens stay whole, and the part before them is
// rendered as text for a summarisation request (system CompactionPrompt,
// one user message; tool results cut to 2000 characters each).
//
// The cut falls where the kept part starts with an assistant message or
// with a user message that holds no tool results, so every tool call
// stays with its result. It fails with ErrNothingToCompact when no such
// boundary exists before the kept part.
func PrepareCompaction(history []chat.Message, opts CompactOptions) (*CompactionPlan, error) {
	keep := cmp.Or(opts.KeepTokens, DefaultCompactKeepTokens)
	split, tail := 0, 0
	for i := len(history) - 1; i >= 1; i-- {
		tail += messageTokens(history[i])
		if tail >= keep && cutsCleanly(history[i]) {
			split = i
			break
		}
	}
	if split == 0 {
		return nil, ErrNothingToCompact
	}
	return &CompactionPlan{
		Request: chat.Request{
			Model:     opts.Model,
			System:    CompactionPrompt,
			MaxTokens: cmp.Or(opts.SummaryTokens, DefaultCompactSummaryTokens),
			Messages:  []chat.Message{chat.UserText(renderHistory(history[:split]))},
		},
		Split:        split,
		TokensBefore: MessagesTokens(history),
	}, nil
}

// cutsCleanly reports whether a kept part may start with m.
func cutsCleanly(m chat.Message) bool {
	if m.Role == chat.RoleAssistant {
		return true
	}
	for _, b := range m.Content {
		if b.Type == chat.BlockToolResult {
			return false
		}
	}
	return true
}

// renderHistory writes messages as plain text for the summariser.
func renderHistory(msgs []chat.Message) string {
	var sb strings.Builder
	sb.WriteString("Summarise this session history:\n\n")
	for _, m := range msgs {
		for _, b := range m.Content {
			switch b.Type {
			case chat.BlockText:
				fmt.Fprintf(&sb, "[%s] %s\n", m.Role, b.Text)
			case chat.BlockToolUse:
				fmt.Fprintf(&sb, "[assistant called %s] %s\n", b.Name, b.Input)
			case chat.BlockToolResult:
				kind := "result"
				if b.IsError {
					kind = "error"
				}
				fmt.Fprintf(&sb, "[tool %s] %s\n", kind, clip.Runes(b.Text, compactResultRunes))
			}
		}
	}
	return sb.String()
}

// Record returns the compaction made from the summariser's answer. It
// fails when the answer has no text.
func (p *CompactionPlan) Record(history []chat.Message, resp *chat.Response) (Compaction, error) {
	summary := strings.TrimSpace(resp.Message.Text())
	if summary == "" {
		return Compaction{}, errors.New("compaction: the summary is empty")
	}
	c := Compaction{
		Summary: summary, Replaced: p.Split, TokensBefore: p.TokensBefore,
		Provider: resp.Provider, Model: resp.Model, Usage: resp.Usage,
	}
	c.TokensAfter = MessagesTokens(c.Apply(history))
	return c, nil
}

// Apply returns history with its first Replaced messages replaced by one
// user message holding the summary (merged with the next message when
// that is a user message too). history is not modified. It returns history
// unchanged when it is shorter than Replaced.
func (c Compaction) Apply(history []chat.Message) []chat.Message {
	if c.Replaced > len(history) {
		return history
	}
	out := make([]chat.Message, 0, len(history)-c.Replaced+1)
	out = append(out, c.Message())
	out = append(out, history[c.Replaced:]...)
	return chat.Coalesce(out)
}

// Message returns the user message that stands for the replaced part of
// the history: a header saying the history was compacted, then the
// summary.
func (c Compaction) Message() chat.Message {
	return chat.UserText(compactionHeader + c.Summary)
}
