package builtin

import (
	"os"
	"path/filepath"
	"testing"
)

type edit = map[string]string

func TestEdit(t *testing.T) {
	tests := []struct {
		name   string
		before string
		edits  []edit
		after  string
		want   string
	}{
		{"one edit", "alpha\nbeta\ngamma\n", []edit{{"oldText": "beta", "newText": "BETA"}}, "alpha\nBETA\ngamma\n",
			"edited f: 1 edit applied, 17 bytes now\n  edit 1 of 1: line 2: 1 line replaced by 1 line"},
		{"edits apply in sequence", "a = 1\n", []edit{{"oldText": "a = 1", "newText": "a = 2\nb = 3"}, {"oldText": "b = 3", "newText": "b = 4"}},
			"a = 2\nb = 4\n",
			"edited f: 2 edits applied, 12 bytes now\n  edit 1 of 2: line 1: 1 line replaced by 2 lines\n  edit 2 of 2: line 2: 1 line replaced by 1 line"},
		{"delete text", "keep\ndrop\n", []edit{{"oldText": "drop\n", "newText": ""}}, "keep\n",
			"edited f: 1 edit applied, 5 bytes now\n  edit 1 of 1: line 2: 1 line replaced by nothing"},
		{"regexp characters are plain text", "x := a.b(c)*[d]\n", []edit{{"oldText": "a.b(c)*[d]", "newText": "e"}}, "x := e\n",
			"edited f: 1 edit applied, 7 bytes now\n  edit 1 of 1: line 1: 1 line replaced by 1 line"},
		{"unicode", "héllo 世界\n", []edit{{"oldText": "世界", "newText": "🌍"}}, "héllo 🌍\n",
			"edited f: 1 edit applied, 12 bytes now\n  edit 1 of 1: line 1: 1 line replaced by 1 line"},
		{"crlf file with lf oldText", "one\r\ntwo\r\nthree\r\n", []edit{{"oldText": "one\ntwo", "newText": "1\n2"}}, "1\r\n2\r\nthree\r\n",
			"edited f: 1 edit applied, 13 bytes now\n  edit 1 of 1: line 1: 2 lines replaced by 2 lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newBox(t, Limits{}, map[string]string{"f": tt.before})
			wantOK(t, run(t, tb, "edit", map[string]any{"path": "f", "edits": tt.edits}), tt.want)
			if got := fileText(t, tb, "f"); got != tt.after {
				t.Fatalf("file holds %q, want %q", got, tt.after)
			}
		})
	}
}

// TestEditErrors checks each failure names the edit, gives a hint, and
// leaves the file untouched even when earlier edits applied.
func TestEditErrors(t *testing.T) {
	const before = "x\nx\nx\nunique\n"
	tests := []struct {
		name string
		lim  Limits
		args map[string]any
		want []string
	}{
		{"not found after a good edit", Limits{}, map[string]any{"path": "f", "edits": []edit{{"oldText": "unique", "newText": "u"}, {"oldText": "absent", "newText": "y"}}},
			[]string{"edit 2 of 2: oldText not found", "No changes were written", "read the file again"}},
		{"not unique", Limits{}, map[string]any{"path": "f", "edits": []edit{{"oldText": "x\n", "newText": "y\n"}}},
			[]string{"edit 1 of 1: oldText occurs 3 times", "exactly once", "more surrounding lines"}},
		{"an earlier edit makes a later one ambiguous", Limits{}, map[string]any{"path": "f", "edits": []edit{{"oldText": "unique", "newText": "x"}, {"oldText": "x", "newText": "q"}}},
			[]string{"edit 2 of 2: oldText occurs 4 times"}},
		{"empty oldText", Limits{}, map[string]any{"path": "f", "edits": []edit{{"oldText": "", "newText": "y"}}},
			[]string{"edit 1 of 1: oldText is empty"}},
		{"identical texts", Limits{}, map[string]any{"path": "f", "edits": []edit{{"oldText": "unique", "newText": "unique"}}},
			[]string{"oldText and newText are identical"}},
		{"no edits", Limits{}, map[string]any{"path": "f", "edits": []edit{}}, []string{"edits is required"}},
		{"top-level oldText is not an edit", Limits{}, map[string]any{"path": "f", "oldText": "x", "newText": "y"}, []string{"edits is required"}},
		{"missing file", Limits{}, map[string]any{"path": "nope", "edits": []edit{{"oldText": "a", "newText": "b"}}},
			[]string{"edit nope: no such file; use write"}},
		{"file over the size limit", Limits{WriteBytes: 8}, map[string]any{"path": "f", "edits": []edit{{"oldText": "unique", "newText": "u"}}},
			[]string{"file is 13 bytes, over the limit of 8 bytes"}},
		{"result over the size limit", Limits{WriteBytes: 16}, map[string]any{"path": "f", "edits": []edit{{"oldText": "unique", "newText": "much longer text"}}},
			[]string{"the result would be 23 bytes, over the limit of 16 bytes"}},
		{"edits not a list", Limits{}, map[string]any{"path": "f", "edits": "x"}, []string{"invalid arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newBox(t, tt.lim, map[string]string{"f": before})
			r := run(t, tb, "edit", tt.args)
			wantErr(t, r, tt.want...)
			if got := fileText(t, tb, "f"); got != before {
				t.Fatalf("a failed edit changed the file to %q", got)
			}
		})
	}
}

func TestEditKeepsMode(t *testing.T) {
	tb := newBox(t, Limits{}, map[string]string{"run.sh": "echo old\n"})
	p := filepath.Join(tb.Root, "run.sh")
	if err := os.Chmod(p, 0o750); err != nil {
		t.Fatal(err)
	}
	r := run(t, tb, "edit", map[string]any{"path": "run.sh", "edits": []edit{{"oldText": "old", "newText": "new"}}})
	if r.IsError {
		t.Fatal(r.Text)
	}
	if info, err := os.Stat(p); err != nil || info.Mode().Perm() != 0o750 {
		t.Fatalf("mode after edit: %v, %v; want 0750", info.Mode(), err)
	}
}
