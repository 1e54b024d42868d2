package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNoKeyInAnyOutput drives every provider protocol through every error
// fixture, with the key echoed in the error body, and checks that no
// error string, notice or cassette holds the key or a 12-character piece
// of it. Each error and notice is logged, so that `go test -v` output can
// be searched for the key as well.
func TestNoKeyInAnyOutput(t *testing.T) {
	keys := []string{"sk-ant-api03-LEAKCHECK0000000000000000", "plainsecretvalue-LEAKCHECK-1111", "AIzaSyLEAKCHECK2222222222222222"}
	var outputs []string
	for _, name := range []string{"anthropic", "openai", "gemini-native"} {
		for i, f := range errorFixtures {
			body := strings.Replace(f.body, `"message":"`, `"message":"key `+keys[i%len(keys)]+` was refused: `, 1)
			if !strings.Contains(body, keys[i%len(keys)]) {
				body = strings.Replace(f.body, `"error":"`, `"error":"key `+keys[i%len(keys)]+` `, 1)
			}
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
				w.Header().Set("Retry-After", "0.001")
				writeJSON(w, f.status, body)
			})
			dir := t.TempDir()
			health := NewHealth(HealthConfig{BaseCooldown: time.Millisecond, Notify: func(n Notice) {
				b, _ := json.Marshal(n)
				outputs = append(outputs, string(b))
			}})
			p, err := New(Config{Name: name, APIKeys: keys, BaseURL: srv.URL, Health: health, NoStream: true, RetryBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			rec := Record(p, filepath.Join(dir, "c.json"))
			ctx := WithObserver(context.Background(), Observer{Notice: func(n Notice) {
				b, _ := json.Marshal(n)
				outputs = append(outputs, string(b))
			}})
			_, err = rec.Complete(ctx, hello, nil)
			if err == nil {
				t.Fatalf("%s fixture %d: no error", name, i)
			}
			outputs = append(outputs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", asError(t, err)))
			if data, rerr := os.ReadFile(filepath.Join(dir, "c.json")); rerr == nil {
				outputs = append(outputs, string(data))
			}
		}
	}
	for _, out := range outputs {
		t.Log(out)
		for _, k := range keys {
			for j := 0; j+12 <= len(k); j++ {
				if strings.Contains(out, k[j:j+12]) {
					t.Fatalf("output holds key piece %q: %s", k[j:j+12], out)
				}
			}
		}
	}
	if len(outputs) < 3*len(errorFixtures)*3 {
		t.Errorf("only %d outputs checked", len(outputs))
	}
}
