package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/runtime"
	"golang.org/x/term"
)

// textView is --output-format text: the answer on stdout and, when the
// run made a new session, "bulkhead: session: ID" on stderr. While stderr
// is a terminal it also shows the run as it goes: the model's text as it
// streams (on stdout when that is a terminal too, so that the answer is
// not printed twice), a line for each finished tool call with its time
// and, for a failed one, its reason, a note for each retry, key rotation,
// fallback, void answer and compaction, and a status line (see console)
// with what the run waits for: the busy session, the model, or the
// running tool, with the time it has taken so far.
type textView struct {
	tally  *runTally
	stdout *os.File
	con    *console
	shown  bool     // the run is shown as it goes: stderr is a terminal
	text   *os.File // where streamed text goes: stdout or stderr

	mu      sync.Mutex
	waiting string    // what the status line shows: "" for nothing
	since   time.Time // when the wait began
	tools   []pendingTool
	frame   int // of the spinner
	ticker  *time.Ticker
	stop    chan struct{}
}

// pendingTool is a tool call that has started and not ended.
type pendingTool struct {
	id, name, summary string
	start             time.Time
}

// statusTick is how often the status line is drawn again.
const statusTick = 100 * time.Millisecond

// spinner is the status line's animation.
var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func newTextView(tally *runTally, stdout *os.File, con *console) *textView {
	v := &textView{tally: tally, stdout: stdout, con: con, shown: con.tty, text: con.f}
	if v.shown && term.IsTerminal(int(stdout.Fd())) {
		v.text = stdout
	}
	return v
}

func (v *textView) event(ev runtime.Event) {
	if !v.shown {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	switch ev.Type {
	case runtime.EventQueued:
		v.wait(fmt.Sprintf("waiting for session %s, which another run holds", ev.SessionID), ev.Time)
	case runtime.EventTurnStart:
		v.wait(fmt.Sprintf("%s · turn %d", ev.Model, ev.Turn), ev.Time)
	case runtime.EventTextDelta:
		v.wait("", ev.Time)
		v.con.Stream(v.text, ev.Text)
	case runtime.EventProvider:
		if line := noticeLine(*ev.Notice); line != "" {
			v.con.Notef("%s", line)
		}
	case runtime.EventTextReset:
		v.con.Notef("the model's answer above was cut off and is void; it starts again")
	case runtime.EventCompaction:
		v.con.Notef("%s", ev.Text)
	case runtime.EventToolStart:
		v.tools = append(v.tools, pendingTool{ev.Tool.ID, ev.Tool.Name, displayText(toolSummary(ev.Tool.Input)), ev.Time})
		v.wait("tool", ev.Time)
	case runtime.EventToolEnd:
		for i, t := range v.tools {
			if t.id == ev.Tool.ID {
				v.tools = append(v.tools[:i], v.tools[i+1:]...)
				break
			}
		}
		if len(v.tools) == 0 {
			v.wait("", ev.Time)
		}
		v.draw() // the status line of what is left, then the line of what ended
		v.con.Line(v.toolLine(ev.Tool))
	case runtime.EventDone, runtime.EventError:
		v.tools = nil
		v.wait("", ev.Time)
	}
	v.draw()
}

// wait sets what the status line shows ("tool": the latest pending tool
// call), starting the ticker that animates it.
func (v *textView) wait(what string, since time.Time) {
	v.waiting, v.since = what, since
	if what != "" && v.ticker == nil && v.con.live {
		v.ticker, v.stop = time.NewTicker(statusTick), make(chan struct{})
		go v.tick(v.ticker, v.stop)
	}
}

func (v *textView) tick(t *time.Ticker, stop chan struct{}) {
	for {
		select {
		case <-t.C:
			v.mu.Lock()
			v.frame++
			v.draw()
			v.mu.Unlock()
		case <-stop:
			return
		}
	}
}

// draw shows the status line (v.mu held).
func (v *textView) draw() {
	if v.waiting == "" {
		v.con.SetStatus("")
		return
	}
	head := v.con.paint(sgrCyan, spinner[v.frame%len(spinner)]) + " "
	what, since := v.waiting, v.since
	if what == "tool" && len(v.tools) > 0 {
		t := v.tools[len(v.tools)-1]
		head += v.con.paint(sgrBold, displayText(t.name)) + "  "
		what, since = t.summary, t.start
		if n := len(v.tools) - 1; n > 0 {
			what += fmt.Sprintf(" (+%d more)", n)
		}
	}
	tail := "  " + v.con.paint(sgrDim, elapsed(time.Since(since)))
	v.con.SetStatus(head + fit(what, v.con.Width()-1-visibleWidth(head)-visibleWidth(tail)) + tail)
}

// toolLine is the line shown for a finished tool call: a mark, its name,
// what it worked on, its time and, when it failed, the first line of its
// output.
func (v *textView) toolLine(tc *runtime.ToolCall) string {
	mark := v.con.paint(sgrGreen, "✓")
	took := "  " + v.con.paint(sgrDim, elapsed(time.Duration(tc.DurationMs)*time.Millisecond))
	reason := ""
	if tc.IsError {
		mark = v.con.paint(sgrRed, "✗")
		first, _, _ := strings.Cut(strings.TrimSpace(tc.Output), "\n")
		reason = ": " + v.con.paint(sgrRed, fit(displayText(first), v.con.Width()/2))
	}
	head := mark + " " + v.con.paint(sgrBold, displayText(tc.Name)) + "  "
	room := v.con.Width() - 1 - visibleWidth(head) - visibleWidth(took) - visibleWidth(reason)
	return head + fit(displayText(toolSummary(tc.Input)), max(room, 10)) + took + reason
}

// finish stops the status line and prints the answer, unless it was
// streamed to stdout already, and the session line.
func (v *textView) finish(res *runtime.RunResult, err error, newSession bool) {
	v.mu.Lock()
	if v.ticker != nil {
		v.ticker.Stop()
		close(v.stop)
		v.ticker = nil
	}
	v.waiting = ""
	v.draw()
	v.mu.Unlock()
	v.con.EndLine(v.text)
	if res == nil {
		return
	}
	v.tally.mu.Lock()
	streamed := v.shown && v.text == v.stdout && v.tally.turnText == res.Response && res.Response != ""
	v.tally.mu.Unlock()
	if !streamed {
		fmt.Fprintln(display(v.stdout), res.Response)
	}
	if err == nil && newSession {
		v.con.Printf("session: %s", res.SessionID)
	}
}

// noticeLine is the note shown on a terminal for a provider notice: a
// retry, a key rotation or a fallback; "" for the others (cooldowns are
// the provider layer's bookkeeping, a restart has its own note, and a
// dropped key is a warning the platform logs).
func noticeLine(n providers.Notice) string {
	what := n.Provider + "/" + n.Model
	switch n.Kind {
	case providers.NoticeRetry:
		return fmt.Sprintf("%s: %s; retrying in %s", what, n.Class, elapsed(n.Delay))
	case providers.NoticeRotate:
		return fmt.Sprintf("%s: %s with key %s; trying the next key", what, n.Class, n.Key)
	case providers.NoticeFallback:
		return fmt.Sprintf("%s: %s; falling back to %s", what, n.Class, n.To)
	}
	return ""
}

// toolSummary is one line saying what a tool call works on: the command
// of bash, the pattern and path of find and grep, the path of the file
// tools, the query or task of others, or its input as JSON.
func toolSummary(input json.RawMessage) string {
	var args map[string]any
	json.Unmarshal(input, &args)
	str := func(k string) string { s, _ := args[k].(string); return s }
	var s string
	switch {
	case str("command") != "":
		s = str("command")
	case str("pattern") != "" && str("path") != "":
		s = str("pattern") + " in " + str("path")
	case str("pattern") != "", str("query") != "", str("task") != "", str("skillId") != "":
		s = str("pattern") + str("query") + str("task") + str("skillId")
	case str("path") != "":
		s = str("path")
	case len(args) == 0:
		s = ""
	default:
		s = string(input)
	}
	return strings.Join(strings.Fields(s), " ")
}

// elapsed formats a duration as the status line shows it: 0.4s, 12.3s,
// 2m05s.
func elapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// fit cuts s, which holds no colour, to at most n columns, ending it with
// "…" when cut; one rune counts as one column.
func fit(s string, n int) string {
	if n < 1 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// visibleWidth is the number of columns s takes: its runes, less the
// colour sequences paint adds.
func visibleWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "\x1b[") {
			j := strings.IndexByte(s[i:], 'm')
			if j > 0 {
				i += j + 1
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}
