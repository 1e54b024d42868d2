package runtime

import (
	"context"
	"encoding/json"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/providers"
)

// RunRequest is one agent run. Only Message is required.
type RunRequest struct {
	// Message is the user's message. Required.
	Message string
	// SessionID continues a session (its whole history goes to the model)
	// or names a new one. Empty: a new id is generated.
	SessionID string
	// SystemPrompt overrides the workspace's. Empty: workspace, then
	// DefaultSystemPrompt.
	SystemPrompt string
	// Provider and Model override the workspace's. Defaults: anthropic and
	// the provider's default model.
	Provider string
	Model    string
	// APIKey and BaseURL override the provider's usual environment
	// variables (see providers.ResolveKeys and providers.ResolveBaseURL).
	// APIKeys adds keys to a pool tried in order, APIKey first: a key
	// that hits a rate limit rests while the next is used, a revoked or
	// unpaid one is dropped for the platform's lifetime. Without explicit
	// keys the pool is <PROVIDER>_API_KEYS=a,b,c, then <PROVIDER>_API_KEY.
	// Keys stay in the host: never in the guest, transcript, events or
	// logs.
	APIKey  string
	APIKeys []string
	BaseURL string
	// Fallbacks replaces the workspace's fallback chain
	// (WorkspaceConfig.Fallbacks): "provider/model" entries, e.g.
	// "openai/gpt-4.1", that continue the conversation in turn when the
	// model before fails in a way another may not (see providers.Fallback).
	Fallbacks []string
	// NoStream asks the provider for whole responses instead of streams;
	// EventTextDelta then carries each turn's text at once.
	NoStream bool
	// LLM, if set, is used instead of building a provider from Provider,
	// APIKey, APIKeys, BaseURL and Fallbacks: a cassette replay, a
	// recorder, a test double.
	LLM providers.Provider
	// RequestSettings override the workspace's for each model call:
	// output cap, temperature, thinking budget, stop sequences.
	RequestSettings
	// WorkspaceDir is the host directory mounted at /workspace. It must be
	// an existing directory. Empty: the workspace's files/ directory.
	WorkspaceDir string
	// MaxTurns caps model turns. Default: workspace config, then
	// DefaultMaxTurns.
	MaxTurns int
	// Timeout caps the whole run's wall-clock time, MaxTokens its model
	// tokens and MaxJailCPU its jails' CPU time, subagents included; each
	// tightens the workspace's budget (see Budgets, which gives the
	// defaults), never loosens it.
	Timeout    time.Duration
	MaxTokens  int64
	MaxJailCPU time.Duration
	// Jail tightens the workspace's jail limits for this run (each set
	// field must not exceed the workspace's; see JailLimits).
	Jail JailLimits
	// Tools are custom tools served by the host, in Go.
	Tools []Tool
	// OnEvent, if set, receives progress events synchronously, in order.
	OnEvent func(Event)

	// sub is set for the run of a subagent: what it inherits.
	sub *subagentRun
}

// Tool is a custom tool served by the host process, as trusted code: the
// model sees its name, description and JSON Schema parameters; Run
// receives the run's context, the call's identity and the model's
// arguments (a JSON object) and returns the text the model sees. An error
// is shown to the model as an error result; it does not fail the run.
// NewTool builds one from a typed Go function. Tools are registered per
// run (RunRequest.Tools), per workspace (Workspace.RegisterTool) or per
// platform (Platform.RegisterTool).
//
// # Notes
//
//   - Run's context ends with the run or after Timeout (default
//     DefaultCustomToolTimeout); the call then ends with an error result
//     saying so. A Run that ignores its context keeps its goroutine until
//     it returns: tools are trusted code, not isolated.
//   - A tool's result is cut at DefaultToolResultBytes like any other.
type Tool struct {
	Name        string
	Description string
	Parameters  json.RawMessage
	Run         func(ctx context.Context, tc ToolContext, input json.RawMessage) (string, error)
	// Timeout bounds one call. Zero: DefaultCustomToolTimeout.
	Timeout time.Duration
}

// DefaultCustomToolTimeout is the default Tool.Timeout.
const DefaultCustomToolTimeout = 2 * time.Minute

// ToolContext identifies one call of a custom tool.
type ToolContext struct {
	WorkspaceID string
	SessionID   string
	RunID       string
	// CallID is the model's id of the tool call (toolu_…, call_…).
	CallID string
}

// Defaults of RunRequest.
const (
	DefaultProvider     = "anthropic"
	DefaultMaxTurns     = 50
	DefaultRunTimeout   = 30 * time.Minute
	DefaultSystemPrompt = "You are a careful software agent working in the directory /workspace. " +
		"Use the tools to inspect and change files and to run commands; paths are relative to /workspace. " +
		"When the task is done, answer with a short summary of what you did."
)

// ToolCall is one tool call made during a run, as reported in RunResult
// and in tool events. Output, IsError and DurationMs are set once the call
// has ended.
type ToolCall struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Input   json.RawMessage `json:"input"`
	Output  string          `json:"output,omitempty"`
	IsError bool            `json:"is_error,omitempty"`
	// DurationMs is the call's wall-clock time in milliseconds.
	DurationMs int64 `json:"duration_ms,omitempty"`

	started time.Time
}

// RunResult is the outcome of a run, with its usage: what a ledger row
// (Workspace.Usage) records.
type RunResult struct {
	// RunID names the run in hook payloads, events, logs and the ledger.
	RunID string `json:"run_id"`
	// Response is the model's final answer.
	Response string `json:"response"`
	// SessionID names the session the run appended to.
	SessionID string `json:"session_id"`
	// Usage sums the tokens of the run's model calls, as the provider
	// reported them, compaction summaries included; ModelCalls counts the
	// calls. SubagentUsage sums the
	// tokens of the subagents it started (theirs and their own
	// subagents'), each of which is a run of its own.
	Usage         chat.Usage `json:"usage"`
	ModelCalls    int        `json:"model_calls"`
	SubagentUsage chat.Usage `json:"subagent_usage"`
	// CostUSD is the cost of the run's own model calls, in US dollars,
	// at the platform's prices (Options.Prices over
	// providers.DefaultPrices) for the provider and model that answered
	// each; SubagentCostUSD is its subagents', as SubagentUsage.
	// UnpricedCalls counts the calls, the subagents' included, whose
	// model has no price: the costs leave them out.
	CostUSD         float64 `json:"cost_usd"`
	SubagentCostUSD float64 `json:"subagent_cost_usd"`
	UnpricedCalls   int     `json:"unpriced_calls,omitempty"`
	// Compactions counts the times the run compacted its session to keep
	// it inside the model's context window (see WorkspaceConfig.ContextWindow).
	Compactions int `json:"compactions,omitempty"`
	// ToolCalls lists the tool calls in the order they ran.
	ToolCalls []ToolCall `json:"tool_calls"`
	// Turns counts model turns; Reason says why the loop ended.
	Turns  int                   `json:"turns"`
	Reason hostcall.FinishReason `json:"reason"`
	// Network sums the connections of the run's jails through the egress
	// proxy.
	Network NetworkUsage `json:"network"`
	// Jail sums the run's jails.
	Jail JailUsage `json:"jail"`
	// WriteBytes are the bytes the run wrote into its workspace: the
	// content of its write and edit calls and what its jails wrote to
	// storage (JailUsage.WriteBytes).
	WriteBytes int64 `json:"write_bytes"`
	// DurationMs is the run's wall-clock time from admission to its end,
	// in milliseconds.
	DurationMs int64 `json:"duration_ms"`
}

// NetworkUsage is a run's use of the network.
type NetworkUsage struct {
	Connections int   `json:"connections"`
	Refused     int   `json:"refused,omitempty"`
	BytesUp     int64 `json:"bytes_up"`
	BytesDown   int64 `json:"bytes_down"`
}
