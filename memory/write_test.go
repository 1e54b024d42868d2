package memory

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestStoreGet(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	m, err := s.Store(ctx, NewMemory{Text: "Alice leads the payments team", Tags: []string{"people", "team", "people"}, Evergreen: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != m.Text || got.Source != SourceAPI || !slices.Equal(got.Tags, []string{"people", "team"}) ||
		!got.Evergreen || got.Created.IsZero() || !got.Created.Equal(got.Updated) || got.Model != "" || got.ID != m.ID {
		t.Fatalf("Get = %+v, stored %+v", got, m)
	}
	if _, err := s.Get(ctx, m.ID+1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(missing) = %v, want ErrNotFound", err)
	}
}

func TestStoreValidation(t *testing.T) {
	s := openTest(t, Options{Limits: Limits{MaxTags: 2, MaxTagBytes: 8}})
	ctx := context.Background()
	tests := []struct {
		name string
		m    NewMemory
	}{
		{"empty", NewMemory{Text: ""}},
		{"white space", NewMemory{Text: " \n\t "}},
		{"over 1 MiB", NewMemory{Text: strings.Repeat("a", DefaultMaxMemoryBytes+1)}},
		{"invalid UTF-8", NewMemory{Text: "bad \xff byte"}},
		{"unknown source", NewMemory{Text: "x", Source: "robot"}},
		{"absolute file source", NewMemory{Text: "x", Source: "file:/etc/passwd"}},
		{"escaping file source", NewMemory{Text: "x", Source: "file:../secret.md"}},
		{"unclean file source", NewMemory{Text: "x", Source: "file:a/../b.md"}},
		{"bad session source", NewMemory{Text: "x", Source: "session:../x"}},
		{"control character in file source", NewMemory{Text: "x", Source: "file:a\nb"}},
		{"DEL in file source", NewMemory{Text: "x", Source: "file:a\x7fb"}},
		{"invalid UTF-8 file source", NewMemory{Text: "x", Source: "file:a\xffb"}},
		{"too many tags", NewMemory{Text: "x", Tags: []string{"a", "b", "c"}}},
		{"long tag", NewMemory{Text: "x", Tags: []string{"123456789"}}},
		{"empty tag", NewMemory{Text: "x", Tags: []string{""}}},
		{"control character in tag", NewMemory{Text: "x", Tags: []string{"a\nb"}}},
	}
	for _, tt := range tests {
		if _, err := s.Store(ctx, tt.m); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Store = %v, want ErrInvalid", tt.name, err)
		}
	}
	ok := []NewMemory{
		{Text: strings.Repeat("a", DefaultMaxMemoryBytes)},
		{Text: "x", Source: SourceAgent},
		{Text: "x", Source: "file:memory/notes.md"},
		{Text: "x", Source: "session:2025-01-02.abc"},
		{Text: "x", Tags: []string{"12345678", "b"}},
	}
	for _, m := range ok {
		if _, err := s.Store(ctx, m); err != nil {
			t.Errorf("Store(%.40q, %q): %v", m.Text, m.Source, err)
		}
	}
}

// TestStoreErrorTexts: a single memory's error has no batch index and
// gives the text's real size; a batch's names the failing index.
func TestStoreErrorTexts(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	_, err := s.Store(ctx, NewMemory{Text: strings.Repeat("a", 2_000_000)})
	if want := "invalid memory input: text of 2000000 bytes exceeds the 1048576-byte limit"; err == nil || err.Error() != want {
		t.Errorf("Store(2 MB) = %v, want %q", err, want)
	}
	_, err = s.StoreBatch(ctx, []NewMemory{{Text: "valid"}, {Text: " "}})
	if want := "memory at index 1 of the batch: invalid memory input: empty text (nothing but white space or invisible characters)"; err == nil || err.Error() != want {
		t.Errorf("StoreBatch = %v, want %q", err, want)
	}
}

// TestBlankTextRefused: a memory or a query that shows nothing (white
// space, zero-width spaces and joiners, a byte order mark, direction
// marks) is refused as empty; one visible character among them is enough.
func TestBlankTextRefused(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	for _, text := range []string{"", " \t\n", "\u200b\u200b", "\u200d\ufeff\u200e \u2060", "\u00a0\u3000",
		"\u3164", "\u115f\uffa0", "\u034f\u17b4", "\ufe0f\U000e0100", "\u2800", "\x01\x7f", "\U000e0001\U000e0020", "\uffff\ufdd0"} {
		if _, err := s.Store(ctx, NewMemory{Text: text}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Store(%+q) = %v, want ErrInvalid", text, err)
		}
		if _, err := s.Search(ctx, text, SearchOptions{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Search(%+q) = %v, want ErrInvalid", text, err)
		}
	}
	if _, err := s.Store(ctx, NewMemory{Text: "\u200bx\u200b"}); err != nil {
		t.Errorf("a visible character between zero-width spaces: %v", err)
	}
	if _, err := s.Store(ctx, NewMemory{Text: "x", Tags: []string{"\u200b"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a tag of a zero-width space: %v, want ErrInvalid", err)
	}
}

// TestErrorsClipInput: an error that echoes a long input shows its first
// 64 characters and "…".
func TestErrorsClipInput(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	long := strings.Repeat("é", 5000)
	errOf := func(_ any, err error) error { return err }
	for name, err := range map[string]error{
		"file source":     errOf(s.Store(ctx, NewMemory{Text: "x", Source: "file:" + long})),
		"session source":  errOf(s.Store(ctx, NewMemory{Text: "x", Source: "session:" + long})),
		"unknown source":  errOf(s.Store(ctx, NewMemory{Text: "x", Source: long})),
		"tag":             errOf(s.Store(ctx, NewMemory{Text: "x", Tags: []string{long}})),
		"list source":     errOf(s.List(ctx, ListOptions{Source: long})),
		"tool field":      errOf(s.CallTool(ctx, ToolSearch, []byte(`{"`+long+`": 1}`))),
		"tool maxResults": errOf(s.CallTool(ctx, ToolSearch, []byte(`{"query": "x", "maxResults": "`+long+`"}`))),
		"tool name":       errOf(s.CallTool(ctx, long, nil)),
	} {
		if err == nil || len(err.Error()) > 400 || !strings.Contains(err.Error(), "é…") {
			t.Errorf("%s: error of %d bytes: %.400v", name, len(err.Error()), err)
		}
	}
	_, err := s.Store(ctx, NewMemory{Text: "x", Source: "file:" + long})
	if want := `invalid memory input: source "file:` + strings.Repeat("é", 59) + `…": want file:<clean relative path of at most 1024 bytes of UTF-8 without control characters>`; err == nil || err.Error() != want {
		t.Errorf("Store = %v\nwant %s", err, want)
	}
	if _, err := s.Store(ctx, NewMemory{Text: "x", Tags: []string{long}}); err == nil || !strings.Contains(err.Error(), `tag "`+strings.Repeat("é", maxEcho)+`…"`) {
		t.Errorf("Store with a long tag = %v, want its first %d characters", err, maxEcho)
	}
}

func TestStoreBatchLimitIsAtomic(t *testing.T) {
	s := openTest(t, Options{Limits: Limits{MaxBatch: 3}})
	ctx := context.Background()
	if _, err := s.StoreBatch(ctx, make([]NewMemory, 4)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("4 memories over a limit of 3: %v", err)
	}
	_, err := s.StoreBatch(ctx, []NewMemory{{Text: "valid"}, {Text: ""}})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("batch with an empty memory: %v", err)
	}
	if ms, _ := s.List(ctx, ListOptions{}); len(ms) != 0 {
		t.Fatalf("a failed batch stored %d memories", len(ms))
	}
}

func TestUpdateDelete(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	id := storeTexts(t, s, "the office is in Berlin")[0]
	m, err := s.Update(ctx, id, "the office moved to Munich")
	if err != nil || m.Text != "the office moved to Munich" || m.Updated.Before(m.Created) {
		t.Fatalf("Update = %+v, %v", m, err)
	}
	if rs, _ := s.Search(ctx, "Berlin", SearchOptions{}); len(rs) != 0 {
		t.Errorf("old text still found: %+v", rs)
	}
	if rs, _ := s.Search(ctx, "Munich", SearchOptions{}); len(rs) != 1 || rs[0].ID != id {
		t.Errorf("new text not found: %+v", rs)
	}
	if _, err := s.Update(ctx, id+100, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update(missing) = %v", err)
	}
	if _, err := s.Update(ctx, id, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("Update(empty) = %v", err)
	}
	if err := s.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if rs, _ := s.Search(ctx, "Munich", SearchOptions{}); len(rs) != 0 {
		t.Errorf("deleted memory found: %+v", rs)
	}
	if err := s.Delete(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
	if next := storeTexts(t, s, "new")[0]; next <= id {
		t.Errorf("id %d reused after delete of %d", next, id)
	}
}

func TestList(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	var ids []int64
	for _, src := range []string{SourceAPI, SourceAgent, "file:MEMORY.md", "file:memory/a.md", "session:s1"} {
		m, err := s.Store(ctx, NewMemory{Text: "memory from " + src, Source: src})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	idsOf := func(ms []Memory) []int64 {
		var out []int64
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	tests := []struct {
		o    ListOptions
		want []int64
	}{
		{ListOptions{}, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{ListOptions{Limit: 2}, []int64{ids[4], ids[3]}},
		{ListOptions{Limit: 2, BeforeID: ids[3]}, []int64{ids[2], ids[1]}},
		{ListOptions{Source: "file:"}, []int64{ids[3], ids[2]}},
		{ListOptions{Source: "file:MEMORY.md"}, []int64{ids[2]}},
		{ListOptions{Source: SourceAgent}, []int64{ids[1]}},
		{ListOptions{Source: "session:"}, []int64{ids[4]}},
		{ListOptions{Source: "session:other"}, nil},
	}
	for _, tt := range tests {
		got, err := s.List(ctx, tt.o)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(idsOf(got), tt.want) {
			t.Errorf("List(%+v) = %v, want %v", tt.o, idsOf(got), tt.want)
		}
	}
	for _, src := range []string{"bogus", "agent:", "file", "file:/etc/passwd", "file:../x", "session:../x", "api "} {
		if _, err := s.List(ctx, ListOptions{Source: src}); !errors.Is(err, ErrInvalid) {
			t.Errorf("List(Source %q) = %v, want ErrInvalid", src, err)
		}
	}
	for _, tt := range []struct {
		o    ListOptions
		want string
	}{
		{ListOptions{Limit: -1}, "invalid memory input: ListOptions.Limit -1: want 1 to 1000 (0 for the default, 100)"},
		{ListOptions{Limit: MaxListLimit + 1}, "invalid memory input: ListOptions.Limit 1001: want 1 to 1000 (0 for the default, 100)"},
		{ListOptions{BeforeID: -1}, "invalid memory input: ListOptions.BeforeID -1: want an id >= 1 (0 for the newest)"},
	} {
		if _, err := s.List(ctx, tt.o); !errors.Is(err, ErrInvalid) || err.Error() != tt.want {
			t.Errorf("List(%+v) = %v, want %s", tt.o, err, tt.want)
		}
	}
	if got, err := s.List(ctx, ListOptions{Limit: MaxListLimit, BeforeID: 1}); err != nil || len(got) != 0 {
		t.Errorf("List(Limit %d, BeforeID 1) = %v, %v; want none", MaxListLimit, idsOf(got), err)
	}
}
