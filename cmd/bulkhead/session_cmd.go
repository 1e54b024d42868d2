package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/bulkhead-dev/bulkhead/sessions"
	"github.com/spf13/cobra"
)

func newSessionCmd(g *globals) *cobra.Command {
	workspaceID := idFlag{"workspace", runtime.DefaultWorkspaceID}
	var asJSON bool
	cmd := &cobra.Command{Use: "session", Short: "List, show, export and delete a workspace's sessions"}
	cmd.PersistentFlags().Var(&workspaceID, "workspace-id", "workspace (tenant) id")
	cmd.RegisterFlagCompletionFunc("workspace-id", completeWorkspaceIDs(g))

	// withWorkspace calls fn with the workspace, which must exist.
	withWorkspace := func(fn func(*runtime.Workspace) error) error {
		return g.withPlatform(func(p *runtime.Platform) error {
			ws, err := openWorkspace(p, workspaceID.value, false)
			if err != nil {
				return err
			}
			return fn(ws)
		})
	}
	completeSession := firstArg(completeSessionIDs(g, &workspaceID))
	list := &cobra.Command{
		Use:   "list",
		Short: "List sessions, most recent first",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return withWorkspace(func(ws *runtime.Workspace) error {
				infos, err := ws.Sessions().List()
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(infos)
				}
				tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SESSION\tMODEL\tMESSAGES\tUPDATED")
				for _, in := range infos {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", in.ID, in.Model, in.Messages, in.Updated.Local().Format(time.DateTime))
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of sessions (id, model, created, updated, messages)")
	show := &cobra.Command{
		Use:               "show ID",
		Short:             "Print a session's transcript",
		Args:              idArgs("session", 1),
		ValidArgsFunction: completeSession,
		RunE: func(_ *cobra.Command, args []string) error {
			return withWorkspace(func(ws *runtime.Workspace) error {
				if _, err := ws.Sessions().Get(args[0]); err != nil {
					return err
				}
				msgs, _, err := ws.Sessions().Load(args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(msgs)
				}
				out := display(os.Stdout)
				for _, m := range msgs {
					printMessage(out, m)
				}
				return nil
			})
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print the messages as a JSON array")
	del := &cobra.Command{
		Use:               "delete ID",
		Short:             "Delete a session's transcript (memories indexed from it stay: see memory list --source session:ID)",
		Args:              idArgs("session", 1),
		ValidArgsFunction: completeSession,
		RunE: func(_ *cobra.Command, args []string) error {
			return withWorkspace(func(ws *runtime.Workspace) error {
				err := ws.Sessions().Delete(args[0])
				if errors.Is(err, sessions.ErrLocked) {
					return fmt.Errorf("session %q is in use by a run; try again when it has finished", args[0])
				}
				return err
			})
		},
	}
	cmd.AddCommand(list, show, del, newSessionExportCmd(withWorkspace, completeSession))
	return cmd
}

// printJSON prints the list v as JSON on stdout, [] when v is nil. On a
// terminal, the C1 controls that JSON leaves as they are become \u escapes
// (display), so that the JSON stays valid and safe to show.
func printJSON[T any](v []T) error {
	if v == nil {
		v = []T{}
	}
	return json.NewEncoder(display(os.Stdout)).Encode(v)
}

// printMessage prints one transcript message for people to w.
func printMessage(w io.Writer, m chat.Message) {
	for _, b := range m.Content {
		switch b.Type {
		case chat.BlockText:
			fmt.Fprintf(w, "[%s] %s\n", m.Role, b.Text)
		case chat.BlockToolUse:
			fmt.Fprintf(w, "[%s] → %s\n", m.Role, strings.TrimSpace(b.Name+" "+toolSummary(b.Input)))
		case chat.BlockToolResult:
			status := "result"
			if b.IsError {
				status = "error"
			}
			text := strings.TrimSpace(b.Text)
			if len(text) > 500 {
				text = text[:500] + " …"
			}
			fmt.Fprintf(w, "[tool %s] %s\n", status, text)
		}
	}
}
