package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/bulkhead-dev/bulkhead/sessions"
	"github.com/spf13/cobra"
)

// The formats of `session export`.
var exportFormats = []string{"jsonl", "markdown"}

func newSessionExportCmd(withWorkspace func(func(*runtime.Workspace) error) error, complete cobra.CompletionFunc) *cobra.Command {
	format := choiceFlag{value: "jsonl", choices: exportFormats}
	var output string
	c := &cobra.Command{
		Use:   "export ID [-o FILE]",
		Short: "Write a session's transcript as stored (JSON Lines) or as Markdown",
		Long: "Writes session ID's transcript to stdout, or to FILE (replaced atomically, mode 0600).\n" +
			"--format jsonl (the default) writes it as stored, one record a line: {\"v\":1,\"time\":…,\"model\":…,\n" +
			"\"message\":{\"role\":…,\"content\":[…]}} (see package sessions, \"Transcript format\"); an\n" +
			"incomplete last line, left by a crash or by a run appending meanwhile, is left out.\n" +
			"--format markdown writes each message under a heading with its role, model and time.",
		Args:              idArgs("session", 1),
		ValidArgsFunction: complete,
		RunE: func(_ *cobra.Command, args []string) error {
			var buf bytes.Buffer
			err := withWorkspace(func(ws *runtime.Workspace) error {
				f, err := ws.Sessions().Transcript(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				if format.value == "markdown" {
					return exportMarkdown(&buf, args[0], f)
				}
				return completeLines(&buf, f)
			})
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err := display(os.Stdout).Write(buf.Bytes())
				return err
			}
			return atomicfile.WriteFile(output, buf.Bytes(), 0o600)
		},
	}
	c.Flags().Var(&format, "format", "jsonl or markdown")
	c.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of stdout")
	c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(exportFormats, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// completeLines copies the lines of r that end with a line break to w.
func completeLines(w io.Writer, r io.Reader) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
}

// exportMarkdown writes the transcript r of session id to w as Markdown
// (CommonMark): a heading per message with its role (tool for tool
// results), model and time, its text as is, tool calls and results in
// fenced code blocks.
func exportMarkdown(w io.Writer, id string, r io.Reader) error {
	fmt.Fprintf(w, "# Session %s\n", id)
	skipped, err := sessions.Scan(r, 0, 0, func(e sessions.Entry) bool {
		head := string(e.Message.Role)
		switch {
		case e.Model != "" && e.Message.Role == chat.RoleAssistant:
			head += " · " + e.Model
		case onlyToolResults(e.Message):
			head = "tool"
		}
		fmt.Fprintf(w, "\n## %s · %s\n", head, e.Time.UTC().Format("2006-01-02 15:04:05 UTC"))
		for _, b := range e.Message.Content {
			switch b.Type {
			case chat.BlockText:
				fmt.Fprintf(w, "\n%s\n", strings.TrimRight(b.Text, "\n"))
			case chat.BlockToolUse:
				var in bytes.Buffer
				if json.Indent(&in, b.Input, "", "  ") != nil {
					in.Reset()
					in.Write(b.Input)
				}
				fmt.Fprintf(w, "\nTool call `%s`:\n\n%s", b.Name, fenced("json", in.String()))
			case chat.BlockToolResult:
				what := "Tool result"
				if b.IsError {
					what = "Tool error"
				}
				fmt.Fprintf(w, "\n%s:\n\n%s", what, fenced("text", b.Text))
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	if skipped > 0 {
		stderr.Warnf("session %s: %d undecodable transcript lines left out", id, skipped)
	}
	return nil
}

// onlyToolResults reports whether m holds tool results and nothing else:
// the message that gives the model what its tool calls returned.
func onlyToolResults(m chat.Message) bool {
	for _, b := range m.Content {
		if b.Type != chat.BlockToolResult {
			return false
		}
	}
	return len(m.Content) > 0
}

// fenced returns text in a fenced code block of language lang, its fence
// longer than any run of backticks in text.
func fenced(lang, text string) string {
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	return fence + lang + "\n" + strings.TrimRight(text, "\n") + "\n" + fence + "\n"
}
