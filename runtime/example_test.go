package runtime_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bulkhead-dev/bulkhead/chat"
	bulkhead "github.com/bulkhead-dev/bulkhead/runtime"
)

// Example is the README's library example, with a scripted model in place
// of a real provider so that it runs offline: one platform over a state
// directory, one workspace per tenant, a typed custom tool, and a run whose
// events are printed as they happen.
func Example() {
	stateDir, _ := os.MkdirTemp("", "bulkhead-example-")
	defer os.RemoveAll(stateDir)

	p, err := bulkhead.NewPlatform(bulkhead.Options{StateDir: stateDir})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	ws, err := p.CreateWorkspace("user-42", bulkhead.WorkspaceConfig{Provider: "anthropic"})
	if err != nil {
		panic(err)
	}
	type ticketArgs struct {
		ID string `json:"id" jsonschema:"description=the ticket id"`
	}
	ticket, err := bulkhead.NewTool("ticket", "Look up a support ticket",
		func(ctx context.Context, tc bulkhead.ToolContext, in ticketArgs) (string, error) {
			return "ticket " + in.ID + " of " + tc.WorkspaceID + ": login fails after password reset", nil
		})
	if err != nil {
		panic(err)
	}
	res, err := ws.Run(context.Background(), bulkhead.RunRequest{
		Message:   "What is ticket T-7 about?",
		SessionID: "support-1",
		Tools:     []bulkhead.Tool{ticket},
		OnEvent: func(e bulkhead.Event) {
			if e.Type == bulkhead.EventToolEnd {
				fmt.Printf("%s → %s\n", e.Tool.Name, e.Tool.Output)
			}
		},
		LLM: scriptedModel(), // omit to call the workspace's provider with ANTHROPIC_API_KEY
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Response)
	fmt.Println(res.SessionID, res.Turns)
	// Output:
	// ticket → ticket T-7 of user-42: login fails after password reset
	// T-7: the user cannot log in after resetting the password.
	// support-1 2
}

// scripted is a model that first calls the ticket tool, then answers.
type scripted struct{ turn int }

func scriptedModel() *scripted { return &scripted{} }

func (s *scripted) Complete(_ context.Context, req chat.Request, onText func(string)) (*chat.Response, error) {
	s.turn++
	if s.turn == 1 {
		return &chat.Response{StopReason: chat.StopToolUse, Message: chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{
			{Type: chat.BlockToolUse, ID: "toolu_1", Name: "ticket", Input: []byte(`{"id":"T-7"}`)},
		}}}, nil
	}
	return &chat.Response{StopReason: chat.StopEndTurn, Message: chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{
		{Type: chat.BlockText, Text: "T-7: the user cannot log in after resetting the password."},
	}}}, nil
}
