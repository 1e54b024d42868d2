package fakellm_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// A scripted turn answered over the Anthropic Messages API. Real tests point
// a provider SDK at s.AnthropicBaseURL() or s.OpenAIBaseURL() instead.
func Example() {
	s := fakellm.New(fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "ls", Input: map[string]any{"path": "."}}}})
	defer s.Close()

	body := `{"model":"m","max_tokens":64,"messages":[{"role":"user","content":"what is here?"}]}`
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/v1/messages", strings.NewReader(body))
	req.Header.Set("X-Api-Key", "test")
	req.Header.Set("Anthropic-Version", "2023-06-01")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	var msg struct {
		StopReason string `json:"stop_reason"`
		Content    []struct {
			ID, Name string
			Input    json.RawMessage
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&msg); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(msg.StopReason, msg.Content[0].ID, msg.Content[0].Name, string(msg.Content[0].Input))
	fmt.Println(s.Requests()[0].LastUserText())
	// Output:
	// tool_use toolu_01 ls {"path":"."}
	// what is here?
}
