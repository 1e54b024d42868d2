package runtime

import (
	"errors"
	"fmt"
	"slices"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/providers"
)

// RequestSettings tune each model call of a run. A workspace's
// (WorkspaceConfig) are its runs' defaults; a run request's set fields
// override them. The host sets them on every request, whatever the agent
// guest asked for.
type RequestSettings struct {
	// MaxOutputTokens caps the output of each model call, in tokens. Zero:
	// providers.DefaultMaxTokens, plus ThinkingBudget when thinking is on.
	MaxOutputTokens int `json:"max_output_tokens,omitempty"`
	// Temperature is the sampling temperature, 0 to 2 (Anthropic accepts
	// at most 1 and ignores it with thinking). Nil: the provider's
	// default.
	Temperature *float64 `json:"temperature,omitempty"`
	// ThinkingBudget turns on Anthropic extended thinking with a budget of
	// this many output tokens: at least MinThinkingBudget and below
	// MaxOutputTokens
	// (https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking).
	// Thinking blocks are kept in the transcript and sent back. Other
	// providers ignore it. Zero: off.
	ThinkingBudget int `json:"thinking_budget,omitempty"`
	// StopSequences end a model's output when it writes one of them: at
	// most MaxStopSequences, none empty.
	StopSequences []string `json:"stop_sequences,omitempty"`
}

// Limits of RequestSettings.
const (
	// MinThinkingBudget is the smallest ThinkingBudget Anthropic accepts.
	MinThinkingBudget = 1024
	// MaxStopSequences is the most stop sequences a run may set: OpenAI's
	// limit, the lowest of the providers', so that a fallback accepts
	// what the primary did.
	MaxStopSequences = 4
	// MaxTemperature is the highest Temperature any provider accepts.
	MaxTemperature = 2.0
)

// validate returns an error naming the first field out of range: a
// negative output cap, a temperature outside 0 to MaxTemperature, a
// thinking budget below MinThinkingBudget or not below a set output cap,
// more than MaxStopSequences stop sequences or an empty one.
func (s RequestSettings) validate() error {
	switch {
	case s.MaxOutputTokens < 0:
		return fmt.Errorf("max output tokens %d must not be negative", s.MaxOutputTokens)
	case s.Temperature != nil && (*s.Temperature < 0 || *s.Temperature > MaxTemperature):
		return fmt.Errorf("temperature %g: want 0 to %g", *s.Temperature, MaxTemperature)
	case s.ThinkingBudget < 0 || (s.ThinkingBudget > 0 && s.ThinkingBudget < MinThinkingBudget):
		return fmt.Errorf("thinking budget %d: want 0 (off) or at least %d tokens", s.ThinkingBudget, MinThinkingBudget)
	case s.ThinkingBudget > 0 && s.MaxOutputTokens > 0 && s.ThinkingBudget >= s.MaxOutputTokens:
		return fmt.Errorf("thinking budget %d must be below max output tokens %d", s.ThinkingBudget, s.MaxOutputTokens)
	case len(s.StopSequences) > MaxStopSequences:
		return fmt.Errorf("%d stop sequences, more than %d", len(s.StopSequences), MaxStopSequences)
	case slices.Contains(s.StopSequences, ""):
		return errors.New("empty stop sequence")
	}
	return nil
}

// override returns s with the fields req sets replacing s's.
func (s RequestSettings) override(req RequestSettings) RequestSettings {
	if req.MaxOutputTokens > 0 {
		s.MaxOutputTokens = req.MaxOutputTokens
	}
	if req.Temperature != nil {
		s.Temperature = req.Temperature
	}
	if req.ThinkingBudget > 0 {
		s.ThinkingBudget = req.ThinkingBudget
	}
	if len(req.StopSequences) > 0 {
		s.StopSequences = req.StopSequences
	}
	return s
}

// maxOutput is the output cap of each call under s.
func (s RequestSettings) maxOutput() int {
	switch {
	case s.MaxOutputTokens > 0:
		return s.MaxOutputTokens
	case s.ThinkingBudget > 0:
		return s.ThinkingBudget + providers.DefaultMaxTokens
	}
	return providers.DefaultMaxTokens
}

// apply sets s on req.
func (s RequestSettings) apply(req *chat.Request) {
	req.MaxTokens = s.maxOutput()
	req.Temperature = s.Temperature
	req.StopSequences = slices.Clone(s.StopSequences)
	req.Thinking = nil
	if s.ThinkingBudget > 0 {
		req.Thinking = &chat.Thinking{BudgetTokens: s.ThinkingBudget}
	}
}
