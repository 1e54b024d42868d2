package providers

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// TestIdleTimeout: a provider that answers with headers, one event or a
// keep-alive comment and then goes silent fails the attempt as a
// retryable network error after the idle timeout, not after the
// ten-minute attempt timeout; each attempt gets its own timer.
func TestIdleTimeout(t *testing.T) {
	stalls := map[string]func(w http.ResponseWriter){
		"headers only": func(w http.ResponseWriter) { startSSE(w); w.(http.Flusher).Flush() },
		"one event": func(w http.ResponseWriter) {
			startSSE(w).send("message_start", `{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[],"stop_reason":null,"usage":{"input_tokens":1,"output_tokens":0}}}`)
		},
		"no headers": func(http.ResponseWriter) {},
	}
	for name, stall := range stalls {
		t.Run(name, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				stall(w)
				select {
				case <-release:
				case <-r.Context().Done():
				}
			})
			p := newTestProvider(t, "anthropic", srv.URL, func(c *Config) {
				c.IdleTimeout = 200 * time.Millisecond
				c.MaxRetries = 1
				c.RetryBackoff = time.Millisecond
			})
			start := time.Now()
			_, err := complete(t, p, chat.Request{Messages: []chat.Message{chat.UserText("hi")}}, nil)
			elapsed := time.Since(start)
			var pe *Error
			if !errors.As(err, &pe) || pe.Class != Network || !strings.Contains(pe.Message, "no data from") || !strings.Contains(pe.Message, "200ms") {
				t.Fatalf("err = %v, want a network error naming the idle timeout", err)
			}
			if srv.hits() != 2 {
				t.Errorf("%d attempts, want 2 (the idle failure is retried once)", srv.hits())
			}
			if elapsed > 5*time.Second {
				t.Errorf("failed after %v", elapsed)
			}
		})
	}
}

// TestIdleTimeoutResetByData: a slow stream whose events arrive more often
// than the idle timeout completes.
func TestIdleTimeoutResetByData(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		s := startSSE(w)
		s.send("message_start", `{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[],"stop_reason":null,"usage":{"input_tokens":1,"output_tokens":0}}}`)
		s.send("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
		for range 12 { // 1.2 s in all, more than twice the idle timeout
			time.Sleep(100 * time.Millisecond)
			s.send("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}`)
		}
		s.send("content_block_stop", `{"type":"content_block_stop","index":0}`)
		s.send("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":6}}`)
		s.send("message_stop", `{"type":"message_stop"}`)
	})
	p := newTestProvider(t, "anthropic", srv.URL, func(c *Config) { c.IdleTimeout = 500 * time.Millisecond; c.MaxRetries = -1 })
	resp, err := complete(t, p, chat.Request{Messages: []chat.Message{chat.UserText("hi")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Message.Text(); got != strings.Repeat("x", 12) {
		t.Fatalf("text %q", got)
	}
}
