package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/bulkhead-dev/bulkhead/skills"
	"github.com/spf13/cobra"
)

func newSkillCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "skill",
		Short: "Manage the skill catalog and which skills a workspace enables",
		Long: "Skills follow the Agent Skills format (a folder with SKILL.md; see docs/skills.md). The catalog is\n" +
			"shared by the platform's workspaces; each workspace enables skills by id.",
	}
	cmd.AddCommand(skillAddCmd(g), skillListCmd(g), skillShowCmd(g), skillRemoveCmd(g),
		skillToggleCmd(g, "enable", "Make a catalog skill visible to a workspace's agent"),
		skillToggleCmd(g, "disable", "Hide a skill from a workspace's agent again"))
	return cmd
}

// withSkills opens the platform's catalog and calls fn with both.
func withSkills(g *globals, fn func(*runtime.Platform, *skills.Catalog) error) error {
	return g.withPlatform(func(p *runtime.Platform) error {
		cat, err := p.Skills()
		if err != nil {
			return err
		}
		return fn(p, cat)
	})
}

func skillAddCmd(g *globals) *cobra.Command {
	var replace bool
	c := &cobra.Command{
		Use:   "add DIR|ARCHIVE.tar.gz|ARCHIVE.zip",
		Short: "Copy a skill into the catalog, checking every file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withSkills(g, func(_ *runtime.Platform, cat *skills.Catalog) error {
				d, err := cat.Add(cmd.Context(), args[0], skills.AddOptions{Replace: replace})
				if err != nil {
					return err
				}
				stderr.Notef("added skill %s (%s, %d files, %s)", d.ID, d.Kind, len(d.Files), d.Hash)
				return nil
			})
		},
	}
	c.Flags().BoolVar(&replace, "replace", false, "replace a skill of the same name")
	return c
}

// skillRow is a skill as list --json prints it.
type skillRow struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	Description string   `json:"description"`
	Credentials []string `json:"credentials,omitempty"`
}

func skillListCmd(g *globals) *cobra.Command {
	var asJSON bool
	workspaceID := idFlag{kind: "workspace"}
	c := &cobra.Command{
		Use:   "list",
		Short: "List the catalog's skills, or those a workspace enables (--workspace-id)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withSkills(g, func(p *runtime.Platform, cat *skills.Catalog) error {
				var list []*skills.Skill
				var err error
				if workspaceID.value != "" {
					ws, werr := openWorkspace(p, workspaceID.value, false)
					if werr != nil {
						return werr
					}
					list, err = ws.EnabledSkills()
				} else {
					list, err = cat.List()
				}
				rows := []skillRow{}
				for _, s := range list {
					rows = append(rows, skillRow{ID: s.ID, Kind: s.Kind.String(), Description: s.Description, Credentials: s.Credentials})
				}
				if asJSON {
					if jerr := printJSON(rows); jerr != nil {
						return jerr
					}
					return err
				}
				tw := tabwriter.NewWriter(display(os.Stdout), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tKIND\tDESCRIPTION")
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Kind, firstLine(r.Description, 80))
				}
				if ferr := tw.Flush(); ferr != nil {
					return ferr
				}
				return err // folders that did not load, after the ones that did
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().Var(&workspaceID, "workspace-id", "list the skills this workspace enables")
	c.RegisterFlagCompletionFunc("workspace-id", completeWorkspaceIDs(g))
	return c
}

// firstLine returns s on one line, cut to at most n runes.
func firstLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func skillShowCmd(g *globals) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "show ID",
		Short: "Show a skill: frontmatter, files, content hash and SKILL.md",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withSkills(g, func(_ *runtime.Platform, cat *skills.Catalog) error {
				d, err := cat.Show(args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(display(os.Stdout)).Encode(d)
				}
				out := display(os.Stdout)
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "id\t%s\nkind\t%s\nhash\t%s\ndescription\t%s\n", d.ID, d.Kind, d.Hash, firstLine(d.Description, 200))
				if len(d.Credentials) > 0 {
					fmt.Fprintf(tw, "credentials\t%s\n", strings.Join(d.Credentials, ", "))
				}
				fmt.Fprintf(tw, "timeout\t%s\nworkspace\t%s\nfiles\t%d\n", d.Timeout, d.Workspace, len(d.Files))
				if err := tw.Flush(); err != nil {
					return err
				}
				for _, f := range d.Files {
					fmt.Fprintf(out, "  %s\n", f.Path)
				}
				_, err = io.WriteString(out, "\n"+d.Body)
				return err
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func skillRemoveCmd(g *globals) *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a skill from the catalog (refused while a workspace enables it, unless --force)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withPlatform(func(p *runtime.Platform) error {
				if err := p.RemoveSkill(cmd.Context(), args[0], force); err != nil {
					return err
				}
				stderr.Notef("removed skill %s", args[0])
				return nil
			})
		},
	}
	c.Flags().BoolVar(&force, "force", false, "remove it even while workspaces enable it")
	return c
}

// skillToggleCmd is skill enable or skill disable.
func skillToggleCmd(g *globals, verb, short string) *cobra.Command {
	workspaceID := idFlag{kind: "workspace", value: runtime.DefaultWorkspaceID}
	c := &cobra.Command{
		Use:   verb + " ID --workspace-id W",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withPlatform(func(p *runtime.Platform) error {
				ws, err := openWorkspace(p, workspaceID.value, true)
				if err != nil {
					return err
				}
				if verb == "enable" {
					err = ws.EnableSkill(cmd.Context(), args[0])
				} else {
					err = ws.DisableSkill(cmd.Context(), args[0])
				}
				if err != nil {
					return err
				}
				stderr.Notef("%sd skill %s for workspace %s", verb, args[0], workspaceID.value)
				return nil
			})
		},
	}
	c.Flags().Var(&workspaceID, "workspace-id", "workspace (tenant) id")
	c.RegisterFlagCompletionFunc("workspace-id", completeWorkspaceIDs(g))
	return c
}
