package memory

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/memory/embedding"
	"github.com/bulkhead-dev/bulkhead/memory/internal/textindex"
)

// embedServer is a loopback server speaking the OpenAI embeddings API with
// deterministic vectors (see hashVector), whose failures tests switch on.
type embedServer struct {
	*httptest.Server
	dims     int
	status   atomic.Int32 // answer with this HTTP status instead (0: succeed)
	short    atomic.Bool  // answer with one vector too few
	requests atomic.Int32
	texts    atomic.Int32
}

func newEmbedServer(t testing.TB, dims int) *embedServer {
	t.Helper()
	es := &embedServer{dims: dims}
	es.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		es.requests.Add(1)
		if code := es.status.Load(); code != 0 {
			http.Error(w, `{"error":"scripted failure"}`, int(code))
			return
		}
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.URL.Path != "/embeddings" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		es.texts.Add(int32(len(req.Input)))
		n := len(req.Input)
		if es.short.Load() {
			n--
		}
		var parts []string
		for i := range n {
			v, _ := json.Marshal(hashVector(req.Input[i], es.dims))
			parts = append(parts, fmt.Sprintf(`{"index":%d,"embedding":%s}`, i, v))
		}
		fmt.Fprintf(w, `{"data":[%s]}`, strings.Join(parts, ","))
	}))
	t.Cleanup(es.Close)
	return es
}

// embedder returns an Embedder for the server with the given model name (so
// tests can switch models), retrying at most once, quickly.
func (es *embedServer) embedder(t testing.TB, model string) embedding.Embedder {
	t.Helper()
	e, err := embedding.New(embedding.Config{Provider: embedding.OpenAI, Model: model, APIKey: "test-key", BaseURL: es.URL,
		Trusted: true, MaxRetries: 1, RetryBase: time.Millisecond, RetryMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// hashVector is a deterministic text embedding: the character trigrams of
// the text's index words (see textindex.Index), each hashed to a dimension and a
// sign (feature hashing; Weinberger et al., "Feature hashing for large scale
// multitask learning", ICML 2009). Texts sharing words or word parts get
// similar vectors, which is all the vector path needs to be tested end to
// end.
func hashVector(text string, dims int) []float32 {
	v := make([]float32, dims)
	for _, w := range strings.Fields(textindex.Index(text)) {
		r := []rune(" " + textindex.Fold(w) + " ")
		for i := 0; i+3 <= len(r); i++ {
			h := fnv.New64a()
			h.Write([]byte(string(r[i : i+3])))
			x := h.Sum64()
			sign := float32(1)
			if x>>63 == 1 {
				sign = -1
			}
			v[x%uint64(dims)] += sign
		}
	}
	return v
}
