package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/internal/ids"
	"github.com/bulkhead-dev/bulkhead/memory"
	"github.com/bulkhead-dev/bulkhead/memory/embed"
	"github.com/bulkhead-dev/bulkhead/runtime"
)

// newMemoryCmd returns `bulkhead memory store|search|list|delete`, working on
// the memory database of workspace <stateDir>/workspaces/<id>.
func newMemoryCmd(stateDir func() (string, error)) *cobra.Command {
	var (
		workspaceID   string
		asJSON        bool
		embedProvider string
		embedModel    string
		embedBaseURL  string
	)
	cmd := &cobra.Command{
		Use:   "memory",
		Short: "Store, search, list and delete a workspace's memories",
		Long: "Work on a workspace's long-term memory (<state-dir>/workspaces/<id>/memory/memory.db).\n" +
			"Search is keyword-only unless --embedding-provider names a provider whose key is in the\n" +
			"environment (OPENAI_API_KEY, GEMINI_API_KEY, VOYAGE_API_KEY, MISTRAL_API_KEY; Ollama needs none).",
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&workspaceID, "workspace-id", runtime.DefaultWorkspaceID, "workspace (tenant) id")
	pf.BoolVar(&asJSON, "json", false, "print JSON")
	pf.StringVar(&embedProvider, "embedding-provider", "", "embedding provider for vector search: "+strings.Join(embed.Providers(), ", ")+" (default: keyword-only)")
	pf.StringVar(&embedModel, "embedding-model", "", "embedding model (default: the provider's)")
	pf.StringVar(&embedBaseURL, "embedding-base-url", "", "embedding API base URL (default: the provider's, or its *_BASE_URL variable)")

	open := func() (*memory.Store, error) {
		if err := ids.Validate("workspace", workspaceID); err != nil {
			return nil, err
		}
		dir, err := stateDir()
		if err != nil {
			return nil, err
		}
		opts := memory.Options{
			Logger:          zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr, NoColor: true}).Level(zerolog.WarnLevel).With().Timestamp().Logger(),
			DisableBackfill: true, // a CLI call is too short-lived for background work
		}
		if embedProvider != "" {
			cfg, err := embed.FromEnv(embedProvider, embedModel, os.Getenv)
			if err != nil {
				return nil, err
			}
			if embedBaseURL != "" {
				cfg.BaseURL, cfg.Trusted = embedBaseURL, true
			}
			if opts.Embedder, err = embed.New(cfg); err != nil {
				return nil, err
			}
		}
		s, err := memory.OpenWorkspace(filepath.Join(dir, "workspaces", workspaceID), opts)
		if err != nil {
			return nil, fmt.Errorf("workspace %q: %w", workspaceID, err)
		}
		return s, nil
	}
	cmd.AddCommand(
		memoryStoreCmd(open, &asJSON),
		memorySearchCmd(open, &asJSON),
		memoryListCmd(open, &asJSON),
		memoryDeleteCmd(open, &asJSON),
	)
	return cmd
}

type openStore func() (*memory.Store, error)

func memoryStoreCmd(open openStore, asJSON *bool) *cobra.Command {
	var (
		tags      []string
		evergreen bool
	)
	c := &cobra.Command{
		Use:   "store TEXT... | store -",
		Short: "Store a memory (the arguments joined by spaces, or standard input with -)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := strings.Join(args, " ")
			if len(args) == 1 && args[0] == "-" {
				data, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), memory.DefaultMaxMemoryBytes+1))
				if err != nil {
					return fmt.Errorf("read standard input: %w", err)
				}
				text = strings.TrimRight(string(data), "\r\n")
			}
			s, err := open()
			if err != nil {
				return err
			}
			defer s.Close()
			m, err := s.Store(cmd.Context(), memory.NewMemory{Text: text, Source: memory.SourceAPI, Tags: tags, Evergreen: evergreen})
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(m)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Stored memory %d.\n", m.ID)
			return nil
		},
	}
	c.Flags().StringArrayVar(&tags, "tag", nil, "tag the memory (repeatable)")
	c.Flags().BoolVar(&evergreen, "evergreen", false, "exempt the memory from temporal decay")
	return c
}

func memorySearchCmd(open openStore, asJSON *bool) *cobra.Command {
	var (
		maxResults  int
		keywordOnly bool
		rrf         bool
	)
	c := &cobra.Command{
		Use:   "search QUERY...",
		Short: "Search memories, best first, with the score of every stage (--json)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := open()
			if err != nil {
				return err
			}
			defer s.Close()
			opts := memory.SearchOptions{MaxResults: maxResults, KeywordOnly: keywordOnly}
			if rrf {
				opts.Fusion = memory.FusionRRF
			}
			rs, err := s.Search(cmd.Context(), strings.Join(args, " "), opts)
			if err != nil {
				return err
			}
			if *asJSON {
				if rs == nil {
					rs = []memory.Result{}
				}
				return json.NewEncoder(cmd.OutOrStdout()).Encode(rs)
			}
			if len(rs) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No memories found.")
				return nil
			}
			memory.FormatResults(cmd.OutOrStdout(), rs, searchShowChars)
			return nil
		},
	}
	c.Flags().IntVarP(&maxResults, "max-results", "n", memory.DefaultSearchResults, "number of results")
	c.Flags().BoolVar(&keywordOnly, "keyword-only", false, "skip the vector stage")
	c.Flags().BoolVar(&rrf, "rrf", false, "fuse stages by reciprocal rank instead of weighted scores")
	return c
}

func memoryListCmd(open openStore, asJSON *bool) *cobra.Command {
	var o memory.ListOptions
	c := &cobra.Command{
		Use:   "list",
		Short: "List memories, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := open()
			if err != nil {
				return err
			}
			defer s.Close()
			ms, err := s.List(cmd.Context(), o)
			if err != nil {
				return err
			}
			if *asJSON {
				if ms == nil {
					ms = []memory.Memory{}
				}
				return json.NewEncoder(cmd.OutOrStdout()).Encode(ms)
			}
			memory.FormatMemories(cmd.OutOrStdout(), ms, 200)
			return nil
		},
	}
	c.Flags().StringVar(&o.Source, "source", "", `only this source ("agent", "api", "file:MEMORY.md"), or a prefix ending in ':' ("file:", "session:")`)
	c.Flags().IntVar(&o.Limit, "limit", memory.DefaultListLimit, fmt.Sprintf("page size (at most %d)", memory.MaxListLimit))
	c.Flags().Int64Var(&o.BeforeID, "before", 0, "only memories with a smaller id (paging)")
	return c
}

// searchShowChars is how much of each memory `memory search` prints (the
// whole text is in --json).
const searchShowChars = 1000

func memoryDeleteCmd(open openStore, asJSON *bool) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID...",
		Short: "Delete memories by id (all of them, or none if one is missing)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var idList []int64
			for _, a := range args {
				id, err := strconv.ParseInt(a, 10, 64)
				if err != nil || id <= 0 {
					return fmt.Errorf("invalid memory id %q: want a positive integer", a)
				}
				if !slices.Contains(idList, id) {
					idList = append(idList, id)
				}
			}
			s, err := open()
			if err != nil {
				return err
			}
			defer s.Close()
			for _, id := range idList { // all exist, or nothing is deleted
				if _, err := s.Get(cmd.Context(), id); err != nil {
					return err
				}
			}
			for _, id := range idList {
				if err := s.Delete(cmd.Context(), id); err != nil {
					return err
				}
				if !*asJSON {
					fmt.Fprintf(cmd.OutOrStdout(), "Deleted memory %d.\n", id)
				}
			}
			if *asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string][]int64{"deleted": idList})
			}
			return nil
		},
	}
}
