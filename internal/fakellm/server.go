package fakellm

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// MaxBodyBytes is the largest request body the server reads (32 MiB, the
// Anthropic Messages API's request size limit); a larger body gets a 413
// error.
const MaxBodyBytes = 32 << 20

// Server is a scripted LLM provider listening on a loopback address.
//
// # Notes
//
// Steps are consumed in request arrival order. Only requests that pass the
// server's checks (method, API key, body size, JSON shape, tool pairing)
// consume a step and are recorded; the others get an error at once. Close
// ends pending Delays and shuts the listener down.
type Server struct {
	// URL is the server's base URL, "http://127.0.0.1:<port>", without a
	// trailing slash. It is the Anthropic SDK's base URL.
	URL string

	srv     *httptest.Server
	handler Handler
	done    chan struct{}
	once    sync.Once

	mu       sync.Mutex
	steps    []Step
	next     int
	requests []Request
	toolIDs  int
	cache    map[[sha256.Size]byte]bool // prompt prefixes cached so far
}

// New starts a server that answers the n-th accepted request with steps[n].
// Once the script is exhausted it answers 500 with a message saying so and
// the header x-should-retry: false, which the official SDKs obey, so a test
// that runs past its script fails fast.
func New(steps ...Step) *Server {
	return start(nil, steps)
}

// NewHandler starts a server that answers each accepted request with the step
// h returns for it.
func NewHandler(h Handler) *Server {
	return start(h, nil)
}

func start(h Handler, steps []Step) *Server {
	s := &Server{handler: h, steps: steps, done: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server: pending Delays end, open connections are closed,
// and Close returns when all handlers have returned.
func (s *Server) Close() {
	s.once.Do(func() { close(s.done) })
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// AnthropicBaseURL returns the base URL for the Anthropic SDK: URL itself.
func (s *Server) AnthropicBaseURL() string { return s.URL }

// GeminiBaseURL returns the API root for the Gemini protocol: URL + "/".
func (s *Server) GeminiBaseURL() string { return s.URL + "/" }

// OpenAIBaseURL returns the base URL for the OpenAI SDK: URL + "/v1".
func (s *Server) OpenAIBaseURL() string { return s.URL + "/v1" }

// Requests returns the accepted requests so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// protocol is one provider's wire format.
type protocol interface {
	name() string
	checkHeaders(h http.Header) (status int, err error)
	parse(body []byte) (parsed, error)
	writeError(w http.ResponseWriter, status int, message string)
	writeReply(w http.ResponseWriter, r reply, p parsed)
	ids() (messagePrefix, toolPrefix string)
}

// route returns the protocol served at path, or nil.
func route(path string) protocol {
	switch path {
	case "/v1/messages":
		return anthropic{}
	case "/v1/chat/completions":
		return openai{}
	}
	if rest, ok := strings.CutPrefix(path, "/v1beta/models/"); ok {
		if model, ok := strings.CutSuffix(rest, ":generateContent"); ok && model != "" {
			return gemini{model: model}
		}
		if model, ok := strings.CutSuffix(rest, ":streamGenerateContent"); ok && model != "" {
			return gemini{model: model, stream: true}
		}
	}
	return nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p := route(r.URL.Path)
	if p == nil {
		http.Error(w, fmt.Sprintf("fakellm: no endpoint %s %s; want POST /v1/messages, /v1/chat/completions or /v1beta/models/MODEL:generateContent", r.Method, r.URL.Path), http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		p.writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed, want POST", r.Method))
		return
	}
	if status, err := p.checkHeaders(r.Header); err != nil {
		p.writeError(w, status, err.Error())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		if maxErr := (*http.MaxBytesError)(nil); errors.As(err, &maxErr) {
			p.writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", MaxBodyBytes))
			return
		}
		p.writeError(w, http.StatusBadRequest, fmt.Sprintf("read request body: %v", err))
		return
	}
	pr, err := p.parse(body)
	if err == nil {
		err = checkToolPairing(pr.messages)
	}
	if err != nil {
		p.writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	req := Request{Protocol: p.name(), Header: r.Header.Clone(), Body: body, Stream: pr.stream, parsed: pr}
	step, n, err := s.take(req)
	if err != nil {
		w.Header().Set("x-should-retry", "false")
		p.writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if !s.wait(r.Context(), step.Delay) {
		return
	}
	for k, vs := range step.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	switch {
	case step.RawBody != "":
		writeRaw(w, step, pr.stream)
	case step.Status != 0:
		msg := step.Text
		if msg == "" {
			msg = http.StatusText(step.Status)
		}
		p.writeError(w, step.Status, msg)
	default:
		rep, err := s.reply(p, n, req, step)
		if err != nil {
			w.Header().Set("x-should-retry", "false")
			p.writeError(w, http.StatusInternalServerError, fmt.Sprintf("fakellm: step for request %d: %v", n, err))
			return
		}
		p.writeReply(w, rep, pr)
	}
}

// take records req and returns the step answering it with req's 1-based
// number, or an error when the script is exhausted.
func (s *Server) take(req Request) (Step, int, error) {
	s.mu.Lock()
	s.requests = append(s.requests, req)
	n := len(s.requests)
	if s.handler != nil {
		s.mu.Unlock()
		return s.handler(req), n, nil
	}
	defer s.mu.Unlock()
	if s.next >= len(s.steps) {
		return Step{}, n, fmt.Errorf("fakellm: script exhausted: request %d has no step (%d scripted)", n, len(s.steps))
	}
	st := s.steps[s.next]
	s.next++
	return st, n, nil
}

// wait sleeps for d and reports whether the answer should still be written.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.done:
	}
	return false
}

// writeRaw writes a Step's RawBody verbatim.
func writeRaw(w http.ResponseWriter, st Step, stream bool) {
	ct := "application/json"
	if stream {
		ct = "text/event-stream"
	}
	w.Header().Set("Content-Type", ct)
	status := st.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, st.RawBody)
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(h http.Header) string {
	token, ok := strings.CutPrefix(h.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(token)
}
