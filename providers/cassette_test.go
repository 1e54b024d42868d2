package providers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// scripted is a Provider answering from a list, streaming each answer's
// text in two pieces; an entry with err set fails instead.
type scripted struct {
	turns []scriptedTurn
	calls int
}

type scriptedTurn struct {
	resp *chat.Response
	err  error
}

func (s *scripted) Complete(ctx context.Context, req chat.Request, onText func(string)) (*chat.Response, error) {
	turn := s.turns[s.calls]
	s.calls++
	if turn.err != nil {
		return nil, turn.err
	}
	text := turn.resp.Message.Text()
	if onText != nil && text != "" {
		onText(text[:len(text)/2])
		onText(text[len(text)/2:])
	}
	return turn.resp, nil
}

func textResponse(text string) *chat.Response {
	return &chat.Response{
		Message:    chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockText, Text: text}}},
		StopReason: chat.StopEndTurn, Usage: chat.Usage{InputTokens: 3, OutputTokens: 4}, Model: "m",
	}
}

// twoTurns returns the requests of a two-turn run: a tool call, then the
// final answer.
func twoTurns() []chat.Request {
	first := toolConversation()
	first.Messages = first.Messages[:1]
	return []chat.Request{first, toolConversation()}
}

func TestRecordReplayRoundTrip(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		if hit == 0 {
			openaiStream(w)
			return
		}
		s := startSSE(w)
		s.send("", `{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":[{"index":0,"delta":{"role":"assistant","content":"Done."},"finish_reason":"stop"}],"usage":{"prompt_tokens":50,"completion_tokens":2,"total_tokens":52}}`)
		s.send("", `[DONE]`)
	})
	path := filepath.Join(t.TempDir(), "run.cassette.json")
	rec := Record(newTestProvider(t, "openai", srv.URL, nil), path)

	var live []*chat.Response
	var liveDeltas [][]string
	for i, req := range twoTurns() {
		onText, deltas := collect()
		resp, err := complete(t, rec, req, onText)
		if err != nil {
			t.Fatalf("turn %d: %v", i, err)
		}
		live, liveDeltas = append(live, resp), append(liveDeltas, *deltas)
		tape, err := loadCassette(path)
		if err != nil || len(tape.Interactions) != i+1 {
			t.Fatalf("after turn %d the cassette holds %v interactions (err %v)", i, tape, err)
		}
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), testKey) || strings.Contains(string(data), srv.URL) {
		t.Error("the cassette holds the API key or base URL")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("cassette mode = %v", fi.Mode().Perm())
	}

	rp, err := Replay(path)
	if err != nil {
		t.Fatal(err)
	}
	hitsBefore := srv.hits()
	for i, req := range twoTurns() {
		onText, deltas := collect()
		resp, err := complete(t, rp, req, onText)
		if err != nil {
			t.Fatalf("replay turn %d: %v", i, err)
		}
		if !reflect.DeepEqual(resp, live[i]) {
			t.Errorf("turn %d: replayed %+v, recorded %+v", i, resp, live[i])
		}
		if !reflect.DeepEqual(*deltas, liveDeltas[i]) {
			t.Errorf("turn %d: replayed deltas %q, recorded %q", i, *deltas, liveDeltas[i])
		}
	}
	if want := [][]string{{"Two ", "calls."}, {"Done."}}; !reflect.DeepEqual(liveDeltas, want) {
		t.Errorf("recorded deltas %q, want %q", liveDeltas, want)
	}
	if srv.hits() != hitsBefore {
		t.Error("replay reached the network")
	}
	_, err = complete(t, rp, twoTurns()[1], nil)
	if !errors.Is(err, ErrCassetteExhausted) || !strings.Contains(err.Error(), "turn 3") || !strings.Contains(err.Error(), "only 2") {
		t.Errorf("third turn err = %v, want exhausted naming turn 3 of 2", err)
	}
}

func TestRecordErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	inner := &scripted{turns: []scriptedTurn{
		{err: &Error{Provider: "groq", Status: 429, Class: RateLimit, Message: "slow down"}},
		{err: context.Canceled},
		{resp: textResponse("hello")},
	}}
	rec := Record(inner, path)
	if _, err := complete(t, rec, hello, nil); asError(t, err).Class != RateLimit {
		t.Fatal(err)
	}
	if _, err := complete(t, rec, hello, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if _, err := complete(t, rec, hello, nil); err != nil {
		t.Fatal(err)
	}
	rp, err := Replay(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = complete(t, rp, hello, nil)
	if pe := asError(t, err); *pe != (Error{Provider: "groq", Status: 429, Class: RateLimit, Message: "slow down"}) {
		t.Errorf("replayed error = %+v", pe)
	}
	onText, deltas := collect()
	resp, err := complete(t, rp, hello, onText)
	if err != nil || resp.Message.Text() != "hello" || strings.Join(*deltas, "") != "hello" || len(*deltas) != 2 {
		t.Errorf("second replayed turn = %+v, %v, deltas %q (the cancelled call is not recorded)", resp, err, *deltas)
	}
}

func TestRecordUnwritable(t *testing.T) {
	rec := Record(&scripted{turns: []scriptedTurn{{resp: textResponse("x")}}}, filepath.Join(t.TempDir(), "missing", "c.json"))
	if _, err := complete(t, rec, hello, nil); err == nil || !strings.Contains(err.Error(), "record cassette") {
		t.Errorf("err = %v, want a cassette write error", err)
	}
}

func TestRecordKeepsEarlierRequests(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	rec := Record(&scripted{turns: []scriptedTurn{{resp: textResponse("a")}, {resp: textResponse("b")}}}, path)
	req := chat.Request{Messages: []chat.Message{chat.UserText("first")}}
	complete(t, rec, req, nil)
	req.Messages[0].Content[0].Text = "changed by the caller"
	complete(t, rec, chat.Request{Messages: []chat.Message{chat.UserText("second")}}, nil)
	tape, err := loadCassette(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := tape.Interactions[0].Request.Messages[0].Text(); got != "first" {
		t.Errorf("first recorded request now says %q", got)
	}
}

func TestReplayMismatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	rec := Record(&scripted{turns: []scriptedTurn{{resp: textResponse("a")}, {resp: textResponse("b")}}}, path)
	turns := twoTurns()
	for _, req := range turns {
		if _, err := complete(t, rec, req, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		change func(*chat.Request)
		want   string
	}{
		{"system", func(r *chat.Request) { r.System = "be verbose" }, `system: recorded "You are terse.", got "be verbose"`},
		{"tool result", func(r *chat.Request) { r.Messages[2].Content[1].Text = "found it" }, `messages[2].content[1]: recorded {`},
		{"role", func(r *chat.Request) { r.Messages[1].Role = chat.RoleUser }, `messages[1].role: recorded "assistant", got "user"`},
		{"fewer blocks", func(r *chat.Request) { r.Messages[1].Content = r.Messages[1].Content[:2] }, `messages[1].content: recorded 3 blocks, got 2`},
		{"extra message", func(r *chat.Request) { r.Messages = append(r.Messages, chat.UserText("more")) }, `messages: recorded 3, got 4`},
		{"tool schema", func(r *chat.Request) { r.Tools[1].Description = "Read it." }, `tools[1]: recorded {`},
		{"tool dropped", func(r *chat.Request) { r.Tools = r.Tools[:1] }, `tools: recorded 2, got 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp, err := Replay(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := complete(t, rp, turns[0], nil); err != nil {
				t.Fatal(err)
			}
			req := toolConversation()
			tc.change(&req)
			_, err = complete(t, rp, req, nil)
			if !errors.Is(err, ErrCassetteMismatch) || !strings.Contains(err.Error(), "interactions[1]") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant interactions[1] and %q", err, tc.want)
			}
			if _, err := complete(t, rp, toolConversation(), nil); err != nil {
				t.Errorf("the matching request after a mismatch: %v", err)
			}
		})
	}
}

func TestReplayIgnoresJSONLayoutAndModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	rec := Record(&scripted{turns: []scriptedTurn{{resp: textResponse("a")}}}, path)
	if _, err := complete(t, rec, toolConversation(), nil); err != nil {
		t.Fatal(err)
	}
	rp, err := Replay(path)
	if err != nil {
		t.Fatal(err)
	}
	req := toolConversation()
	req.Model, req.MaxTokens = "other-model", 5
	req.Messages[1].Content[2].Input = json.RawMessage(`{ "path" : "x.txt" }`)
	req.Tools[1].Parameters = json.RawMessage(`{"required":["path"],"additionalProperties":false,"properties":{"limit":{"type":"integer"},"path":{"type":"string"}},"type":"object"}`)
	if _, err := complete(t, rp, req, nil); err != nil {
		t.Errorf("equivalent request refused: %v", err)
	}
}

func TestReplayBadCassette(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	rec := Record(&scripted{turns: []scriptedTurn{{resp: textResponse("a")}}}, good)
	if _, err := complete(t, rec, hello, nil); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	for _, tc := range []struct {
		name, content, want string
	}{
		{"torn", string(data[:len(data)*2/3]), "invalid or torn JSON at byte"},
		{"garbage", "not json", "invalid or torn JSON"},
		{"empty", "", "invalid or torn JSON"},
		{"version", `{"version":2,"interactions":[]}`, "version 2, want 1"},
		{"no version", `{"interactions":[]}`, "version 0, want 1"},
		{"wrong type", `{"version":1,"interactions":{}}`, "invalid JSON"},
		{"neither", `{"version":1,"interactions":[{"request":{"model":"m","messages":[]},"deltas":[]}]}`, "interactions[0] must hold exactly one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".json")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Replay(path); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("Replay err = %v, want %q naming the file", err, tc.want)
			}
		})
	}
	if _, err := Replay(filepath.Join(dir, "absent.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing cassette err = %v", err)
	}
}

// TestReplayRefusesNonRegularAndHuge: /dev/zero, a FIFO without a writer,
// a directory and a file over MaxCassetteBytes are refused at once with
// one clear error, before anything is read.
func TestReplayRefusesNonRegularAndHuge(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.json")
	if err := os.WriteFile(huge, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, MaxCassetteBytes+1); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/dev/zero": "not a regular file",
		fifo:        "not a regular file",
		dir:         "not a regular file",
		huge:        "over the limit of 64 MiB",
	} {
		done := make(chan error, 1)
		go func() { _, err := Replay(path); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
				t.Errorf("Replay(%s) = %v, want %q", path, err, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Replay(%s) still reading after 10s", path)
		}
	}
}

func TestCassetteFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	rec := Record(&scripted{turns: []scriptedTurn{{resp: textResponse("hello")}}}, path)
	if _, err := complete(t, rec, hello, nil); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	mustJSON(t, "cassette", raw, `{"version":1,"interactions":[{
	  "request":{"model":"","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]},
	  "deltas":["he","llo"],
	  "response":{"message":{"role":"assistant","content":[{"type":"text","text":"hello"}]},"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":4},"model":"m"}}]}`)
}
