package providers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// protocols lists one provider per wire protocol with a valid reply for
// each mode, so error tests run against both SDKs.
var protocols = []struct {
	name   string
	reply  string
	stream func(http.ResponseWriter)
}{
	{"anthropic", anthropicToolReply, anthropicStream},
	{"openai", openaiToolReply, openaiStream},
}

var hello = chat.Request{Messages: []chat.Message{chat.UserText("hi")}}

func TestHTTPErrors(t *testing.T) {
	for _, proto := range protocols {
		for _, tc := range []struct {
			status     int
			body       string
			retries    int
			kind       Class
			wantHits   int
			wantInText string
		}{
			{401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`, 0, Auth, 1, "401 authentication failed: invalid x-api-key"},
			{403, `{"error":{"message":"forbidden here","type":"permission_error"}}`, 0, Auth, 1, "403 authentication failed: forbidden here"},
			{400, `{"error":{"message":"messages: bad","type":"invalid_request_error","param":null,"code":null}}`, 0, BadRequest, 1, "400 bad request: messages: bad"},
			{404, `not json at all`, 0, Unknown, 1, "404 error: not json at all"},
			{429, `{"error":{"message":"slow down","type":"rate_limit_error"}}`, 0, RateLimit, 3, "429 rate limited: slow down"},
			{500, `{"error":{"message":"boom","type":"api_error"}}`, 0, Server, 3, "500 server error: boom"},
			{529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, 1, Overloaded, 2, "529 overloaded: Overloaded"},
			{503, `[{"error":{"code":503,"message":"model overloaded","status":"UNAVAILABLE"}}]`, 3, Overloaded, 4, "503 overloaded: model overloaded"},
			{502, ``, -1, Server, 1, "502 server error: Bad Gateway"},
		} {
			t.Run(proto.name+"/"+http.StatusText(tc.status), func(t *testing.T) {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
					writeJSON(w, tc.status, tc.body)
				})
				p := newTestProvider(t, proto.name, srv.URL, func(c *Config) { c.MaxRetries = tc.retries })
				_, err := complete(t, p, hello, nil)
				pe := asError(t, err)
				if pe.Provider != proto.name || pe.Status != tc.status || pe.Class != tc.kind {
					t.Errorf("got provider %q status %d kind %q, want %q %d %q", pe.Provider, pe.Status, pe.Class, proto.name, tc.status, tc.kind)
				}
				if want := proto.name + ": " + tc.wantInText; err.Error() != want {
					t.Errorf("Error() = %q\nwant      %q", err.Error(), want)
				}
				if got := srv.hits(); got != tc.wantHits {
					t.Errorf("server hits = %d, want %d", got, tc.wantHits)
				}
			})
		}
	}
}

func TestRetryThenSuccess(t *testing.T) {
	for _, proto := range protocols {
		for _, stream := range []bool{false, true} {
			t.Run(proto.name, func(t *testing.T) {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
					switch {
					case hit == 0:
						writeJSON(w, 500, `{"error":{"message":"transient"}}`)
					case stream:
						proto.stream(w)
					default:
						writeJSON(w, 200, proto.reply)
					}
				})
				p := newTestProvider(t, proto.name, srv.URL, func(c *Config) { c.NoStream = !stream })
				resp, err := complete(t, p, hello, nil)
				if err != nil {
					t.Fatal(err)
				}
				wantBlocks(t, resp.Message.Content, wantToolBlocks)
				if srv.hits() != 2 {
					t.Errorf("hits = %d, want 2", srv.hits())
				}
			})
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Run("short wait honoured", func(t *testing.T) {
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
			if hit == 0 {
				w.Header().Set("Retry-After-Ms", "300")
				writeJSON(w, 429, `{"error":{"message":"wait"}}`)
				return
			}
			writeJSON(w, 200, openaiToolReply)
		})
		p := newTestProvider(t, "openai", srv.URL, func(c *Config) { c.NoStream = true })
		start := time.Now()
		if _, err := complete(t, p, hello, nil); err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el < 300*time.Millisecond {
			t.Errorf("retried after %v, before the 300ms the provider asked for", el)
		}
	})
	t.Run("long wait not retried", func(t *testing.T) {
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
			w.Header().Set("Retry-After", "3600")
			writeJSON(w, 429, `{"error":{"message":"come back later"}}`)
		})
		p := newTestProvider(t, "anthropic", srv.URL, nil)
		start := time.Now()
		_, err := complete(t, p, hello, nil)
		if pe := asError(t, err); pe.Class != RateLimit {
			t.Errorf("kind = %q", pe.Class)
		}
		if srv.hits() != 1 || time.Since(start) > 5*time.Second {
			t.Errorf("hits = %d after %v, want 1 at once", srv.hits(), time.Since(start))
		}
	})
	t.Run("limit is configurable", func(t *testing.T) {
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 503, `{"error":{"message":"busy"}}`)
		})
		p := newTestProvider(t, "openai", srv.URL, func(c *Config) { c.MaxRetryDelay = 500 * time.Millisecond })
		complete(t, p, hello, nil)
		if srv.hits() != 1 {
			t.Errorf("hits = %d; a 1s Retry-After exceeds MaxRetryDelay 500ms", srv.hits())
		}
	})
}

func TestRetryDefaults(t *testing.T) {
	p, err := New(Config{Name: "openai", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	c := p.(*client)
	if c.retry.maxRetries != 2 || c.retry.backoff != 500*time.Millisecond || c.retry.maxDelay != 30*time.Second ||
		c.timeout != 10*time.Minute || c.maxTokens != 8192 || c.maxBody != 32<<20 {
		t.Errorf("defaults = %+v timeout %v max tokens %d", c.retry, c.timeout, c.maxTokens)
	}
	// Full jitter: uniform in [0, min(cap, base·2^retry)).
	e := &Error{Class: Server}
	pol := retryPolicy{maxRetries: 3, backoff: 100 * time.Millisecond, maxDelay: 250 * time.Millisecond}
	for retry := range 3 {
		ceiling := min(100*time.Millisecond<<retry, 250*time.Millisecond)
		var top time.Duration
		for range 200 {
			d, ok := pol.delay(context.Background(), retry, e)
			if !ok || d < 0 || d >= ceiling {
				t.Fatalf("retry %d: delay %v ok %v, want in [0, %v)", retry, d, ok, ceiling)
			}
			top = max(top, d)
		}
		if top < ceiling/2 {
			t.Errorf("retry %d: 200 delays all below %v; not spread over [0, %v)", retry, top, ceiling)
		}
	}
	if _, ok := pol.delay(context.Background(), 3, e); ok {
		t.Error("retried past maxRetries")
	}
	for _, c := range []Class{BadRequest, ContextOverflow, Auth, AuthPermanent, Billing, ModelNotFound, Unknown} {
		if _, ok := pol.delay(context.Background(), 0, &Error{Class: c}); ok {
			t.Errorf("%s was retried", c)
		}
	}
	if _, ok := pol.delay(context.Background(), 0, &Error{Class: Server, noRetry: true}); ok {
		t.Error("retried despite x-should-retry: false")
	}
	// A wait that would outlast the deadline is not taken.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, ok := pol.delay(ctx, 0, &Error{Class: RateLimit, RetryAfter: 200 * time.Millisecond}); ok {
		t.Error("waited past the context deadline")
	}
	if d, ok := pol.delay(context.Background(), 0, &Error{Class: RateLimit, RetryAfter: 200 * time.Millisecond}); !ok || d != 200*time.Millisecond {
		t.Errorf("Retry-After 200ms: delay %v ok %v", d, ok)
	}
}

func TestBadResponses(t *testing.T) {
	for _, proto := range protocols {
		for name, handle := range map[string]func(http.ResponseWriter){
			"invalid JSON":        func(w http.ResponseWriter) { writeJSON(w, 200, `{"id": "x", "choices": [`) },
			"wrong shape":         func(w http.ResponseWriter) { writeJSON(w, 200, `{}`) },
			"truncated stream":    truncatedStream(proto.name),
			"bad JSON in stream":  func(w http.ResponseWriter) { s := startSSE(w); s.send("message_start", `{"type":`) },
			"empty event stream":  func(w http.ResponseWriter) { startSSE(w) },
			"html instead of SSE": func(w http.ResponseWriter) { w.Header().Set("Content-Type", "text/html"); w.Write([]byte("<html>")) },
		} {
			t.Run(proto.name+"/"+name, func(t *testing.T) {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) { handle(w) })
				stream := strings.Contains(name, "stream") || strings.Contains(name, "SSE")
				p := newTestProvider(t, proto.name, srv.URL, func(c *Config) { c.NoStream = !stream })
				_, err := complete(t, p, hello, nil)
				pe := asError(t, err)
				if (pe.Class != Server && pe.Class != Network) || pe.Status != 0 {
					t.Errorf("err = %v, want server or network", err)
				}
				if srv.hits() != 3 {
					t.Errorf("hits = %d; a bad or broken answer is retried twice", srv.hits())
				}
			})
		}
	}
}

// truncatedStream returns a handler whose stream stops mid-message and
// closes cleanly.
func truncatedStream(name string) func(http.ResponseWriter) {
	if name == "anthropic" {
		return func(w http.ResponseWriter) {
			s := startSSE(w)
			s.send("message_start", `{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}`)
			s.send("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
		}
	}
	return func(w http.ResponseWriter) {
		s := startSSE(w)
		s.send("", `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}`)
	}
}

func TestStreamErrorEvent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(sse)
		kind  Class
		hits  int
	}{
		{"anthropic", func(s sse) {
			s.send("error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
		}, Overloaded, 3},
		{"anthropic", func(s sse) {
			s.send("message_start", `{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}`)
			s.send("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
			s.send("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"partial"}}`)
			s.send("error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
		}, Overloaded, 1},
		{"openai", func(s sse) {
			s.send("", `{"error":{"message":"rate limit reached","type":"rate_limit_exceeded"}}`)
		}, RateLimit, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) { tc.write(startSSE(w)) })
			p := newTestProvider(t, tc.name, srv.URL, nil)
			onText, deltas := collect()
			_, err := complete(t, p, hello, onText)
			pe := asError(t, err)
			if pe.Class != tc.kind || !strings.Contains(pe.Message, "error event in stream") {
				t.Errorf("err = %v, want %s from a stream error event", err, tc.kind)
			}
			if srv.hits() != tc.hits {
				t.Errorf("hits = %d, want %d (no retry once text was streamed)", srv.hits(), tc.hits)
			}
			if tc.hits == 1 && len(*deltas) != 1 {
				t.Errorf("deltas = %q", *deltas)
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	for _, proto := range protocols {
		t.Run(proto.name, func(t *testing.T) {
			p := newTestProvider(t, proto.name, "http://"+addr+"/", nil)
			_, err := complete(t, p, hello, nil)
			pe := asError(t, err)
			if pe.Class != Network || pe.Status != 0 {
				t.Errorf("err = %v, want network", err)
			}
			if want := "cannot reach " + addr; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "refused") {
				t.Errorf("Error() = %q, want it to name %q and the refusal", err.Error(), addr)
			}
		})
	}
}

func TestAttemptTimeout(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	// Generous enough that both attempts reach the server on a loaded machine.
	p := newTestProvider(t, "anthropic", srv.URL, func(c *Config) { c.Timeout = time.Second; c.MaxRetries = 1 })
	_, err := complete(t, p, hello, nil)
	pe := asError(t, err)
	if pe.Class != Timeout || !strings.Contains(pe.Message, "no complete answer from 127.0.0.1") || !strings.Contains(pe.Message, "within 1s") {
		t.Errorf("err = %v, want a timeout", err)
	}
	if srv.hits() != 2 {
		t.Errorf("hits = %d; a timeout is retried once", srv.hits())
	}
}

func TestContextCancelled(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		writeJSON(w, 500, `{"error":{"message":"boom"}}`)
	})
	// A retry delay that would outlast the deadline is not slept: the
	// failure comes back at once.
	p := newTestProvider(t, "openai", srv.URL, func(c *Config) { c.RetryBackoff = time.Hour; c.MaxRetryDelay = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := p.Complete(ctx, hello, nil)
	if pe := asError(t, err); pe.Class != Server || srv.hits() != 1 || ctx.Err() != nil {
		t.Errorf("err = %v after %d hits (context: %v)", err, srv.hits(), ctx.Err())
	}
	// A cancelled context wins over everything.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := p.Complete(cctx, hello, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestKeyNeverInErrors(t *testing.T) {
	for _, proto := range protocols {
		t.Run(proto.name, func(t *testing.T) {
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
				writeJSON(w, 401, `{"error":{"message":"Incorrect API key provided: `+testKey+`.","type":"invalid_request_error"}}`)
			})
			p := newTestProvider(t, proto.name, srv.URL, nil)
			_, err := complete(t, p, hello, nil)
			if err == nil || strings.Contains(err.Error(), testKey) || !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("Error() = %q, want the key redacted", err)
			}
		})
	}
}

func TestResponseSizeLimit(t *testing.T) {
	for _, proto := range protocols {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", proto.name, stream), func(t *testing.T) {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
					if stream {
						proto.stream(w)
					} else {
						writeJSON(w, 200, proto.reply)
					}
				})
				p := newTestProvider(t, proto.name, srv.URL, func(c *Config) { c.NoStream = !stream; c.MaxResponseBytes = 200 })
				_, err := complete(t, p, hello, nil)
				pe := asError(t, err)
				if pe.Class != Unknown || !strings.Contains(pe.Message, "200-byte limit") {
					t.Errorf("err = %v, want unknown naming the limit", err)
				}
				big := newTestProvider(t, proto.name, srv.URL, func(c *Config) { c.NoStream = !stream; c.MaxResponseBytes = 1 << 20 })
				if _, err := complete(t, big, hello, nil); err != nil {
					t.Errorf("within the limit: %v", err)
				}
			})
		}
	}
}
