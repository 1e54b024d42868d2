package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
	"github.com/bulkhead-dev/bulkhead/internal/count"
	"github.com/bulkhead-dev/bulkhead/runtime"
)

// envArchiveCredentialKey is the passphrase an archive's credentials are
// sealed with, when it is not this host's BULKHEAD_CREDENTIAL_KEY.
const envArchiveCredentialKey = "BULKHEAD_ARCHIVE_CREDENTIAL_KEY"

// maxListed is how many omitted or changed entries a summary names.
const maxListed = 10

func newWorkspaceExportCmd(g *globals, complete cobra.CompletionFunc) *cobra.Command {
	var output string
	var withSkills bool
	c := &cobra.Command{
		Use:   "export ID [-o FILE] [--with-skills]",
		Short: "Write a workspace to one compressed archive (tar + zstd), while its runs go on",
		Long: "Writes workspace ID as one archive to standard output, or to FILE (replaced atomically, mode\n" +
			"0600): a tar stream compressed with Zstandard whose first entry, MANIFEST.json, lists every\n" +
			"entry with its SHA-256. It is a snapshot taken while runs may go on: the memory database is\n" +
			"copied with SQLite's online backup, transcripts and the usage ledger up to their last complete\n" +
			"line; config, sessions, the sealed credential vault (never in plaintext), the enabled skills\n" +
			"(by id and content hash; their folders with --with-skills), files/ and home/.\n" +
			"Restore it with `bulkhead workspace import`. On a terminal, progress shows on stderr.",
		Args:              idArgs("workspace", 1),
		ValidArgsFunction: complete,
		RunE: func(_ *cobra.Command, args []string) error {
			toStdout := output == "" || output == "-"
			if toStdout && term.IsTerminal(int(os.Stdout.Fd())) {
				return usage(errors.New("standard output is a terminal: give -o FILE, or redirect it (bulkhead workspace export ID > FILE)"))
			}
			ctx, stop := notifyInterrupt(context.Background())
			defer stop()
			return g.withPlatform(func(p *runtime.Platform) error {
				ws, err := openWorkspace(p, args[0], false)
				if err != nil {
					return err
				}
				view := newTransferView(stderr)
				opts := runtime.ExportOptions{WithSkills: withSkills, Progress: view.update}
				var st runtime.ExportStats
				write := func(w io.Writer) error {
					var err error
					st, err = ws.Export(ctx, w, opts)
					return err
				}
				if toStdout {
					bw := bufio.NewWriterSize(os.Stdout, 1<<20)
					if err = write(bw); err == nil {
						err = bw.Flush()
					}
				} else {
					err = atomicfile.WriteFrom(output, 0o600, write)
				}
				view.done()
				if err != nil {
					outcome := output + " was not written"
					if toStdout {
						outcome = "the archive on standard output is incomplete (an import refuses it)"
					}
					return signalExit(ctx, err, outcome)
				}
				summarizeExport(st, output)
				return nil
			})
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	c.Flags().BoolVar(&withSkills, "with-skills", false, "include the folders of the enabled skills, so that an import installs them where the catalog lacks them")
	return c
}

// summarizeExport notes on stderr what an export wrote, and warns of what
// it left out or caught mid-write.
func summarizeExport(st runtime.ExportStats, output string) {
	where := output
	if where == "" || where == "-" {
		where = "standard output"
	}
	ratio := float64(st.Bytes) / float64(max(st.Compressed, 1))
	stderr.Notef("exported workspace %s to %s: %s, %s of files, archive %s (%.1f:1), in %.1fs",
		st.Workspace, where, count.Noun(st.Entries, "entry", "entries"), humanSize(st.Bytes), humanSize(st.Compressed), ratio, st.Duration.Seconds())
	for i, o := range st.Omitted {
		if i == maxListed {
			stderr.Warnf("and %d more left out", len(st.Omitted)-maxListed)
			break
		}
		stderr.Warnf("left out %s: %s", o.Path, o.Reason)
	}
	if n := len(st.Changed); n > 0 {
		shown := st.Changed[:min(n, maxListed)]
		stderr.Warnf("%s changed while read, a run wrote them meanwhile; the archive may hold them mid-write: %s%s",
			count.Noun(n, "file", "files"), strings.Join(shown, ", "), map[bool]string{true: ", …"}[n > maxListed])
	}
	for _, s := range st.Skills {
		if s.Hash == "" {
			stderr.Warnf("skill %s is enabled but no longer in the catalog: the archive names it only", s.ID)
		}
	}
}

func newWorkspaceImportCmd(g *globals) *cobra.Command {
	as := idFlag{kind: "workspace"}
	var replace, asJSON bool
	var limits runtime.ImportLimits
	c := &cobra.Command{
		Use:   "import FILE|- [--as NEWID] [--replace]",
		Short: "Make a workspace of an archive written by export (verified before it is moved into place)",
		Long: "Reads an archive written by `bulkhead workspace export` from FILE, or standard input for -,\n" +
			"into a temporary directory beside the workspaces, verifies every entry against the manifest\n" +
			"(SHA-256, sizes, types, names, links), and moves the workspace into place in one rename; an\n" +
			"unsafe or damaged archive is refused, naming the entry, and nothing is left behind.\n" +
			"An existing workspace is refused unless --replace, which swaps it atomically (its runs must\n" +
			"have ended). --as NEWID imports it under another id: its credentials are re-sealed for it,\n" +
			"which needs their passphrase: " + envCredentialKey + ", or " + envArchiveCredentialKey + " when the\n" +
			"archive's differs (they are then re-sealed under " + envCredentialKey + "). Skills the catalog\n" +
			"lacks are installed from the archive when it holds them. Prints the workspace's directory.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("workspace import takes one archive (a file, or - for standard input), not %d; usage: %s", len(args), cmd.UseLine())
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			in := os.Stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			} else if term.IsTerminal(int(in.Fd())) {
				return usage(errors.New("standard input is a terminal: give the archive's file, or pipe it in"))
			}
			ctx, stop := notifyInterrupt(context.Background())
			defer stop()
			return g.withPlatform(func(p *runtime.Platform) error {
				view := newTransferView(stderr)
				opts := runtime.ImportOptions{As: as.value, Replace: replace, Limits: limits, Progress: view.update,
					Passphrase: []byte(os.Getenv(envArchiveCredentialKey))}
				ws, st, err := p.Import(ctx, bufio.NewReaderSize(in, 1<<20), opts)
				clear(opts.Passphrase)
				view.done()
				if err != nil {
					return importError(ctx, err, st)
				}
				summarizeImport(st)
				if asJSON {
					return json.NewEncoder(display(os.Stdout)).Encode(st)
				}
				fmt.Println(ws.Dir())
				return nil
			})
		},
	}
	c.Flags().Var(&as, "as", "import under this workspace id instead of the archive's")
	c.Flags().BoolVar(&replace, "replace", false, "swap an existing workspace of that id for the archive's")
	c.Flags().BoolVar(&asJSON, "json", false, "print what was imported as a JSON object instead of the directory")
	c.Flags().IntVar(&limits.MaxEntries, "max-entries", 0, fmt.Sprintf("refuse an archive of more entries (0: %d)", runtime.DefaultImportMaxEntries))
	c.Flags().Var(sizeFlag{&limits.MaxBytes}, "max-bytes", "refuse an archive whose files hold more, e.g. 500G (0: "+formatSize(runtime.DefaultImportMaxBytes)+")")
	c.Flags().IntVar(&limits.MaxRatio, "max-ratio", 0, fmt.Sprintf("refuse an archive that decompresses more than this many times its size, past its first 64 MiB (0: %d)", runtime.DefaultImportMaxRatio))
	c.RegisterFlagCompletionFunc("as", cobra.NoFileCompletions)
	return c
}

// importError words an import's error for the command line.
func importError(ctx context.Context, err error, st runtime.ImportStats) error {
	switch {
	case errors.Is(err, runtime.ErrWorkspaceExists):
		return fmt.Errorf("workspace %q exists: give --replace to swap it for the archive's, or --as NEWID to import it beside it", st.Workspace)
	case errors.Is(err, runtime.ErrNoPassphrase):
		return usage(fmt.Errorf("%w; set %s (or %s when the archive's passphrase differs)", err, envCredentialKey, envArchiveCredentialKey))
	}
	return signalExit(ctx, err, "nothing was imported")
}

// summarizeImport notes on stderr what an import made, and warns.
func summarizeImport(st runtime.ImportStats) {
	from := ""
	if st.Source != st.Workspace {
		from = " (from " + st.Source + ")"
	}
	verb := "imported"
	if st.Replaced {
		verb = "replaced"
	}
	creds := map[string]string{
		"none":      "no credentials",
		"unchecked": "credentials kept sealed, unchecked",
		"kept":      "credentials kept",
		"resealed":  "credentials re-sealed for " + st.Workspace,
		"rekeyed":   "credentials re-sealed under this host's passphrase",
	}[st.Credentials]
	stderr.Notef("%s workspace %s%s, exported %s by bulkhead %s: %s, %s of files; %s; in %.1fs",
		verb, st.Workspace, from, st.Created.Local().Format(time.DateTime), st.Bulkhead, count.Noun(st.Entries, "entry", "entries"), humanSize(st.Bytes), creds, st.Duration.Seconds())
	for _, s := range st.Skills {
		if s.Status == "installed" {
			stderr.Notef("installed skill %s into the catalog", s.ID)
		}
	}
	for _, w := range st.Warnings {
		stderr.Warnf("%s", w)
	}
}

// signalExit makes the error of a command stopped by SIGINT or SIGTERM
// (see notifyInterrupt) exit with the signal's status, 130 or 143, saying
// what became of its work (outcome).
func signalExit(ctx context.Context, err error, outcome string) error {
	var sig interrupted
	if errors.As(context.Cause(ctx), &sig) {
		return &statusError{exitSignalBase + int(sig.sig.(syscall.Signal)), fmt.Errorf("%v: %s", sig, outcome)}
	}
	return err
}
