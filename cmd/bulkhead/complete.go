package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/spf13/cobra"
)

// Shell completion (`bulkhead completion bash|zsh|fish|powershell`, see
// cobra) completes workspace and session ids from the state directory that
// --state-dir or the environment names. The functions below find them;
// they open the platform without a logger, so that nothing but the
// candidates reaches the shell, and offer none when that fails.

// completeWorkspaceIDs completes a workspace id.
func completeWorkspaceIDs(g *globals) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		p, err := g.quietPlatform()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
		}
		defer p.Close()
		names, _ := p.Workspaces()
		var out []cobra.Completion
		for _, n := range names {
			if strings.HasPrefix(n, prefix) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeSessionIDs completes a session id of the workspace *workspaceID,
// most recent first, each described by its model, size and last update.
func completeSessionIDs(g *globals, workspaceID *idFlag) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		p, err := g.quietPlatform()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
		}
		defer p.Close()
		ws, err := p.Workspace(workspaceID.value)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		infos, _ := ws.Sessions().List()
		var out []cobra.Completion
		for _, in := range infos {
			if strings.HasPrefix(in.ID, prefix) {
				desc := fmt.Sprintf("%d messages, %s", in.Messages, in.Updated.Local().Format(time.DateTime))
				if in.Model != "" {
					desc = in.Model + ", " + desc
				}
				out = append(out, cobra.CompletionWithDesc(in.ID, desc))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	}
}

// firstArg completes the first positional argument with fn and no other.
func firstArg(fn cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return fn(cmd, args, prefix)
	}
}

// quietPlatform opens the platform with no logger.
func (g *globals) quietPlatform() (*runtime.Platform, error) {
	dir, err := g.resolveStateDir()
	if err != nil {
		return nil, err
	}
	return runtime.NewPlatform(runtime.Options{StateDir: dir})
}
