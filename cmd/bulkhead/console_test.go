package main

import (
	"io"
	"os"
	"testing"
)

// captureConsole returns a console on a pipe that behaves as a terminal
// with colour, and a function that returns what it wrote.
func captureConsole(t *testing.T) (*console, func() string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &console{f: w, tty: true, live: true, color: true}
	return c, func() string {
		w.Close()
		b, _ := io.ReadAll(r)
		r.Close()
		return string(b)
	}
}

// TestConsoleLines: messages are "bulkhead: " lines, log lines get their
// level coloured (only the leading one), text is made safe, the status
// line is erased before a line and drawn again after it, and streamed
// text without a final line break is ended first.
func TestConsoleLines(t *testing.T) {
	c, out := captureConsole(t)
	c.Write([]byte("12:00:00.000 warning: error: disk full\ninfo: second\nplain\n"))
	c.SetStatus("S")
	c.Printf("evil \x1b]0;title\x07")
	c.Stream(os.Stdout, "") // nothing
	c.Stream(c.f, "partial")
	c.Notef("after")
	c.SetStatus("T")
	c.SetStatus("")
	want := "bulkhead: 12:00:00.000 \x1b[33mwarning:\x1b[0m error: disk full\n" +
		"bulkhead: \x1b[36minfo:\x1b[0m second\n" +
		"bulkhead: plain\n" +
		"\rS" + "\r\x1b[K" + "bulkhead: evil ^[]0;title^G\n" + "\rS" +
		"\r\x1b[K" + "partial" +
		"\n" + "bulkhead: \x1b[36mnote:\x1b[0m after\n" +
		"\rT" + "\r\x1b[K"
	if got := out(); got != want {
		t.Errorf("console wrote\n%q\nwant\n%q", got, want)
	}
}

// TestConsoleNoColor: NO_COLOR drops colour, TERM=dumb the status line
// too; a console that is not a terminal writes text as it is.
func TestConsoleNoColor(t *testing.T) {
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	if c := newConsole(w, env(nil)); c.tty || c.live || c.color {
		t.Errorf("a pipe: %+v", c)
	}
	c, out := captureConsole(t)
	c.color = false
	c.Warnf("x \x1b[2J")
	c.tty, c.live = false, false
	c.SetStatus("S")
	c.Printf("y \x1b[2J")
	if got, want := out(), "bulkhead: warning: x ^[[2J\nbulkhead: y \x1b[2J\n"; got != want {
		t.Errorf("console wrote %q, want %q", got, want)
	}
}
