package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/term"
)

// console is the process's standard error. Every message the CLI writes
// there is one line starting with "bulkhead: ": the error that ends a
// command, warnings and notes ("bulkhead: warning: …", "bulkhead: note:
// …"), and log lines (see globals.logger). On a terminal it also holds the
// live status line of a run (see progress): each message clears it first
// and draws it again after.
//
// # Notes
//
//   - Colour is used only on a terminal, unless NO_COLOR is set to
//     anything but the empty string (https://no-color.org) or TERM is
//     "dumb"; a dumb terminal gets no status line either, since it cannot
//     erase one.
//   - Text that a model, a tool or a stored file produced goes through
//     displayText before it is drawn (see display.go).
type console struct {
	mu     sync.Mutex
	f      *os.File
	tty    bool   // f is a terminal
	color  bool   // escape sequences for colour may be written
	live   bool   // a status line may be drawn and erased
	status string // the status line on screen, "" for none
	// midLine: the cursor is not at the start of a line (streamed text
	// without its final line break).
	midLine bool
}

// stderr is the console of the process's standard error.
var stderr = newConsole(os.Stderr, os.Getenv)

// newConsole returns the console writing to f, with the capabilities that
// f and the environment getenv give it.
func newConsole(f *os.File, getenv func(string) string) *console {
	tty := term.IsTerminal(int(f.Fd()))
	dumb := getenv("TERM") == "dumb"
	return &console{f: f, tty: tty, live: tty && !dumb, color: tty && !dumb && getenv("NO_COLOR") == ""}
}

// SGR parameters of the colours the console uses (ECMA-48, 8.3.117).
const (
	sgrBold   = "1"
	sgrDim    = "2"
	sgrRed    = "31"
	sgrGreen  = "32"
	sgrYellow = "33"
	sgrCyan   = "36"
)

// paint returns s in the colour sgr when the console uses colour.
func (c *console) paint(sgr, s string) string {
	if !c.color || s == "" {
		return s
	}
	return "\x1b[" + sgr + "m" + s + "\x1b[0m"
}

// Printf writes one "bulkhead: " line (see message).
func (c *console) Printf(format string, args ...any) {
	c.message("", fmt.Sprintf(format, args...))
}

// Warnf writes one "bulkhead: warning: " line.
func (c *console) Warnf(format string, args ...any) {
	c.message(c.paint(sgrYellow, "warning:")+" ", fmt.Sprintf(format, args...))
}

// Notef writes one "bulkhead: note: " line.
func (c *console) Notef(format string, args ...any) {
	c.message(c.paint(sgrCyan, "note:")+" ", fmt.Sprintf(format, args...))
}

// logLine matches a log line as globals.logger writes it: the time when
// shown, then the level word.
var logLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\d\d:\d\d:\d\d\.\d{3} )?(error|warning|info|debug|trace): `)
})

// levelColours are the colours of the log lines' level words.
var levelColours = map[string]string{"error": sgrRed, "warning": sgrYellow, "info": sgrCyan, "debug": sgrDim, "trace": sgrDim}

// Write writes p, a log record of one or more lines "[TIME ]LEVEL: text",
// as messages, the level word coloured: it is the output of the CLI's
// logger.
func (c *console) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		head := ""
		if m := logLine().FindStringSubmatch(line); m != nil {
			head, line = m[1]+c.paint(levelColours[m[2]], m[2]+":")+" ", line[len(m[0]):]
		}
		c.message(head, line)
	}
	return len(p), nil
}

// message writes "bulkhead: ", head and text on a line of their own; head
// is the CLI's own (colours allowed), text has its control characters made
// visible on a terminal.
func (c *console) message(head, text string) {
	if c.tty {
		text = displayText(text)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.line("bulkhead: " + head + text)
}

// Ask writes "bulkhead: " and question, without a line break: the user
// answers on the same line, and the terminal's echo of the answer ends it.
func (c *console) Ask(question string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.eraseStatus()
	io.WriteString(c.f, "bulkhead: "+displayText(question))
}

// Line writes s, which the caller has made safe and coloured, as a line of
// the run's display (not a message: no prefix).
func (c *console) Line(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.line(s)
}

// line writes s on a line of its own, below streamed text and above the
// status line (c.mu held).
func (c *console) line(s string) {
	c.eraseStatus()
	if c.midLine {
		io.WriteString(c.f, "\n")
		c.midLine = false
	}
	io.WriteString(c.f, s+"\n")
	c.drawStatus()
}

// Stream writes text produced by a model to w, a terminal sharing the
// screen with the console, as it arrives: the status line is removed
// first (a status line cannot be drawn below text still being written),
// and the next line of the console starts on a line of its own.
func (c *console) Stream(w io.Writer, text string) {
	if text == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.eraseStatus()
	c.status = ""
	io.WriteString(w, displayText(text))
	c.midLine = !strings.HasSuffix(text, "\n")
}

// EndLine ends streamed text that did not end with a line break.
func (c *console) EndLine(w io.Writer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.midLine {
		io.WriteString(w, "\n")
		c.midLine = false
	}
}

// SetStatus shows s, which the caller has made safe, as the status line,
// replacing the one shown; "" erases it. It does nothing unless the
// console is live.
func (c *console) SetStatus(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || s == c.status {
		return
	}
	c.eraseStatus()
	c.status = s
	c.drawStatus()
}

// Width returns the terminal's width in columns, 80 when unknown.
func (c *console) Width() int {
	if w, _, err := term.GetSize(int(c.f.Fd())); err == nil && w > 0 {
		return w
	}
	return 80
}

// eraseStatus removes the status line from the screen (c.mu held); it
// stays c.status, to be drawn again.
func (c *console) eraseStatus() {
	if c.status != "" && c.live {
		io.WriteString(c.f, "\r\x1b[K")
	}
}

// drawStatus draws c.status at the start of the cursor's line (c.mu held).
func (c *console) drawStatus() {
	if c.status == "" || !c.live {
		return
	}
	if c.midLine {
		io.WriteString(c.f, "\n")
		c.midLine = false
	}
	io.WriteString(c.f, "\r"+c.status)
}
