package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/internal/count"
	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// runFlags are the flags of `bulkhead run`.
type runFlags struct {
	message, session, provider, model, apiKey, baseURL string
	workspace, workspaceID, systemPrompt               string
	maxTurns                                           int
	json, noStream                                     bool
	record, replay                                     string
}

func newRunCmd(g *globals) *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run -m MESSAGE [flags]",
		Short: "Run the agent on a message",
		Long: "Run the agent on a message. The agent loop and file tools run in a WebAssembly guest that sees\n" +
			"only the workspace directory (at /workspace); bash runs in a Linux jail. The final response\n" +
			"goes to stdout; progress goes to stderr when it is a terminal, or to stdout as JSON with --json.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAgent(cmd.Context(), g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.message, "message", "m", "", "the message for the agent (required)")
	fl.StringVar(&f.session, "session", "", "session id to continue or create (default: a new id)")
	fl.StringVar(&f.provider, "provider", "", "LLM provider: "+fmt.Sprint(providers.Names())+" (default anthropic)")
	fl.StringVar(&f.model, "model", "", "model name (default: the provider's default)")
	fl.StringVar(&f.apiKey, "api-key", "", "provider API key (default: the provider's usual variable, e.g. ANTHROPIC_API_KEY)")
	fl.StringVar(&f.baseURL, "base-url", "", "provider base URL (default: ANTHROPIC_BASE_URL / OPENAI_BASE_URL, else the provider's)")
	fl.StringVar(&f.workspace, "workspace", "", "directory mounted at /workspace (default: the workspace's files/)")
	fl.StringVar(&f.workspaceID, "workspace-id", runtime.DefaultWorkspaceID, "workspace (tenant) id")
	fl.StringVar(&f.systemPrompt, "system-prompt", "", "system prompt (default: the workspace's, else built in)")
	fl.IntVar(&f.maxTurns, "max-turns", 0, fmt.Sprintf("maximum model turns (default %d)", runtime.DefaultMaxTurns))
	fl.BoolVar(&f.noStream, "no-stream", false, "ask the provider for whole responses instead of streams")
	fl.BoolVar(&f.json, "json", false, "print one JSON event per line on stdout instead of the response")
	fl.StringVar(&f.record, "record", "", "save the model side of the run (requests and responses) to this cassette file")
	fl.StringVar(&f.replay, "replay", "", "play the model side back from this cassette file: no network, no key")
	return cmd
}

func runAgent(ctx context.Context, g *globals, f *runFlags) error {
	if f.message == "" {
		return errors.New("no message: pass -m \"...\"")
	}
	if f.record != "" && f.replay != "" {
		return errors.New("--record and --replay exclude each other")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	p, err := g.platform()
	if err != nil {
		return err
	}
	defer p.Close()
	ws, err := openWorkspace(p, f.workspaceID, true)
	if err != nil {
		return err
	}
	req := runtime.RunRequest{
		Message: f.message, SessionID: f.session, SystemPrompt: f.systemPrompt,
		Provider: f.provider, Model: f.model, APIKey: f.apiKey, BaseURL: f.baseURL,
		WorkspaceDir: f.workspace, MaxTurns: f.maxTurns, NoStream: f.noStream,
	}
	if req.LLM, err = cassetteLLM(p, ws, f); err != nil {
		return err
	}
	req.OnEvent = progress(f.json)
	res, err := ws.Run(ctx, req)
	if err != nil {
		return err
	}
	if !f.json {
		fmt.Fprintln(display(os.Stdout), res.Response)
	}
	if res.Reason == hostcall.FinishMaxTurns {
		fmt.Fprintf(os.Stderr, "bulkhead: stopped after %s (the --max-turns limit); the work may be unfinished: continue with --session %s\n", count.Noun(res.Turns, "turn", "turns"), res.SessionID)
	}
	return nil
}

// cassetteLLM returns the provider for --replay or --record, or nil to let
// the run build its own.
func cassetteLLM(p *runtime.Platform, ws *runtime.Workspace, f *runFlags) (providers.Provider, error) {
	switch {
	case f.replay != "":
		return providers.Replay(f.replay)
	case f.record != "":
		live, err := p.Provider(ws.ProviderName(f.provider), f.apiKey, f.baseURL, f.noStream)
		if err != nil {
			return nil, err
		}
		return providers.Record(live, f.record), nil
	}
	return nil, nil
}

// progress returns the event callback: JSON lines on stdout with --json,
// one line per tool call on stderr when it is a terminal, else nothing.
func progress(asJSON bool) func(runtime.Event) {
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		return func(ev runtime.Event) { enc.Encode(ev) }
	}
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return nil
	}
	stderr := display(os.Stderr)
	return func(ev runtime.Event) {
		if ev.Type == runtime.EventToolEnd {
			status := "ok"
			if ev.Tool.IsError {
				status = "error"
			}
			fmt.Fprintf(stderr, "• %s %s → %s\n", ev.Tool.Name, summarize(ev.Tool.Input), status)
		}
	}
}

// summarize shortens a tool's JSON input to one line of at most 80 runes.
func summarize(input json.RawMessage) string {
	s := []rune(string(input))
	for i, r := range s {
		if r == '\n' || r == '\t' {
			s[i] = ' '
		}
	}
	if len(s) > 80 {
		return string(s[:77]) + "..."
	}
	return string(s)
}
