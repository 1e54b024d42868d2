package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/internal/count"
	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// runFlags are the flags of `bulkhead run`.
type runFlags struct {
	message, model, baseURL string
	apiKeys, fallbacks      []string
	provider                choiceFlag
	session, workspaceID    idFlag
	workspace, systemPrompt string
	maxTurns                int
	timeout, maxJailCPU     time.Duration
	maxTokens               int64
	resume                  bool
	format                  choiceFlag
	json, noStream          bool
	record, replay          string
	// The request settings; temperature counts only when given.
	maxOutputTokens, thinkingBudget int
	temperature                     float64
	stops                           []string
}

// maxPromptBytes bounds a prompt read from standard input: 1 MiB, more
// text than any model's context holds.
const maxPromptBytes = 1 << 20

func newRunCmd(g *globals) *cobra.Command {
	f := &runFlags{
		session:     idFlag{kind: "session"},
		workspaceID: idFlag{"workspace", runtime.DefaultWorkspaceID},
		format:      choiceFlag{formatText, outputFormats},
		provider:    choiceFlag{choices: providers.Names()},
	}
	cmd := &cobra.Command{
		Use:   "run [PROMPT...] [flags]",
		Short: "Run the agent on a prompt",
		Long: "Run the agent on a prompt: the arguments, joined by spaces, or -m TEXT, or standard input\n" +
			"(with - as the prompt, or when no prompt is given and standard input is not a terminal).\n" +
			"The agent loop and file tools run in a WebAssembly guest that sees only the workspace directory\n" +
			"(at /workspace); bash runs in a Linux jail.\n\n" +
			"With --output-format text (the default) the answer goes to stdout and, when the run made a new\n" +
			"session, \"bulkhead: session: ID\" to stderr; while stderr is a terminal it also shows the\n" +
			"model's text as it streams and each tool call, the running one with its time. json prints one\n" +
			"result object; stream-json prints an init object, every event of the run and the result\n" +
			"object, one JSON object a line (see README.md).\n\n" +
			"Exit status: 0 when the run finished, 3 when a limit stopped it (--max-turns, a budget:\n" +
			"--timeout, --max-tokens, --max-jail-cpu or the workspace's; a tool's time budget, the guest's\n" +
			"memory), 130 when interrupted (143 for SIGTERM), 2 for usage errors, 1 for any other error.",
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAgent(cmd, g, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.message, "message", "m", "", "the prompt (- reads standard input)")
	fl.BoolVarP(&f.resume, "continue", "c", false, "continue the workspace's most recent session")
	fl.Var(&f.session, "session", "session id to continue or create (default: a new id)")
	fl.Var(&f.provider, "provider", "LLM provider: "+strings.Join(providers.Names(), ", ")+" (default: the workspace's, else anthropic)")
	fl.StringVar(&f.model, "model", "", "model name (default: the workspace's, else the provider's default)")
	fl.StringArrayVar(&f.apiKeys, "api-key", nil, "provider API key; repeat it for a pool tried in order (default: the provider's variables, e.g. ANTHROPIC_API_KEYS=k1,k2, then ANTHROPIC_API_KEY)")
	fl.StringVar(&f.baseURL, "base-url", "", "provider base URL (default: ANTHROPIC_BASE_URL / OPENAI_BASE_URL, else the provider's)")
	fl.StringArrayVar(&f.fallbacks, "fallback", nil, "PROVIDER/MODEL the run continues on when the model fails (e.g. openai/gpt-4.1), its key from the provider's variables; repeatable, tried in order; replaces the workspace's")
	fl.IntVar(&f.maxOutputTokens, "max-output-tokens", 0, "output cap of each model call, in tokens (default: the workspace's, else 8192)")
	fl.Float64Var(&f.temperature, "temperature", 0, "sampling temperature, 0 to 2 (default: the workspace's, else the provider's)")
	fl.IntVar(&f.thinkingBudget, "thinking-budget", 0, fmt.Sprintf("Anthropic extended thinking with this many tokens, at least %d (default: the workspace's, else off)", runtime.MinThinkingBudget))
	fl.StringArrayVar(&f.stops, "stop", nil, fmt.Sprintf("a stop sequence: the model's output ends where it writes it; repeatable, at most %d (default: the workspace's)", runtime.MaxStopSequences))
	fl.StringVar(&f.workspace, "workspace", "", "directory mounted at /workspace (default: the workspace's files/)")
	fl.Var(&f.workspaceID, "workspace-id", "workspace (tenant) id")
	fl.StringVar(&f.systemPrompt, "system-prompt", "", "system prompt (default: the workspace's, else built in)")
	fl.IntVar(&f.maxTurns, "max-turns", 0, fmt.Sprintf("maximum model turns (default: the workspace's, else %d)", runtime.DefaultMaxTurns))
	fl.DurationVar(&f.timeout, "timeout", 0, "wall-clock budget of the run, subagents included (default: the workspace's, else "+runtime.DefaultRunTimeout.String()+")")
	fl.Int64Var(&f.maxTokens, "max-tokens", 0, fmt.Sprintf("token budget of the run: prompt plus output tokens of every model call (default: the workspace's, else %d)", runtime.DefaultMaxTokens))
	fl.DurationVar(&f.maxJailCPU, "max-jail-cpu", 0, "CPU time budget of the run's jails (default: the workspace's, else "+runtime.DefaultMaxJailCPU.String()+")")
	fl.Var(&f.format, "output-format", "text, json or stream-json")
	fl.BoolVar(&f.json, "json", false, "same as --output-format stream-json")
	fl.BoolVar(&f.noStream, "no-stream", false, "ask the provider for whole responses instead of streams")
	fl.StringVar(&f.record, "record", "", "save the model side of the run (requests and responses) to this cassette file")
	fl.StringVar(&f.replay, "replay", "", "play the model side back from this cassette file: no network, no key")
	cmd.MarkFlagDirname("workspace")
	cmd.MarkFlagFilename("record", "json")
	cmd.MarkFlagFilename("replay", "json")
	cmd.RegisterFlagCompletionFunc("output-format", cobra.FixedCompletions(outputFormats, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("provider", cobra.FixedCompletions(providers.Names(), cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("workspace-id", completeWorkspaceIDs(g))
	cmd.RegisterFlagCompletionFunc("session", completeSessionIDs(g, &f.workspaceID))
	return cmd
}

// check refuses contradictory or invalid flags, as usage errors, and
// folds --json into the output format.
func (f *runFlags) check(cmd *cobra.Command) error {
	fl := cmd.Flags()
	switch {
	case f.json && fl.Changed("output-format") && f.format.value != formatStreamJSON:
		return usage(fmt.Errorf("--json is --output-format stream-json: it excludes --output-format %s", f.format.value))
	case f.record != "" && f.replay != "":
		return usage(errors.New("--record and --replay exclude each other"))
	case f.resume && fl.Changed("session"):
		return usage(errors.New("--continue and --session exclude each other"))
	case f.maxTurns < 0:
		return usage(fmt.Errorf("invalid --max-turns %d: want 0 (the default) or more", f.maxTurns))
	case f.timeout < 0:
		return usage(fmt.Errorf("invalid --timeout %s: want 0 (the default) or more", f.timeout))
	case f.maxTokens < 0:
		return usage(fmt.Errorf("invalid --max-tokens %d: want 0 (the default) or more", f.maxTokens))
	case f.maxJailCPU < 0:
		return usage(fmt.Errorf("invalid --max-jail-cpu %s: want 0 (the default) or more", f.maxJailCPU))
	case f.maxOutputTokens < 0:
		return usage(fmt.Errorf("invalid --max-output-tokens %d: want 0 (the default) or more", f.maxOutputTokens))
	case f.thinkingBudget < 0:
		return usage(fmt.Errorf("invalid --thinking-budget %d: want 0 (the default) or more", f.thinkingBudget))
	}
	for _, fb := range f.fallbacks {
		if _, _, err := providers.ParseRoute(fb); err != nil {
			return usage(fmt.Errorf("invalid --fallback: %w", err))
		}
	}
	if f.json {
		f.format.value = formatStreamJSON
	}
	return nil
}

// prompt returns the run's prompt: the arguments joined by spaces, the
// value of -m, or standard input, read when "-" is the argument or -m's
// value, or when no prompt is given and stdin is not a terminal.
func (f *runFlags) prompt(cmd *cobra.Command, args []string, stdin *os.File) (string, error) {
	fromStdin := false
	text := ""
	switch {
	case len(args) > 0 && cmd.Flags().Changed("message"):
		return "", usage(errors.New("the prompt is given twice: as arguments and with -m"))
	case cmd.Flags().Changed("message"):
		text, fromStdin = f.message, f.message == "-"
	case len(args) == 1 && args[0] == "-":
		fromStdin = true
	case len(args) > 0:
		text = strings.Join(args, " ")
	case !term.IsTerminal(int(stdin.Fd())):
		fromStdin = true
	default:
		return "", usage(errors.New("no prompt: give it as an argument, with -m, or on standard input"))
	}
	if fromStdin {
		var err error
		if text, err = readInput(stdin, maxPromptBytes, "a prompt"); err != nil {
			return "", err
		}
		if strings.TrimSpace(text) == "" {
			return "", usage(errors.New("empty prompt on standard input"))
		}
	}
	if strings.TrimSpace(text) == "" {
		return "", usage(errors.New("empty prompt"))
	}
	return text, nil
}

// interrupted is the cause of a run's context when a signal ends it.
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string {
	return "interrupted by " + unix.SignalName(i.sig.(syscall.Signal))
}

func runAgent(cmd *cobra.Command, g *globals, f *runFlags, args []string) error {
	if err := f.check(cmd); err != nil {
		return err
	}
	message, err := f.prompt(cmd, args, os.Stdin)
	if err != nil {
		return err
	}
	ctx, stopSignals := notifyInterrupt(cmd.Context())
	defer stopSignals()
	p, err := g.platform()
	if err != nil {
		return err
	}
	defer p.Close()
	ws, err := openWorkspace(p, f.workspaceID.value, true)
	if err != nil {
		return err
	}
	sessionID, newSession := f.session.value, !cmd.Flags().Changed("session")
	if f.resume {
		if sessionID, err = latestSession(ws); err != nil {
			return err
		}
	} else if sessionID == "" {
		sessionID = runtime.NewSessionID()
	}
	req := runtime.RunRequest{
		Message: message, SessionID: sessionID, SystemPrompt: f.systemPrompt,
		Provider: f.provider.value, Model: f.model, APIKeys: f.apiKeys, BaseURL: f.baseURL, Fallbacks: f.fallbacks,
		WorkspaceDir: f.workspace, MaxTurns: f.maxTurns, NoStream: f.noStream,
		Timeout: f.timeout, MaxTokens: f.maxTokens, MaxJailCPU: f.maxJailCPU,
		RequestSettings: runtime.RequestSettings{MaxOutputTokens: f.maxOutputTokens, ThinkingBudget: f.thinkingBudget, StopSequences: f.stops},
	}
	if cmd.Flags().Changed("temperature") {
		req.Temperature = &f.temperature
	}
	if req.LLM, err = cassetteLLM(ws, f, req); err != nil {
		return err
	}
	log, err := g.logger()
	if err != nil {
		return err
	}
	info := runInfo{
		start: time.Now(), workspaceID: ws.ID(), sessionID: sessionID,
		provider: ws.ProviderName(f.provider.value), workspaceDir: ws.FilesDir(),
	}
	if f.workspace != "" {
		info.workspaceDir, _ = filepath.Abs(f.workspace)
	}
	tally := newRunTally(info)
	view := newRunView(f.format.value, tally, os.Stdout)
	trace := newRunTrace(log)
	req.OnEvent = func(ev runtime.Event) {
		tally.observe(ev)
		trace.event(ev)
		view.event(ev)
	}
	res, err := ws.Run(ctx, req)
	err = runOutcome(ctx, res, err, sessionID)
	view.finish(res, err, newSession)
	return err
}

// runOutcome turns what ws.Run returned into the command's error: a
// statusError for a run stopped by a signal, its --timeout or --max-turns.
func runOutcome(ctx context.Context, res *runtime.RunResult, err error, sessionID string) error {
	var sig interrupted
	switch cause := context.Cause(ctx); {
	case err == nil && res.Reason == hostcall.FinishMaxTurns:
		return &statusError{exitLimit, fmt.Errorf("stopped after %s (the --max-turns limit); the work may be unfinished: continue with --session %s", count.Noun(res.Turns, "turn", "turns"), sessionID)}
	case err == nil && res.Reason == runtime.ReasonTokenBudget:
		return &statusError{exitLimit, fmt.Errorf("stopped by the run's token budget (--max-tokens or the workspace's); continue with --session %s", sessionID)}
	case err == nil && res.Reason == runtime.ReasonJailCPUBudget:
		return &statusError{exitLimit, fmt.Errorf("stopped by the run's jail CPU budget (--max-jail-cpu or the workspace's); continue with --session %s", sessionID)}
	case err == nil:
		return nil
	case errors.As(cause, &sig):
		return &statusError{exitSignalBase + int(sig.sig.(syscall.Signal)), fmt.Errorf("%v; continue with --session %s", sig, sessionID)}
	case errors.Is(err, runtime.ErrMaxRunTime):
		return &statusError{exitLimit, fmt.Errorf("%v (--timeout or the workspace's); continue with --session %s", err, sessionID)}
	}
	return err
}

// notifyInterrupt returns ctx cancelled, with an interrupted cause, by the
// first SIGINT or SIGTERM; a second one gets the signal's default action,
// ending the process at once.
func notifyInterrupt(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	sigs := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-sigs:
			signal.Stop(sigs)
			cancel(interrupted{s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// latestSession returns the id of ws's most recently updated session.
func latestSession(ws *runtime.Workspace) (string, error) {
	infos, err := ws.Sessions().List()
	if err != nil {
		return "", err
	}
	if len(infos) == 0 {
		return "", fmt.Errorf("no session to continue in workspace %q", ws.ID())
	}
	return infos[0].ID, nil
}

// cassetteLLM returns the provider for --replay or --record (the run's
// provider chain, recorded), or nil to let the run build its own.
func cassetteLLM(ws *runtime.Workspace, f *runFlags, req runtime.RunRequest) (providers.Provider, error) {
	switch {
	case f.replay != "":
		return providers.Replay(f.replay)
	case f.record != "":
		live, err := ws.LLM(req)
		if err != nil {
			return nil, err
		}
		return providers.Record(live, f.record), nil
	}
	return nil, nil
}
