package main

import (
	"errors"
	"fmt"
	"github.com/bulkhead-dev/bulkhead/nsjail"
	"os"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
)

// envJailCgroup selects the cgroup mode of every jail of the platform
// (auto, v2, v1, none); see nsjail.CgroupMode and bulkhead sandbox check.
const envJailCgroup = "BULKHEAD_JAIL_CGROUP"

// globals holds the flags every subcommand shares.
type globals struct {
	stateDir string
	verbose  bool
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "bulkhead",
		Short:         "Run AI agents in isolated per-tenant workspaces",
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("bulkhead {{.Version}}\n")
	root.PersistentFlags().StringVar(&g.stateDir, "state-dir", "", "state directory (default $BULKHEAD_STATE_DIR, else $XDG_STATE_HOME/bulkhead)")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log what a run does to stderr: its start and end, each model call with its latency, retries, tool timings (also BULKHEAD_LOG_LEVEL=debug|info|warn|error)")
	root.AddCommand(newRunCmd(g), newWorkspaceCmd(g), newSessionCmd(g), newMemoryCmd(g), newCredCmd(g), newSkillCmd(g), newSandboxCmd(g))
	root.InitDefaultCompletionCmd()
	root.SetFlagErrorFunc(rootFlagError)
	requireSubcommand(root)
	markUsageErrors(root)
	return root
}

// execute runs the command line args with root and returns the exit
// status, having printed the error, if any, as one line on stderr.
func execute(root *cobra.Command, args []string) int {
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		stderr.Printf("%v", err)
	}
	return exitCode(err)
}

// markUsageErrors makes every command under c, c included, report a bad
// flag, a bad number of arguments and a missing or unknown subcommand as a
// usage error (exit status 2), and makes the commands that only group
// others require one.
func markUsageErrors(c *cobra.Command) {
	flagErr := c.FlagErrorFunc()
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usage(flagErr(c, err)) })
	if args := c.Args; args != nil {
		c.Args = func(c *cobra.Command, a []string) error { return usage(args(c, a)) }
	}
	for _, sub := range c.Commands() {
		if sub.HasSubCommands() {
			requireSubcommand(sub)
		}
		markUsageErrors(sub)
	}
}

// requireSubcommand makes a command that only groups others fail on a
// missing or mistyped subcommand instead of printing help and exiting 0,
// which a script would take for success.
func requireSubcommand(c *cobra.Command) {
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		var names []string
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		if len(args) == 0 {
			return usage(fmt.Errorf("%s needs a subcommand: %s (see %s --help)", cmd.CommandPath(), strings.Join(names, ", "), cmd.CommandPath()))
		}
		return usage(fmt.Errorf("unknown command %q for %s; choose one of: %s", args[0], cmd.CommandPath(), strings.Join(names, ", ")))
	}
}

// resolveStateDir returns --state-dir or the default state directory.
func (g *globals) resolveStateDir() (string, error) {
	if g.stateDir != "" {
		return g.stateDir, nil
	}
	return runtime.DefaultStateDir()
}

// logger returns the CLI's logger, writing to the console (see console):
// warnings and errors by default, from info on with --verbose, or from the
// level in BULKHEAD_LOG_LEVEL. Lines are "bulkhead: LEVEL: message
// key=value…", with the time (15:04:05.000) before the level when info or
// debug lines are shown.
func (g *globals) logger() (zerolog.Logger, error) {
	level := zerolog.WarnLevel
	if s := os.Getenv("BULKHEAD_LOG_LEVEL"); s != "" {
		l, err := zerolog.ParseLevel(strings.ToLower(s))
		if err != nil {
			return zerolog.Nop(), usage(fmt.Errorf("BULKHEAD_LOG_LEVEL: unknown level %q", s))
		}
		level = l
	}
	if g.verbose && level > zerolog.InfoLevel {
		level = zerolog.InfoLevel
	}
	zerolog.TimeFieldFormat = time.RFC3339Nano
	w := zerolog.ConsoleWriter{
		Out: stderr, NoColor: true, TimeFormat: "15:04:05.000",
		PartsOrder:  []string{zerolog.TimestampFieldName, zerolog.LevelFieldName, zerolog.MessageFieldName},
		FormatLevel: formatLevel,
	}
	if level > zerolog.InfoLevel {
		w.PartsExclude = []string{zerolog.TimestampFieldName}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}

// formatLevel writes a log line's level as the console's level word.
func formatLevel(v any) string {
	switch s, _ := v.(string); s {
	case "warn":
		return "warning:"
	case "fatal", "panic":
		return "error:"
	case "":
		return "info:"
	default:
		return s + ":"
	}
}

// withPlatform opens the platform, calls fn with it and closes it.
func (g *globals) withPlatform(fn func(*runtime.Platform) error) error {
	p, err := g.platform()
	if err != nil {
		return err
	}
	defer p.Close()
	return fn(p)
}

// platform opens the platform at the resolved state directory.
func (g *globals) platform() (*runtime.Platform, error) {
	dir, err := g.resolveStateDir()
	if err != nil {
		return nil, err
	}
	log, err := g.logger()
	if err != nil {
		return nil, err
	}
	cgroup := os.Getenv(envJailCgroup)
	if cgroup != "" && checkCgroupFlag(cgroup) != nil {
		return nil, usage(fmt.Errorf("%s=%q is not auto, v2, v1 or none", envJailCgroup, cgroup))
	}
	if cgroup == string(nsjail.CgroupNone) {
		stderr.Warnf("%s=none: the jails have no memory, pids or CPU limit", envJailCgroup)
	}
	return runtime.NewPlatform(runtime.Options{StateDir: dir, Logger: &log, CredentialPassphrase: []byte(os.Getenv(envCredentialKey)), JailCgroup: nsjail.CgroupMode(cgroup)})
}

// openWorkspace opens workspace id of p. With createDefault, the default
// workspace is created on first use, as `bulkhead run` does; any other
// missing workspace is an error that says how to create it.
func openWorkspace(p *runtime.Platform, id string, createDefault bool) (*runtime.Workspace, error) {
	ws, err := p.Workspace(id)
	if errors.Is(err, runtime.ErrWorkspaceNotFound) && createDefault && id == runtime.DefaultWorkspaceID {
		ws, err = p.OpenOrCreateWorkspace(id, runtime.WorkspaceConfig{})
	}
	if errors.Is(err, runtime.ErrWorkspaceNotFound) {
		hint := ""
		if id == runtime.DefaultWorkspaceID {
			hint = " or run the agent once"
		}
		return nil, fmt.Errorf("workspace %q does not exist; create it with \"bulkhead workspace create %s\"%s", id, id, hint)
	}
	return ws, err
}
