package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/quota"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func newWorkspaceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "workspace", Short: "Create, update, list, show and delete workspaces (tenants)"}
	completeWorkspace := firstArg(completeWorkspaceIDs(g))
	var cfg runtime.WorkspaceConfig
	create := &cobra.Command{
		Use:   "create ID [flags]",
		Short: "Create a workspace and print its directory",
		Args:  idArgs("workspace", 1),
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
	bindConfigFlags(create.Flags(), &cfg)
	completeConfigFlags(create)

	var changes runtime.WorkspaceConfig // parsed here, applied to the stored config
	update := &cobra.Command{
		Use:               "update ID [flags]",
		Short:             "Change a workspace's configuration: the flags given, nothing else",
		Args:              idArgs("workspace", 1),
		ValidArgsFunction: completeWorkspace,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().NFlag() == 0 {
				return usage(errors.New("nothing to update: give the configuration flags to change (see bulkhead workspace update --help)"))
			}
			return g.withPlatform(func(p *runtime.Platform) error {
				ws, err := p.Workspace(args[0])
				if err != nil {
					return err
				}
				next, err := applyConfigFlags(cmd.Flags(), ws.Config())
				if err != nil {
					return usage(err)
				}
				return ws.SetConfig(next)
			})
		},
	}
	bindConfigFlags(update.Flags(), &changes)
	completeConfigFlags(update)

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List workspaces",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return g.withPlatform(func(p *runtime.Platform) error {
				names, err := p.Workspaces()
				if err != nil {
					return err
				}
				if !asJSON {
					for _, n := range names {
						fmt.Println(n)
					}
					return nil
				}
				var out []workspaceJSON
				for _, n := range names {
					ws, err := p.Workspace(n)
					if err != nil {
						return err
					}
					out = append(out, describeWorkspace(ws))
				}
				return printJSON(out)
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of workspaces (id, dir, files_dir, config)")
	show := &cobra.Command{
		Use:               "show ID",
		Short:             "Show a workspace's directory, configuration and sessions",
		Args:              idArgs("workspace", 1),
		ValidArgsFunction: completeWorkspace,
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
				d, n := describeWorkspace(ws), len(infos)
				d.Sessions, d.HomeDir = &n, ws.HomeDir()
				if u, ok, err := ws.DiskUsage(); err != nil {
					return err
				} else if ok {
					d.Disk = &u
				}
				if asJSON {
					return json.NewEncoder(display(os.Stdout)).Encode(d)
				}
				cfgJSON, _ := json.Marshal(d.Config)
				tw := tabwriter.NewWriter(display(os.Stdout), 0, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "id\t%s\n", d.ID)
				fmt.Fprintf(tw, "directory\t%s\n", d.Dir)
				fmt.Fprintf(tw, "files\t%s\n", d.FilesDir)
				fmt.Fprintf(tw, "home\t%s\n", d.HomeDir)
				fmt.Fprintf(tw, "config\t%s\n", cfgJSON)
				if d.Disk != nil {
					fmt.Fprintf(tw, "disk\t%s used of %s (%s free)\n", formatSize(d.Disk.Used), formatSize(d.Disk.Limit), formatSize(d.Disk.Free))
				}
				fmt.Fprintf(tw, "sessions\t%d\n", len(infos))
				return tw.Flush()
			})
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print a JSON object (id, dir, files_dir, home_dir, config, sessions, disk)")
	cmd.AddCommand(create, update, list, show, newWorkspaceDeleteCmd(g, completeWorkspace), newWorkspaceUsageCmd(g, completeWorkspace),
		newWorkspaceExportCmd(g, completeWorkspace), newWorkspaceImportCmd(g))
	return cmd
}

// workspaceJSON is a workspace as `workspace list|show --json` print it.
type workspaceJSON struct {
	ID       string                  `json:"id"`
	Dir      string                  `json:"dir"`
	FilesDir string                  `json:"files_dir"`
	Config   runtime.WorkspaceConfig `json:"config"`
	Sessions *int                    `json:"sessions,omitempty"` // show only
	HomeDir  string                  `json:"home_dir,omitempty"` // show only
	Disk     *quota.Usage            `json:"disk,omitempty"`     // show only, with a disk quota
}

func describeWorkspace(ws *runtime.Workspace) workspaceJSON {
	return workspaceJSON{ID: ws.ID(), Dir: ws.Dir(), FilesDir: ws.FilesDir(), Config: ws.Config()}
}

// bindConfigFlags defines on fs the flags of a workspace's configuration,
// bound to the fields of cfg: the one place that maps flags to
// runtime.WorkspaceConfig, shared by create and update.
//
// # Notes
//
//   - Each flag's Value must accept again what its String returns, or be a
//     pflag.SliceValue, since applyConfigFlags copies flags by value.
func bindConfigFlags(fs *pflag.FlagSet, cfg *runtime.WorkspaceConfig) {
	fs.StringVar(&cfg.Provider, "provider", "", "default provider of the workspace's runs: "+strings.Join(providers.Names(), ", "))
	fs.StringVar(&cfg.Model, "model", "", "default model")
	fs.StringVar(&cfg.SystemPrompt, "system-prompt", "", "default system prompt")
	fs.IntVar(&cfg.MaxTurns, "max-turns", 0, fmt.Sprintf("default maximum model turns (0: %d)", runtime.DefaultMaxTurns))
	fs.Var(listFlag{v: &cfg.Fallbacks, check: routeCheck}, "fallback", "PROVIDER/MODEL the runs continue on when the model fails (e.g. openai/gpt-4.1), its key from the provider's variables; repeatable, tried in order; none clears the list")
	fs.IntVar(&cfg.MaxOutputTokens, "max-output-tokens", 0, "output cap of each model call, in tokens (0: 8192)")
	fs.Var(temperatureFlag{&cfg.Temperature}, "temperature", "sampling temperature, 0 to 2; none: the provider's default")
	fs.IntVar(&cfg.ThinkingBudget, "thinking-budget", 0, fmt.Sprintf("Anthropic extended thinking with this many tokens, at least %d (0: off)", runtime.MinThinkingBudget))
	fs.Var(listFlag{v: &cfg.StopSequences}, "stop", fmt.Sprintf("a stop sequence: the model's output ends where it writes it; repeatable, at most %d; none clears the list", runtime.MaxStopSequences))
	fs.IntVar(&cfg.ContextWindow, "context-window", 0, fmt.Sprintf("context window of the workspace's model, in tokens, for the context guard that compacts long sessions (0: the model's, from a built-in table; at least %d)", runtime.MinContextWindow))
	fs.StringVar(&cfg.EmbeddingProvider, "embedding-provider", "", "embedding provider for the workspace's memory (openai, gemini, voyage, mistral, ollama; key from its usual variable); default keyword-only")
	fs.StringVar(&cfg.EmbeddingModel, "embedding-model", "", "embedding model (default: the provider's)")
	fs.DurationVar((*time.Duration)(&cfg.ToolTimeout), "tool-timeout", 0, "time budget of one built-in file tool call (0: "+runtime.DefaultToolTimeout.String()+")")
	fs.Var(sizeFlag{&cfg.Memory}, "memory", "memory limit of each jail, e.g. 2G (0: "+formatSize(nsjail.DefaultMemory)+")")
	fs.IntVar(&cfg.Pids, "pids", 0, fmt.Sprintf("limit on processes and threads of each jail (0: %d)", nsjail.DefaultPids))
	fs.Float64Var(&cfg.CPU, "cpu", 0, fmt.Sprintf("CPU limit of each jail in cores (0: %g)", nsjail.DefaultCPU))
	fs.DurationVar((*time.Duration)(&cfg.MaxBashTimeout), "max-bash-timeout", 0, "the longest timeout the model may ask bash for (0: "+runtime.MaxBashTimeout.String()+")")
	fs.Var(sizeFlag{&cfg.TmpSize}, "tmp-size", "size of each jail's private /tmp (0: "+formatSize(nsjail.DefaultTmpSize)+"; on disk, within the quota, with --disk-quota)")
	fs.Var(sizeFlag{&cfg.DiskQuota}, "disk-quota", "disk quota of the workspace's files, home and /tmp, e.g. 10G (needs root and loop devices; set at create, resizable)")
	fs.Var(hostsFlag{&cfg.AllowHosts}, "allow-host", "destination the agent's bash may reach through the egress proxy: host, *.domain, IP or CIDR, with an optional :port (default 443 and 80); repeatable; none clears the list")
	fs.Var(mountsFlag{&cfg.Mounts}, "mount", "host path SRC every jail sees at DST, read-only with :ro (SRC:DST[:ro]); repeatable")
	fs.Int64Var(&cfg.MaxTokens, "max-tokens", 0, fmt.Sprintf("token budget of each run, subagents included (0: %d)", runtime.DefaultMaxTokens))
	fs.DurationVar((*time.Duration)(&cfg.MaxRunTime), "max-run-time", 0, "wall-clock budget of each run (0: "+runtime.DefaultRunTimeout.String()+")")
	fs.DurationVar((*time.Duration)(&cfg.MaxJailCPU), "max-jail-cpu", 0, "CPU time budget of each run's jails (0: "+runtime.DefaultMaxJailCPU.String()+")")
	fs.Var(subagentsFlag{&cfg.Subagents}, "subagents", "offer the model the subagent tool (--subagents=false turns it off)")
	fs.Lookup("subagents").NoOptDefVal = "true"
	fs.Var(subagentDepthFlag{&cfg.Subagents}, "subagent-depth", fmt.Sprintf("levels of subagents a run may start (0: %d)", runtime.DefaultSubagentDepth))
	fs.Var(&subagentRolesFlag{cfg: &cfg.Subagents}, "subagent-role", "a subagent role and its system prompt, NAME=PROMPT; NAME= removes it; repeatable")
	fs.Var(&subagentRolesFlag{cfg: &cfg.Subagents, tools: true}, "subagent-tools", "the tools a role's subagents get, NAME=TOOL,TOOL (default: their parent's); repeatable")
}

// completeConfigFlags completes the values of cmd's configuration flags
// that have a fixed set.
func completeConfigFlags(cmd *cobra.Command) {
	cmd.RegisterFlagCompletionFunc("provider", cobra.FixedCompletions(providers.Names(), cobra.ShellCompDirectiveNoFileComp))
}

// applyConfigFlags returns cfg with the configuration flags set on the
// command line (fs) applied, the others left as they are.
func applyConfigFlags(fs *pflag.FlagSet, cfg runtime.WorkspaceConfig) (runtime.WorkspaceConfig, error) {
	target := pflag.NewFlagSet("config", pflag.ContinueOnError)
	kept := cfg
	bindConfigFlags(target, &cfg) // binding sets each field to its flag's default
	cfg = kept
	var err error
	fs.Visit(func(f *pflag.Flag) {
		t := target.Lookup(f.Name)
		switch sv, ok := f.Value.(pflag.SliceValue); {
		case t == nil || err != nil:
		case ok:
			err = t.Value.(pflag.SliceValue).Replace(sv.GetSlice())
		default:
			err = t.Value.Set(f.Value.String())
		}
	})
	return cfg, err
}

func newWorkspaceDeleteCmd(g *globals, complete cobra.CompletionFunc) *cobra.Command {
	var yes bool
	c := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a workspace and everything in it",
		Long: "Deletes the workspace: its configuration, sessions, memory, credentials and files.\n" +
			"On a terminal it asks first, unless --yes is given; otherwise --yes is required.",
		Args:              idArgs("workspace", 1),
		ValidArgsFunction: complete,
		RunE: func(_ *cobra.Command, args []string) error {
			return g.withPlatform(func(p *runtime.Platform) error {
				if _, err := p.Workspace(args[0]); err != nil {
					return err
				}
				if !yes {
					ok, err := confirm(os.Stdin, fmt.Sprintf("delete workspace %q and everything in it (configuration, sessions, memory, credentials, files)?", args[0]),
						fmt.Sprintf("delete workspace %q", args[0]))
					if err != nil {
						return err
					}
					if !ok {
						return fmt.Errorf("workspace %q not deleted", args[0])
					}
				}
				return p.DeleteWorkspace(args[0])
			})
		},
	}
	c.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return c
}
