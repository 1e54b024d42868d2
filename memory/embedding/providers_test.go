package embedding

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestProviders checks each provider's request (method, path, auth header,
// body) and response decoding against a loopback server.
func TestProviders(t *testing.T) {
	tests := []struct {
		provider   string
		model      string
		dims       int
		kind       Kind
		wantModel  string
		wantPath   string
		wantHeader [2]string
		wantBody   string // JSON the request body must equal
		answer     string
	}{
		{
			provider: OpenAI, dims: 3, kind: Query, wantModel: "openai/text-embedding-3-small@3",
			wantPath: "/v1/embeddings", wantHeader: [2]string{"Authorization", "Bearer key-1"},
			wantBody: `{"model":"text-embedding-3-small","input":["a","b"],"dimensions":3,"encoding_format":"float"}`,
			answer:   `{"object":"list","data":[{"object":"embedding","index":1,"embedding":[0,1,0]},{"object":"embedding","index":0,"embedding":[1,0,0]}]}`,
		},
		{
			provider: Mistral, wantModel: "mistral/mistral-embed",
			wantPath: "/v1/embeddings", wantHeader: [2]string{"Authorization", "Bearer key-1"},
			wantBody: `{"model":"mistral-embed","input":["a","b"]}`,
			answer:   `{"data":[{"index":0,"embedding":[1,0,0]},{"index":1,"embedding":[0,1,0]}]}`,
		},
		{
			provider: Voyage, kind: Query, wantModel: "voyage/voyage-3-lite",
			wantPath: "/v1/embeddings", wantHeader: [2]string{"Authorization", "Bearer key-1"},
			wantBody: `{"model":"voyage-3-lite","input":["a","b"],"input_type":"query"}`,
			answer:   `{"object":"list","data":[{"index":0,"embedding":[1,0,0]},{"index":1,"embedding":[0,1,0]}],"usage":{"total_tokens":2}}`,
		},
		{
			provider: Gemini, dims: 3, kind: Document, wantModel: "gemini/gemini-embedding-001@3",
			wantPath: "/v1beta/models/gemini-embedding-001:batchEmbedContents", wantHeader: [2]string{"X-Goog-Api-Key", "key-1"},
			wantBody: `{"requests":[` +
				`{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"a"}]},"taskType":"RETRIEVAL_DOCUMENT","outputDimensionality":3},` +
				`{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"b"}]},"taskType":"RETRIEVAL_DOCUMENT","outputDimensionality":3}]}`,
			answer: `{"embeddings":[{"values":[1,0,0]},{"values":[0,1,0]}]}`,
		},
		{
			provider: Ollama, kind: Query, wantModel: "ollama/nomic-embed-text",
			wantPath: "/api/embed", wantHeader: [2]string{"Authorization", "Bearer key-1"},
			wantBody: `{"model":"nomic-embed-text","input":["search_query: a","search_query: b"]}`,
			answer:   `{"model":"nomic-embed-text","embeddings":[[1,0,0],[0,1,0]]}`,
		},
		{
			provider: Ollama, model: "mxbai-embed-large", wantModel: "ollama/mxbai-embed-large",
			wantPath: "/api/embed", wantHeader: [2]string{"Authorization", "Bearer key-1"},
			wantBody: `{"model":"mxbai-embed-large","input":["a","b"]}`,
			answer:   `{"embeddings":[[1,0,0],[0,1,0]]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.wantModel, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				switch {
				case r.Method != http.MethodPost:
					t.Errorf("method %s", r.Method)
				case r.URL.Path != tt.wantPath:
					t.Errorf("path %q, want %q", r.URL.Path, tt.wantPath)
				case r.Header.Get(tt.wantHeader[0]) != tt.wantHeader[1]:
					t.Errorf("header %s = %q, want %q", tt.wantHeader[0], r.Header.Get(tt.wantHeader[0]), tt.wantHeader[1])
				case r.Header.Get("Content-Type") != "application/json":
					t.Errorf("content type %q", r.Header.Get("Content-Type"))
				case !jsonEqual(t, string(body), tt.wantBody):
					t.Errorf("body %s\nwant %s", body, tt.wantBody)
				}
				fmt.Fprint(w, tt.answer)
			}))
			defer srv.Close()
			base := srv.URL
			switch tt.provider {
			case OpenAI, Mistral, Voyage:
				base += "/v1"
			case Gemini:
				base += "/v1beta"
			}
			e, err := New(Config{Provider: tt.provider, Model: tt.model, APIKey: "key-1", BaseURL: base + "/", Trusted: true, Dimensions: tt.dims})
			if err != nil {
				t.Fatal(err)
			}
			if e.Model() != tt.wantModel {
				t.Errorf("Model() = %q, want %q", e.Model(), tt.wantModel)
			}
			vecs, err := e.Embed(context.Background(), []string{"a", "b"}, tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			if len(vecs) != 2 || vecs[0][0] != 1 || vecs[1][1] != 1 {
				t.Fatalf("vectors %v, want [[1 0 0] [0 1 0]]", vecs)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		return false
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("bad expected JSON %s: %v", b, err)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}

func TestBatchesSplitAndOrdered(t *testing.T) {
	var sizes []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req openAIRequest
		json.NewDecoder(r.Body).Decode(&req)
		sizes = append(sizes, len(req.Input))
		var parts []string
		for i, in := range req.Input {
			parts = append(parts, fmt.Sprintf(`{"index":%d,"embedding":[%s]}`, i, strings.TrimPrefix(in, "t")))
		}
		fmt.Fprintf(w, `{"data":[%s]}`, strings.Join(parts, ","))
	}))
	defer srv.Close()
	e, err := New(Config{Provider: OpenAI, APIKey: "k", BaseURL: srv.URL, Trusted: true, MaxBatch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if e.MaxBatch() != 2 {
		t.Fatalf("MaxBatch = %d", e.MaxBatch())
	}
	vecs, err := e.Embed(context.Background(), []string{"t1", "t2", "t3", "t4", "t5"}, Document)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sizes) != "[2 2 1]" {
		t.Errorf("batch sizes %v, want [2 2 1]", sizes)
	}
	for i, v := range vecs {
		if v[0] != float32(i+1) {
			t.Errorf("vector %d = %v, want [%d]", i, v, i+1)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{
		"OPENAI_API_KEY": "o-key", "GOOGLE_API_KEY": "g-key", "VOYAGE_API_KEY": "v-key",
		"MISTRAL_API_KEY": "m-key", "MISTRAL_BASE_URL": "https://mistral.internal/v1", "OLLAMA_HOST": "0.0.0.0:11434",
	}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		provider, key, base string
		trusted             bool
	}{
		{OpenAI, "o-key", "", false},
		{Gemini, "g-key", "", false},
		{Voyage, "v-key", "", false},
		{Mistral, "m-key", "https://mistral.internal/v1", true},
		{Ollama, "", "http://127.0.0.1:11434", true},
	}
	for _, tt := range tests {
		cfg, err := FromEnv(tt.provider, "", getenv)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.APIKey != tt.key || cfg.BaseURL != tt.base || cfg.Trusted != tt.trusted {
			t.Errorf("FromEnv(%s) = key %q base %q trusted %v, want %q %q %v", tt.provider, cfg.APIKey, cfg.BaseURL, cfg.Trusted, tt.key, tt.base, tt.trusted)
		}
	}
	env["GEMINI_API_KEY"] = "gem-key"
	if cfg, _ := FromEnv(Gemini, "", getenv); cfg.APIKey != "gem-key" {
		t.Errorf("GEMINI_API_KEY should win over GOOGLE_API_KEY, got %q", cfg.APIKey)
	}
	if _, err := FromEnv("cohere", "", getenv); err == nil {
		t.Error("unknown provider accepted")
	}
}
