package main

import "github.com/bulkhead-dev/bulkhead/internal/fakellm"

// The bundled task (testdata/project, see its README): find and fix the
// pagination bug, run the tests in the jail, add a changelog entry. The
// scripted model below performs it with every built-in tool and bash; its
// tool results are deterministic, so a recorded run replays exactly.
const (
	taskMessage = "The last page of inventory listings is missing. Find the bug, fix it, " +
		"make sure the tests pass, and add a CHANGELOG entry."
	taskAnswer = "Fixed page_count in inventory/pagination.py to round up; all 14 tests pass; added CHANGELOG.md."
	testCmd    = "sh run_tests.sh 2>&1 | tail -n 1"
	fixOld     = "return max(1, total // per_page)"
	fixNew     = "return max(1, (total + per_page - 1) // per_page)"
)

func taskSteps() []fakellm.Step {
	call := func(name string, input map[string]any) fakellm.Step {
		return fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: name, Input: input}}}
	}
	return []fakellm.Step{
		{Text: "Let me look at the project.", ToolCalls: []fakellm.ToolCall{
			{Name: "ls", Input: map[string]any{"path": "."}},
			{Name: "read", Input: map[string]any{"path": "README.md"}},
		}},
		call("grep", map[string]any{"pattern": "def page_count", "path": "inventory"}),
		call("read", map[string]any{"path": "inventory/pagination.py"}),
		call("bash", map[string]any{"command": testCmd, "timeout": 60}),
		call("edit", map[string]any{"path": "inventory/pagination.py", "edits": []map[string]string{{"oldText": fixOld, "newText": fixNew}}}),
		call("bash", map[string]any{"command": testCmd, "timeout": 60}),
		call("write", map[string]any{"path": "CHANGELOG.md", "content": "# Changelog\n\n## Unreleased\n\n- Fix page_count rounding down: the last, partial page of a listing was missing.\n"}),
		call("find", map[string]any{"pattern": "*.md"}),
		{Text: taskAnswer},
	}
}
