package fakeembed

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestOllama(t *testing.T) {
	o := NewOllama()
	defer o.Close()
	resp, err := http.Post(o.URL+"/api/embed", "application/json", strings.NewReader(`{"model":"m","input":["ab","abc"]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Embeddings [][]float32 `json:"embeddings"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Embeddings) != 2 || out.Embeddings[0][0] != 3 || out.Embeddings[1][0] != 4 {
		t.Errorf("embeddings %v", out.Embeddings)
	}
	if got := strings.Join(o.Inputs(), ","); got != "ab,abc" {
		t.Errorf("inputs %q", got)
	}
	if resp, err := http.Get(o.URL + "/api/embed"); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET: %v, %v", resp, err)
	}
}
