package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/spf13/cobra"
)

func newWorkspaceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "workspace", Short: "Create, list, show and delete workspaces (tenants)"}
	var cfg runtime.WorkspaceConfig
	create := &cobra.Command{
		Use:   "create ID",
		Short: "Create a workspace",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return g.withPlatform(func(p *runtime.Platform) error {
				ws, err := p.CreateWorkspace(args[0], cfg)
				if err != nil {
					return err
				}
				fmt.Println(ws.Dir())
				return nil
			})
		},
	}
	create.Flags().StringVar(&cfg.Provider, "provider", "", "default provider of the workspace's runs")
	create.Flags().StringVar(&cfg.Model, "model", "", "default model")
	create.Flags().StringVar(&cfg.SystemPrompt, "system-prompt", "", "default system prompt")
	create.Flags().IntVar(&cfg.MaxTurns, "max-turns", 0, "default maximum model turns")
	create.Flags().StringVar(&cfg.EmbeddingProvider, "embedding-provider", "", "embedding provider for the workspace's memory (openai, gemini, voyage, mistral, ollama; key from its usual variable); default keyword-only")
	create.Flags().StringVar(&cfg.EmbeddingModel, "embedding-model", "", "embedding model (default: the provider's)")

	list := &cobra.Command{
		Use:   "list",
		Short: "List workspaces",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return g.withPlatform(func(p *runtime.Platform) error {
				names, err := p.Workspaces()
				for _, n := range names {
					fmt.Println(n)
				}
				return err
			})
		},
	}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a workspace's directory, configuration and sessions",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return g.withPlatform(func(p *runtime.Platform) error {
				ws, err := p.Workspace(args[0])
				if err != nil {
					return err
				}
				infos, err := ws.Sessions().List()
				if err != nil {
					return err
				}
				cfgJSON, _ := json.Marshal(ws.Config())
				tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "id\t%s\n", ws.ID())
				fmt.Fprintf(tw, "directory\t%s\n", ws.Dir())
				fmt.Fprintf(tw, "files\t%s\n", ws.FilesDir())
				fmt.Fprintf(tw, "config\t%s\n", cfgJSON)
				fmt.Fprintf(tw, "sessions\t%d\n", len(infos))
				return tw.Flush()
			})
		},
	}
	del := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a workspace and everything in it",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return g.withPlatform(func(p *runtime.Platform) error { return p.DeleteWorkspace(args[0]) })
		},
	}
	cmd.AddCommand(create, list, show, del)
	return cmd
}
