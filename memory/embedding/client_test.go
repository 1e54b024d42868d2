package embedding

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// scripted serves the given statuses in order (the last repeats); a 200
// answers with one two-dimensional vector per input.
func scripted(t *testing.T, statuses []int, header http.Header, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		code := statuses[min(i, len(statuses)-1)]
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(code)
		if code == 200 && body == "" {
			fmt.Fprint(w, `{"data":[{"index":0,"embedding":[0.6,0.8]}]}`)
			return
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func testConfig(base string) Config {
	return Config{Provider: OpenAI, APIKey: "sk-secret-key", BaseURL: base, Trusted: true,
		RetryBase: time.Millisecond, RetryMax: 5 * time.Millisecond, MaxRetries: 3}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name         string
		statuses     []int
		body         string
		wantAttempts int32
		wantCode     int // 0: success
		wantErr      error
	}{
		{name: "429 then 503 then ok", statuses: []int{429, 503, 200}, wantAttempts: 3},
		{name: "500 forever", statuses: []int{500}, wantAttempts: 4, wantCode: 500},
		{name: "400 is not retried", statuses: []int{400}, wantAttempts: 1, wantCode: 400},
		{name: "401 is not retried", statuses: []int{401}, wantAttempts: 1, wantCode: 401},
		{name: "malformed JSON is not retried", statuses: []int{200}, body: `{"data":[`, wantAttempts: 1, wantErr: ErrBadResponse},
		{name: "too few vectors", statuses: []int{200}, body: `{"data":[]}`, wantAttempts: 1, wantErr: ErrBadResponse},
		{name: "repeated index", statuses: []int{200}, body: `{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}`, wantAttempts: 1, wantErr: ErrBadResponse},
		{name: "empty vector", statuses: []int{200}, body: `{"data":[{"index":0,"embedding":[]}]}`, wantAttempts: 1, wantErr: ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := scripted(t, tt.statuses, nil, tt.body)
			e, err := New(testConfig(srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			vecs, err := e.Embed(context.Background(), []string{"hello"}, Document)
			if got := n.Load(); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
			var se *StatusError
			switch {
			case tt.wantCode != 0:
				if !errors.As(err, &se) || se.Code != tt.wantCode {
					t.Fatalf("err = %v, want status %d", err, tt.wantCode)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			default:
				if err != nil || len(vecs) != 1 || vecs[0][1] != 0.8 {
					t.Fatalf("Embed = %v, %v", vecs, err)
				}
			}
		})
	}
}

func TestErrorBodyRedactsKey(t *testing.T) {
	srv, _ := scripted(t, []int{401}, nil, `{"error":"Incorrect API key provided: sk-secret-key"}`)
	e, _ := New(testConfig(srv.URL))
	_, err := e.Embed(context.Background(), []string{"x"}, Document)
	if err == nil || strings.Contains(err.Error(), "sk-secret-key") || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("error %q leaks or lacks redaction", err)
	}
}

// TestErrorBodyRedactsKeyAcrossTheCut: a key that straddles the point
// where the error body is clipped leaves no fragment: the body is redacted
// before it is cut (issue 9, bug 2).
func TestErrorBodyRedactsKeyAcrossTheCut(t *testing.T) {
	const key = "zq7Kx9Wm2Lp4Vn8Rt6Yb"
	for _, before := range []int{maxErrorBody - 10, maxErrorBody - 1, maxErrorBody - len(key) + 1} {
		body := strings.Repeat("x", before) + key + " is not a valid key"
		srv, _ := scripted(t, []int{401}, nil, body)
		cfg := testConfig(srv.URL)
		cfg.APIKey = key
		e, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Embed(context.Background(), []string{"x"}, Document)
		var se *StatusError
		if !errors.As(err, &se) {
			t.Fatalf("key at byte %d: %v, want a StatusError", before, err)
		}
		if strings.Contains(err.Error(), key[:3]) || len(se.Body) > maxErrorBody+len("…") {
			t.Errorf("key at byte %d: error %q (body of %d bytes) leaks the key or is too long", before, err, len(se.Body))
		}
	}
}

func TestResponseSizeLimit(t *testing.T) {
	srv, _ := scripted(t, []int{200}, nil, `{"data":[{"index":0,"embedding":[`+strings.Repeat("0.1,", 1000)+`0.1]}]}`)
	cfg := testConfig(srv.URL)
	cfg.MaxResponseBytes = 512
	e, _ := New(cfg)
	if _, err := e.Embed(context.Background(), []string{"x"}, Document); !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "512 bytes") {
		t.Fatalf("Embed = %v, want size limit error", err)
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-r.Context().Done():
		case <-time.After(300 * time.Millisecond):
		}
	}))
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.Timeout = 50 * time.Millisecond
	cfg.MaxRetries = 1
	e, _ := New(cfg)
	start := time.Now()
	_, err := e.Embed(context.Background(), []string{"x"}, Document)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Embed = %v, want deadline exceeded", err)
	}
	if n.Load() != 2 {
		t.Errorf("attempts = %d, want 2", n.Load())
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v, want about 100ms", d)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	srv, _ := scripted(t, []int{503}, nil, "")
	cfg := testConfig(srv.URL)
	cfg.RetryBase, cfg.RetryMax = 10*time.Second, 10*time.Second
	e, _ := New(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Embed(ctx, []string{"x"}, Document)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Embed = %v, want context deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancellation took %v", d)
	}
}

func TestBackoff(t *testing.T) {
	c := &client{cfg: Config{RetryBase: 10 * time.Millisecond, RetryMax: 80 * time.Millisecond}}
	for attempt := range 40 {
		for range 50 {
			ceiling := min(80*time.Millisecond, 10*time.Millisecond<<min(attempt, 20))
			if w := c.backoff(attempt, errors.New("x")); w < 0 || w > ceiling {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", attempt, w, ceiling)
			}
		}
	}
	if w := c.backoff(0, &StatusError{Code: 429, RetryAfter: 50 * time.Millisecond}); w < 50*time.Millisecond {
		t.Errorf("backoff ignores Retry-After: %v", w)
	}
	if w := c.backoff(0, &StatusError{Code: 429, RetryAfter: time.Hour}); w != 80*time.Millisecond {
		t.Errorf("Retry-After not capped at RetryMax: %v", w)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Thu, 02 Jan 2025 03:04:15 GMT": 10 * time.Second,
		"Thu, 02 Jan 2025 03:04:00 GMT": 0,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	srv, n := scripted(t, []int{429, 200}, http.Header{"Retry-After": {"1"}}, "")
	cfg := testConfig(srv.URL)
	cfg.RetryMax = 2 * time.Second
	e, _ := New(cfg)
	start := time.Now()
	if _, err := e.Embed(context.Background(), []string{"x"}, Document); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v, want at least the 1 s Retry-After", d)
	}
	if n.Load() != 2 {
		t.Errorf("attempts = %d, want 2", n.Load())
	}
}

func TestNewValidates(t *testing.T) {
	tests := []Config{
		{Provider: "nope"},
		{Provider: OpenAI},
		{Provider: Gemini},
		{Provider: OpenAI, APIKey: "k", BaseURL: "ftp://x"},
		{Provider: OpenAI, APIKey: "k", BaseURL: "http://"},
		{Provider: OpenAI, APIKey: "k", Dimensions: -1},
	}
	for _, cfg := range tests {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
	if _, err := New(Config{Provider: Ollama}); err != nil {
		t.Errorf("ollama needs no key: %v", err)
	}
}
