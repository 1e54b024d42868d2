package fakeembed

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Ollama is a running fake Ollama server; its URL is the value for
// OLLAMA_HOST. Close it when done.
type Ollama struct {
	*httptest.Server
	mu     sync.Mutex
	inputs []string
}

// NewOllama starts a server on loopback. Each input text s is embedded as
// [len(s)%7 + 1, 1, 0.5]: texts of different lengths point in different
// directions, and the same text always gets the same vector.
func NewOllama() *Ollama {
	o := &Ollama{}
	o.Server = httptest.NewServer(http.HandlerFunc(o.serve))
	return o
}

// Inputs returns the texts embedded so far, in the order received.
func (o *Ollama) Inputs() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.inputs...)
}

func (o *Ollama) serve(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Input []string `json:"input"`
	}
	if r.Method != http.MethodPost || r.URL.Path != "/api/embed" || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, "want POST /api/embed with a JSON body", http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	o.inputs = append(o.inputs, req.Input...)
	o.mu.Unlock()
	vecs := make([][]float32, len(req.Input))
	for i, in := range req.Input {
		vecs[i] = []float32{float32(len(in)%7) + 1, 1, 0.5}
	}
	json.NewEncoder(w).Encode(map[string]any{"embeddings": vecs})
}
