package fakellm

import (
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// checkToolPairing enforces the rule both APIs enforce: the message after an
// assistant message with tool calls is a user message answering every call
// (Anthropic: tool_result blocks; OpenAI: tool messages), and every tool
// result answers a call of the message just before it.
func checkToolPairing(msgs []chat.Message) error {
	for i, m := range msgs {
		calls := map[string]bool{}
		if i > 0 && msgs[i-1].Role == chat.RoleAssistant {
			for _, b := range msgs[i-1].ToolUses() {
				calls[b.ID] = true
			}
		}
		answered := map[string]bool{}
		for _, b := range results(m) {
			if !calls[b.ToolUseID] {
				return fmt.Errorf("message %d: tool result for %q does not answer a tool call of the previous message", i, b.ToolUseID)
			}
			answered[b.ToolUseID] = true
		}
		if i == 0 || msgs[i-1].Role != chat.RoleAssistant {
			continue
		}
		var missing []string
		for _, b := range msgs[i-1].ToolUses() {
			if !answered[b.ID] {
				missing = append(missing, b.ID)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("message %d: tool calls were not answered by tool results in the next message: %s", i-1, strings.Join(missing, ", "))
		}
	}
	if n := len(msgs); n > 0 && len(msgs[n-1].ToolUses()) > 0 {
		return fmt.Errorf("message %d: tool calls were not answered by tool results in the next message", n-1)
	}
	return nil
}
