package runtime

import "github.com/bulkhead-dev/bulkhead/chat"

// interruptedNote is the tool result recorded for a tool call whose run
// ended (crash, cancellation, a failure) before the call's result was.
const interruptedNote = "not completed: the run that made this call ended before its result was recorded"

// answerInterrupted returns the message that closes a transcript ending in
// tool calls without results, or false if it needs none. Providers reject a
// conversation whose tool calls are unanswered, so without it such a
// session could never be continued.
func answerInterrupted(history []chat.Message) (chat.Message, bool) {
	if len(history) == 0 {
		return chat.Message{}, false
	}
	last := history[len(history)-1]
	uses := last.ToolUses()
	if last.Role != chat.RoleAssistant || len(uses) == 0 {
		return chat.Message{}, false
	}
	results := make([]chat.Block, len(uses))
	for i, u := range uses {
		results[i] = chat.Block{Type: chat.BlockToolResult, ToolUseID: u.ID, Text: interruptedNote, IsError: true}
	}
	return chat.Message{Role: chat.RoleUser, Content: results}, true
}
