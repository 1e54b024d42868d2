package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bulkhead-dev/bulkhead/memory"
	"github.com/bulkhead-dev/bulkhead/memory/embedding"
	"github.com/bulkhead-dev/bulkhead/runtime"
)

// newMemoryCmd returns `bulkhead memory store|search|list|delete`, working on
// the memory database of workspace <stateDir>/workspaces/<id>.
func newMemoryCmd(g *globals) *cobra.Command {
	var (
		workspaceID   = idFlag{"workspace", runtime.DefaultWorkspaceID}
		asJSON        bool
		embedProvider string
		embedModel    string
		embedBaseURL  string
	)
	cmd := &cobra.Command{
		Use:   "memory",
		Short: "Store, search, list and delete a workspace's memories",
		Long: "Work on a workspace's long-term memory (<state-dir>/workspaces/<id>/memory/memory.db).\n" +
			"Search uses the workspace's embedding provider (workspace create --embedding-provider), or the one\n" +
			"--embedding-provider names, whose key must be in the environment (OPENAI_API_KEY, GEMINI_API_KEY,\n" +
			"VOYAGE_API_KEY, MISTRAL_API_KEY; Ollama needs none); keyword-only without either.",
	}
	pf := cmd.PersistentFlags()
	pf.Var(&workspaceID, "workspace-id", "workspace (tenant) id")
	cmd.RegisterFlagCompletionFunc("workspace-id", completeWorkspaceIDs(g))
	pf.BoolVar(&asJSON, "json", false, "print JSON")
	pf.StringVar(&embedProvider, "embedding-provider", "", "embedding provider for vector search: "+strings.Join(embedding.Providers(), ", ")+" (default: the workspace's, else keyword-only)")
	pf.StringVar(&embedModel, "embedding-model", "", "embedding model (default: the provider's)")
	pf.StringVar(&embedBaseURL, "embedding-base-url", "", "embedding API base URL (default: the provider's, or its *_BASE_URL variable)")

	open := func(createDefault bool) (*memory.Store, func(), error) {
		// The flags are checked before the workspace is opened, or made.
		var flagEmbedder embedding.Embedder
		switch {
		case embedProvider == "" && (embedModel != "" || embedBaseURL != ""):
			return nil, nil, usage(errors.New("--embedding-model and --embedding-base-url need --embedding-provider"))
		case embedProvider != "":
			cfg, err := embedding.FromEnv(embedProvider, embedModel, os.Getenv)
			if err != nil {
				return nil, nil, err
			}
			if embedBaseURL != "" {
				cfg.BaseURL, cfg.Trusted = embedBaseURL, true
			}
			if flagEmbedder, err = embedding.New(cfg); err != nil {
				return nil, nil, err
			}
		}
		p, err := g.platform()
		if err != nil {
			return nil, nil, err
		}
		ws, err := openWorkspace(p, workspaceID.value, createDefault)
		if err != nil {
			p.Close()
			return nil, nil, err
		}
		// As a run's: the workspace held in use (a delete fails meanwhile),
		// its embedder unless the flags name one (a broken setting is
		// logged and degrades to keyword-only search), no background work
		// (a CLI call is too short-lived for it).
		s, done, err := ws.OpenMemory(runtime.MemoryOptions{Embedder: flagEmbedder, DisableBackfill: true})
		if err != nil {
			p.Close()
			return nil, nil, fmt.Errorf("workspace %q: %w", workspaceID.value, err)
		}
		return s, func() { done(); p.Close() }, nil
	}
	cmd.AddCommand(
		memoryStoreCmd(open, &asJSON),
		memorySearchCmd(open, &asJSON),
		memoryListCmd(open, &asJSON),
		memoryDeleteCmd(open, &asJSON),
	)
	return cmd
}

// openStore opens the memory store of the command's workspace, marked in
// use until done is called, which also closes the store; with
// createDefault, a missing default workspace is created first.
type openStore func(createDefault bool) (s *memory.Store, done func(), err error)

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
				var err error
				if text, err = readInput(cmd.InOrStdin(), memory.DefaultMaxMemoryBytes, "a memory"); err != nil {
					return err
				}
			}
			s, done, err := open(true)
			if err != nil {
				return err
			}
			defer done()
			m, err := s.Store(cmd.Context(), memory.NewMemory{Text: text, Source: memory.SourceAPI, Tags: tags, Evergreen: evergreen})
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(display(os.Stdout)).Encode(m)
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
		maxResults  = memory.DefaultSearchResults
		keywordOnly bool
		rrf         bool
		tag         string
	)
	c := &cobra.Command{
		Use:   "search QUERY...",
		Short: "Search memories, best first, with the score of every stage (--json)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, done, err := open(false)
			if err != nil {
				return err
			}
			defer done()
			opts := memory.SearchOptions{MaxResults: maxResults, KeywordOnly: keywordOnly, Tag: tag}
			if rrf {
				opts.Fusion = memory.FusionRRF
			}
			query := strings.Join(args, " ")
			rs, err := s.Search(cmd.Context(), query, opts)
			if err != nil {
				return err
			}
			for _, n := range s.PlanQuery(query).Notes() {
				stderr.Notef("%s", n)
			}
			if *asJSON {
				if rs == nil {
					rs = []memory.Result{}
				}
				return json.NewEncoder(display(os.Stdout)).Encode(rs)
			}
			if len(rs) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No memories found.")
				return nil
			}
			memory.FormatResults(display(os.Stdout), rs, searchShowChars)
			return nil
		},
	}
	c.Flags().VarP(&intFlag[int]{&maxResults, 1, memory.DefaultMaxResults}, "max-results", "n",
		fmt.Sprintf("number of results, 1 to %d", memory.DefaultMaxResults))
	c.Flags().BoolVar(&keywordOnly, "keyword-only", false, "skip the vector stage")
	c.Flags().BoolVar(&rrf, "rrf", false, "fuse stages by reciprocal rank instead of weighted scores")
	c.Flags().StringVar(&tag, "tag", "", "only memories with this tag")
	return c
}

func memoryListCmd(open openStore, asJSON *bool) *cobra.Command {
	o := memory.ListOptions{Limit: memory.DefaultListLimit}
	c := &cobra.Command{
		Use:   "list",
		Short: "List memories, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, done, err := open(false)
			if err != nil {
				return err
			}
			defer done()
			ms, err := s.List(cmd.Context(), o)
			if err != nil {
				return err
			}
			if *asJSON {
				if ms == nil {
					ms = []memory.Memory{}
				}
				return json.NewEncoder(display(os.Stdout)).Encode(ms)
			}
			if len(ms) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No memories found.")
				return nil
			}
			memory.FormatMemories(display(os.Stdout), ms, 200)
			return nil
		},
	}
	c.Flags().StringVar(&o.Tag, "tag", "", "only memories with this tag")
	c.Flags().StringVar(&o.Source, "source", "", "only this source: agent, api, file:PATH or session:ID, or the prefix file: or session:")
	c.Flags().Var(&intFlag[int]{&o.Limit, 1, memory.MaxListLimit}, "limit", fmt.Sprintf("page size, 1 to %d", memory.MaxListLimit))
	c.Flags().Var(&intFlag[int64]{&o.BeforeID, 1, math.MaxInt64}, "before", "only memories with a smaller id (paging)")
	return c
}

// intFlag is an integer flag that accepts only min to max, so an
// out-of-range value fails as a malformed one does, when flags are parsed.
type intFlag[T int | int64] struct {
	p        *T
	min, max T
}

func (f *intFlag[T]) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < int64(f.min) || n > int64(f.max) {
		if int64(f.max) == math.MaxInt64 {
			return fmt.Errorf("want an integer of %d or more", f.min)
		}
		return fmt.Errorf("want an integer from %d to %d", f.min, f.max)
	}
	*f.p = T(n)
	return nil
}

func (f *intFlag[T]) String() string { return strconv.FormatInt(int64(*f.p), 10) }
func (f *intFlag[T]) Type() string   { return "int" }

// flagError words a flag's invalid value as one line naming the flag, the
// value and what the flag accepts, instead of pflag's wording with a raw
// strconv error.
func flagError(_ *cobra.Command, err error) error {
	var ive *pflag.InvalidValueError
	if !errors.As(err, &ive) {
		return err
	}
	cause := ive.Unwrap()
	if _, ok := cause.(*strconv.NumError); ok {
		cause = fmt.Errorf("not a valid %s", ive.GetFlag().Value.Type())
	}
	return fmt.Errorf("invalid --%s %q: %w", ive.GetFlag().Name, ive.GetValue(), cause)
}

// searchShowChars is how much of each memory `memory search` prints (the
// whole text is in --json).
const searchShowChars = 1000

func memoryDeleteCmd(open openStore, asJSON *bool) *cobra.Command {
	c := &cobra.Command{
		Use:   "delete ID...",
		Short: "Delete memories by id (all of them, or none if one is missing)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var idList []int64
			for _, a := range args {
				id, err := parseMemoryID(a)
				if err != nil {
					return usage(err)
				}
				if !slices.Contains(idList, id) {
					idList = append(idList, id)
				}
			}
			s, done, err := open(false)
			if err != nil {
				return err
			}
			defer done()
			if err := s.Delete(cmd.Context(), idList...); err != nil { // all, or none
				return err
			}
			if *asJSON {
				return json.NewEncoder(display(os.Stdout)).Encode(map[string][]int64{"deleted": idList})
			}
			for _, id := range idList {
				fmt.Fprintf(cmd.OutOrStdout(), "Deleted memory %d.\n", id)
			}
			return nil
		},
	}
	c.SetFlagErrorFunc(negativeIDError)
	return c
}

// parseMemoryID reads a memory id as written by the CLI: a positive decimal
// integer without sign or leading zeros, so that "+1" and "01" are not
// taken for memory 1.
func parseMemoryID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, fmt.Errorf("invalid memory id %q: ids are positive integers", s)
	}
	return id, nil
}

// negativeIDError words the flag error of an argument such as "-1", which
// pflag reads as an unknown shorthand flag, as an invalid memory id; other
// flag errors are flagError's.
func negativeIDError(cmd *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if errors.As(err, &ne) {
		if short := ne.GetSpecifiedShortnames(); short != "" && short[0] >= '0' && short[0] <= '9' {
			return fmt.Errorf("invalid memory id %q: ids are positive integers", "-"+short)
		}
	}
	return rootFlagError(cmd, err)
}
