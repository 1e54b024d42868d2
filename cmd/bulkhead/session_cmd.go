package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/spf13/cobra"
)

func newSessionCmd(g *globals) *cobra.Command {
	var workspaceID string
	var asJSON bool
	cmd := &cobra.Command{Use: "session", Short: "List and show a workspace's sessions"}
	cmd.PersistentFlags().StringVar(&workspaceID, "workspace-id", runtime.DefaultWorkspaceID, "workspace (tenant) id")
	cmd.PersistentFlags().BoolVar(&asJSON, "json", false, "print JSON")

	openWS := func() (*runtime.Platform, *runtime.Workspace, error) {
		p, err := g.platform()
		if err != nil {
			return nil, nil, err
		}
		ws, err := openWorkspace(p, workspaceID, false)
		if err != nil {
			p.Close()
			return nil, nil, err
		}
		return p, ws, nil
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List sessions, most recent first",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			p, ws, err := openWS()
			if err != nil {
				return err
			}
			defer p.Close()
			infos, err := ws.Sessions().List()
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(os.Stdout).Encode(infos)
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SESSION\tMODEL\tMESSAGES\tUPDATED")
			for _, in := range infos {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", in.ID, in.Model, in.Messages, in.Updated.Local().Format(time.DateTime))
			}
			return tw.Flush()
		},
	}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Print a session's transcript",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			p, ws, err := openWS()
			if err != nil {
				return err
			}
			defer p.Close()
			if _, err := ws.Sessions().Get(args[0]); err != nil {
				return err
			}
			msgs, _, err := ws.Sessions().Load(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(os.Stdout).Encode(msgs)
			}
			out := display(os.Stdout)
			for _, m := range msgs {
				printMessage(out, m)
			}
			return nil
		},
	}
	cmd.AddCommand(list, show)
	return cmd
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
