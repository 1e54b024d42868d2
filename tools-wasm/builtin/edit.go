package builtin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// editInput is the edit tool's arguments.
type editInput struct {
	Path  string `json:"path"`
	Edits []struct {
		OldText string `json:"oldText"`
		NewText string `json:"newText"`
	} `json:"edits"`
}

// edit applies exact-text replacements to a file in order, each to the
// result of the ones before. Each oldText must occur exactly once. The file
// is written only if every edit applies (all or nothing), in place, so its
// mode is kept.
//
// When a file uses CRLF line endings and an oldText with bare LF line
// endings is not found, the edit is retried with both texts converted to
// CRLF, because read shows lines without their carriage returns.
func (c *call) edit(input json.RawMessage) (string, error) {
	var in editInput
	if err := decode(input, &in); err != nil {
		return "", err
	}
	if in.Path == "" {
		return "", errors.New("edit: path is required")
	}
	if len(in.Edits) == 0 {
		return "", errors.New("edit: edits is required: a list of {oldText, newText} replacements")
	}
	name, err := resolve(in.Path)
	if err != nil {
		return "", fmt.Errorf("edit: %w", err)
	}
	info, err := c.root.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("edit %s: no such file; use write to create a file", shown(name))
	case err != nil:
		return "", c.fsError("edit", name, err)
	case !info.Mode().IsRegular():
		return "", fmt.Errorf("edit %s: not a regular file", shown(name))
	case info.Size() > int64(c.lim.WriteBytes):
		return "", fmt.Errorf("edit %s: file is %d bytes, over the limit of %s", shown(name), info.Size(), size(int64(c.lim.WriteBytes)))
	}
	data, err := c.root.ReadFile(name)
	if err != nil {
		return "", c.fsError("edit", name, err)
	}
	content := string(data)
	summary := make([]string, 0, len(in.Edits)+1)
	for i, e := range in.Edits {
		which := fmt.Sprintf("edit %d of %d", i+1, len(in.Edits))
		if e.OldText == "" {
			return "", fmt.Errorf("edit %s: %s: oldText is empty; give the exact text to replace. No changes were written", shown(name), which)
		}
		if e.OldText == e.NewText {
			return "", fmt.Errorf("edit %s: %s: oldText and newText are identical. No changes were written", shown(name), which)
		}
		old, repl := e.OldText, e.NewText
		n := strings.Count(content, old)
		if n == 0 && strings.Contains(content, "\r\n") && !strings.Contains(old, "\r") {
			old, repl = crlf(old), crlf(repl)
			n = strings.Count(content, old)
		}
		switch {
		case n == 0:
			return "", fmt.Errorf("edit %s: %s: oldText not found. No changes were written. It must match the current file exactly, including whitespace and indentation; read the file again and copy the text", shown(name), which)
		case n > 1:
			return "", fmt.Errorf("edit %s: %s: oldText occurs %d times; it must occur exactly once. Include more surrounding lines to make it unique. No changes were written", shown(name), which, n)
		}
		at := strings.Index(content, old)
		line := 1 + strings.Count(content[:at], "\n")
		content = content[:at] + repl + content[at+len(old):]
		summary = append(summary, fmt.Sprintf("  %s: line %d: %s replaced by %s", which, line, lines(old), lines(repl)))
	}
	if len(content) > c.lim.WriteBytes {
		return "", fmt.Errorf("edit %s: the result would be %d bytes, over the limit of %s. No changes were written", shown(name), len(content), size(int64(c.lim.WriteBytes)))
	}
	if err := c.replace(name, []byte(content)); err != nil {
		return "", c.fsError("edit", name, err)
	}
	head := fmt.Sprintf("edited %s: %s applied, %d bytes now", shown(name), count(len(in.Edits), "edit", "edits"), len(content))
	return strings.Join(append([]string{head}, summary...), "\n"), nil
}

// crlf converts bare LF line endings in s to CRLF.
func crlf(s string) string {
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// lines describes how many lines s spans: "1 line", "3 lines", or "nothing"
// for the empty string.
func lines(s string) string {
	if s == "" {
		return "nothing"
	}
	n := strings.Count(strings.TrimSuffix(s, "\n"), "\n") + 1
	if n == 1 {
		return "1 line"
	}
	return fmt.Sprintf("%d lines", n)
}
