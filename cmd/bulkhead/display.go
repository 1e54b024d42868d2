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
