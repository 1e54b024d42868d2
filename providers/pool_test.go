package providers

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// keyedServer answers per API key: keyOf reads the key of a request.
func bearerKey(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// noticeLog collects notices, safe for concurrent use.
type noticeLog struct {
	mu sync.Mutex
	ns []Notice
}

func (l *noticeLog) add(n Notice) { l.mu.Lock(); l.ns = append(l.ns, n); l.mu.Unlock() }
func (l *noticeLog) kinds() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, n := range l.ns {
		out = append(out, string(n.Kind)+":"+n.Key)
	}
	return out
}

func TestKeyRotationAndDrop(t *testing.T) {
	const a, b, c = "sk-key-A-0000000000", "sk-key-B-1111111111", "sk-key-C-2222222222"
	var used []string
	var mu sync.Mutex
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		k := bearerKey(r)
		mu.Lock()
		used = append(used, k)
		mu.Unlock()
		switch k {
		case a:
			w.Header().Set("Retry-After", "60")
			writeJSON(w, 429, `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`)
		case b:
			writeJSON(w, 402, `{"error":{"code":402,"message":"Insufficient credits. Add more using https://openrouter.ai/settings/credits"}}`)
		default:
			writeJSON(w, 200, openaiToolReply)
		}
	})
	var platform noticeLog
	h := NewHealth(HealthConfig{Notify: platform.add})
	build := func() Provider {
		p, err := New(Config{Name: "openai", APIKeys: []string{a, b, c}, BaseURL: srv.URL, NoStream: true, Health: h})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	var run noticeLog
	ctx := WithObserver(context.Background(), Observer{Notice: run.add})
	if _, err := build().Complete(ctx, hello, nil); err != nil {
		t.Fatal(err)
	}
	fa, fb := Fingerprint(a), Fingerprint(b)
	if want := []string{a, b, c}; !slices.Equal(used, want) {
		t.Errorf("keys used = %v, want A, B, C", fingerprints(used))
	}
	if got, want := run.kinds(), []string{"cooldown:" + fa, "rotate:" + fa, "key_dropped:" + fb, "rotate:" + fb}; !slices.Equal(got, want) {
		t.Errorf("notices = %v, want %v", got, want)
	}
	if got := platform.kinds(); !slices.Equal(got, []string{"key_dropped:" + fb}) {
		t.Errorf("platform notices = %v", got)
	}
	if d := h.Dropped("openai", []string{a, b, c}); len(d) != 1 || d[fb] != Billing {
		t.Errorf("Dropped = %v", d)
	}
	// Another run of the platform skips the cooling and the dropped key.
	used = nil
	if _, err := build().Complete(context.Background(), hello, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(used, []string{c}) {
		t.Errorf("second run used %v, want only C", fingerprints(used))
	}
	// With only the dropped key, the failure says so at once.
	only, _ := New(Config{Name: "openai", APIKey: b, BaseURL: srv.URL, Health: h})
	_, err := only.Complete(context.Background(), hello, nil)
	if pe := asError(t, err); pe.Class != Billing || !strings.Contains(pe.Message, "dropped") {
		t.Errorf("dropped-only pool: %v", err)
	}
	for _, n := range append(run.ns, platform.ns...) {
		for _, k := range []string{a, b, c} {
			if strings.Contains(n.Message, k) || n.Key == k {
				t.Errorf("notice %+v names a key", n)
			}
		}
	}
}

func fingerprints(keys []string) []string {
	var out []string
	for _, k := range keys {
		out = append(out, Fingerprint(k))
	}
	return out
}

func TestCooldownSharedByConcurrentRuns(t *testing.T) {
	const a, b = "sk-key-A-0000000000", "sk-key-B-1111111111"
	var hitsA, hitsB atomic.Int32
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		if bearerKey(r) == a {
			hitsA.Add(1)
			w.Header().Set("Retry-After", "30")
			writeJSON(w, 429, `{"error":{"message":"slow down","type":"tokens","code":"rate_limit_exceeded"}}`)
			return
		}
		hitsB.Add(1)
		writeJSON(w, 200, openaiToolReply)
	})
	h := NewHealth(HealthConfig{})
	build := func() Provider {
		p, err := New(Config{Name: "openai", APIKeys: []string{a, b}, BaseURL: srv.URL, NoStream: true, Health: h})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := build().Complete(context.Background(), hello, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			if _, err := build().Complete(context.Background(), hello, nil); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if hitsA.Load() != 1 || hitsB.Load() != 21 {
		t.Errorf("hits A %d B %d; after A's rate limit every run must use B", hitsA.Load(), hitsB.Load())
	}
	// The same key for another model is not cooling (rate limits are per
	// key and model).
	req := hello
	req.Model = "other-model"
	if _, err := build().Complete(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	if hitsA.Load() != 2 {
		t.Errorf("key A not tried for another model (hits %d)", hitsA.Load())
	}
}

func TestProbeAfterCooldown(t *testing.T) {
	var mu sync.Mutex
	var arrivals []time.Time
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		if hit < 2 {
			writeJSON(w, 503, `{"error":{"message":"The model is overloaded.","type":"server_error"}}`)
			return
		}
		if hit == 2 {
			time.Sleep(300 * time.Millisecond) // the probe takes its time
		}
		writeJSON(w, 200, openaiToolReply)
	})
	h := NewHealth(HealthConfig{BaseCooldown: 200 * time.Millisecond})
	build := func(retries int) Provider {
		p, err := New(Config{Name: "openai", APIKey: testKey, BaseURL: srv.URL, NoStream: true, Health: h,
			MaxRetries: retries, RetryBackoff: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Two overloads in a row: the model cools down for every caller.
	if _, err := build(1).Complete(context.Background(), hello, nil); asError(t, err).Class != Overloaded {
		t.Fatalf("err = %v", err)
	}
	failedAt := time.Now()
	// Five runs arrive during the cooldown: they wait, one probes, the rest
	// follow the probe's success.
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if _, err := build(-1).Complete(context.Background(), hello, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(arrivals) != 7 {
		t.Fatalf("%d requests, want 2 failures + 5", len(arrivals))
	}
	probe := arrivals[2]
	if probe.Sub(failedAt) < 150*time.Millisecond {
		t.Errorf("probe sent %v after the failure, before the cooldown ended", probe.Sub(failedAt))
	}
	for i, at := range arrivals[3:] {
		if at.Sub(probe) < 250*time.Millisecond {
			t.Errorf("request %d arrived %v after the probe, before its verdict", i+4, at.Sub(probe))
		}
	}
}

func TestCooldownFailsFastWhenTooLong(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		writeJSON(w, 401, `{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}`)
	})
	h := NewHealth(HealthConfig{})
	p, _ := New(Config{Name: "groq", APIKey: testKey, BaseURL: srv.URL, Health: h})
	if _, err := p.Complete(context.Background(), hello, nil); asError(t, err).Class != Auth {
		t.Fatalf("err = %v", err)
	}
	start := time.Now()
	_, err := p.Complete(context.Background(), hello, nil)
	pe := asError(t, err)
	if pe.Class != Auth || pe.RetryAfter < 9*time.Minute || !strings.Contains(pe.Message, "cooling down") || time.Since(start) > time.Second {
		t.Errorf("second call: %v (retry after %v)", err, pe.RetryAfter)
	}
	if srv.hits() != 1 {
		t.Errorf("a rejected key was sent again during its cooldown (%d hits)", srv.hits())
	}
}
