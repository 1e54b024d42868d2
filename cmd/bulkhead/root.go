package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
)

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
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.stateDir, "state-dir", "", "state directory (default $BULKHEAD_STATE_DIR, else $XDG_STATE_HOME/bulkhead)")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log diagnostics to stderr (also BULKHEAD_LOG_LEVEL=debug|info|warn|error)")
	root.AddCommand(newRunCmd(g), newWorkspaceCmd(g), newSessionCmd(g), newMemoryCmd(g), newCredCmd(g), newSkillCmd(g), newSandboxCmd(g))
	for _, c := range root.Commands() {
		if c.HasSubCommands() {
			requireSubcommand(c)
		}
	}
	return root
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
			return fmt.Errorf("%s needs a subcommand: %s", cmd.CommandPath(), strings.Join(names, ", "))
		}
		return fmt.Errorf("unknown command %q for %s; choose one of: %s", args[0], cmd.CommandPath(), strings.Join(names, ", "))
	}
}

// resolveStateDir returns --state-dir or the default state directory.
func (g *globals) resolveStateDir() (string, error) {
	if g.stateDir != "" {
		return g.stateDir, nil
	}
	return runtime.DefaultStateDir()
}

// logger returns the CLI's logger: warnings and errors on stderr by
// default, debug with --verbose, or the level in BULKHEAD_LOG_LEVEL.
func (g *globals) logger() (zerolog.Logger, error) {
	level := zerolog.WarnLevel
	if s := os.Getenv("BULKHEAD_LOG_LEVEL"); s != "" {
		l, err := zerolog.ParseLevel(strings.ToLower(s))
		if err != nil {
			return zerolog.Nop(), fmt.Errorf("BULKHEAD_LOG_LEVEL: unknown level %q", s)
		}
		level = l
	}
	if g.verbose {
		level = zerolog.DebugLevel
	}
	return zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr, NoColor: true}).Level(level).With().Timestamp().Logger(), nil
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
	return runtime.NewPlatform(runtime.Options{StateDir: dir, Logger: &log, CredentialPassphrase: []byte(os.Getenv(envCredentialKey))})
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
