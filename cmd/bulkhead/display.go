package main

import (
	"io"
	"os"

	"github.com/bulkhead-dev/bulkhead/internal/termsafe"
	"golang.org/x/term"
)

// display returns the writer for text stored or produced by a model or a
// tool (answers, transcripts, tool output, memories, file names) printed
// on f: on a terminal, control characters are made visible
// (termsafe.String), so that such text cannot set the window title, clear
// the screen or overwrite lines an operator reads; piped, it is unchanged.
func display(f *os.File) io.Writer {
	if term.IsTerminal(int(f.Fd())) {
		return termsafe.Writer{W: f}
	}
	return f
}

// displayText is display for text the CLI composes into what it draws on a
// terminal itself (the status line, a tool's line, a log message): s with
// its control characters made visible.
func displayText(s string) string { return termsafe.String(s) }
