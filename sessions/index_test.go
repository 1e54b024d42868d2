package sessions

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

func TestListOrderAndGet(t *testing.T) {
	s := newStore(t)
	for _, id := range []string{"old", "mid", "new"} {
		mustAppend(t, s, id, "m-"+id, user(id))
		time.Sleep(2 * time.Millisecond)
	}
	mustAppend(t, s, "old", "m-old", assistant("bump")) // now the most recent
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, info := range list {
		order = append(order, info.ID)
	}
	if !reflect.DeepEqual(order, []string{"old", "new", "mid"}) {
		t.Fatalf("List order %v, want [old new mid]", order)
	}
	if list[0].Messages != 2 || list[0].Model != "m-old" || list[1].Messages != 1 {
		t.Fatalf("List = %+v", list)
	}
	if got := mustGet(t, s, "mid"); got != list[2] {
		t.Fatalf("Get = %+v, List has %+v", got, list[2])
	}
	if _, err := s.Get("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(nope) = %v, want ErrNotFound", err)
	}
}

func TestListEmpty(t *testing.T) {
	list, err := newStore(t).List()
	if err != nil || len(list) != 0 {
		t.Fatalf("List on a new store = %v, %v", list, err)
	}
}

func TestIndexRebuild(t *testing.T) {
	tests := []struct {
		name  string
		index *string // nil: remove sessions.json
	}{
		{"missing", nil},
		{"not JSON", ptr("{\"version\":1,\"sess")},
		{"empty file", ptr("")},
		{"version 0", ptr(`{"sessions":{}}`)},
		{"invalid id key", ptr(`{"version":1,"sessions":{"../x":{"messages":1}}}`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			mustAppend(t, s, "a", "m1", user("1"), assistant("2"))
			time.Sleep(2 * time.Millisecond)
			mustAppend(t, s, "a", "", user("3"))
			mustAppend(t, s, "b", "m2", user("x"))
			appendRaw(t, s, "b", []byte(`{"v":1,"tim`)) // torn tail is not counted
			appendRaw(t, s, "c", nil)                   // transcript without messages
			want, err := s.List()                       // a and b: c has no index entry yet
			if err != nil || len(want) != 2 {
				t.Fatalf("List before rebuild = %+v, %v", want, err)
			}
			if tc.index == nil {
				os.Remove(s.indexPath())
			} else if err := os.WriteFile(s.indexPath(), []byte(*tc.index), 0o600); err != nil {
				t.Fatal(err)
			}

			got, err := s.List()
			if err != nil {
				t.Fatal(err)
			}
			fi, _ := os.Stat(s.transcriptPath("c"))
			mtime := fi.ModTime().UTC()
			byID := map[string]Info{}
			for _, info := range got {
				byID[info.ID] = info
			}
			if len(got) != 3 {
				t.Fatalf("rebuilt list %+v, want a, b and c", got)
			}
			for _, w := range want {
				g := byID[w.ID]
				if g.Model != w.Model || g.Messages != w.Messages || !g.Created.Equal(w.Created) || !g.Updated.Equal(w.Updated) {
					t.Fatalf("rebuilt %+v, was %+v", g, w)
				}
			}
			if c := byID["c"]; c.Messages != 0 || !c.Created.Equal(mtime) || !c.Updated.Equal(mtime) {
				t.Fatalf("rebuilt empty session %+v, want mtime %v", c, mtime)
			}
			var ix indexFile
			data, _ := os.ReadFile(s.indexPath())
			if err := json.Unmarshal(data, &ix); err != nil || ix.Version != 1 || len(ix.Sessions) != 3 {
				t.Fatalf("rebuilt index not written back: %s (%v)", data, err)
			}

			// Appending after the rebuild (b's torn tail is truncated) keeps counts right.
			mustAppend(t, s, "b", "m2", assistant("y"))
			if n := mustGet(t, s, "b").Messages; n != 2 {
				t.Fatalf("b has %d messages after append, want 2", n)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestIndexNewerVersionIsKept(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "a", "m", user("1"))
	newer := `{"version":2,"sessions":{}}`
	if err := os.WriteFile(s.indexPath(), []byte(newer), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("List with a newer index: %v, want a version error", err)
	}
	if err := s.Append("a", "m", user("2")); err == nil {
		t.Fatal("Append with a newer index succeeded")
	}
	if data, _ := os.ReadFile(s.indexPath()); string(data) != newer {
		t.Fatalf("newer index overwritten: %s", data)
	}
}

func TestIndexRecountsStaleEntry(t *testing.T) {
	tests := []struct {
		name  string
		stale func(t *testing.T, s *Store)
	}{
		{"crash after transcript write", func(t *testing.T, s *Store) {
			appendRaw(t, s, "a", rawLine(t, user("unindexed")))
		}},
		{"transcript without entry", func(t *testing.T, s *Store) {
			if err := s.withIndex(func(ix *indexFile) (bool, error) {
				delete(ix.Sessions, "a")
				return true, nil
			}); err != nil {
				t.Fatal(err)
			}
		}},
		{"partial batch before a torn tail", func(t *testing.T, s *Store) {
			appendRaw(t, s, "a", append(rawLine(t, user("survived")), `{"v":1,"ti`...))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			mustAppend(t, s, "a", "m", user("1"), assistant("2"))
			created := mustGet(t, s, "a").Created
			tc.stale(t, s)
			mustAppend(t, s, "a", "m", user("3"))
			msgs, _ := mustLoad(t, s, "a")
			info := mustGet(t, s, "a")
			if info.Messages != len(msgs) {
				t.Fatalf("index count %d, transcript has %d", info.Messages, len(msgs))
			}
			if !info.Created.Equal(created) {
				t.Fatalf("created %v, want %v from the first line", info.Created, created)
			}
		})
	}
}

func TestConcurrentAppends(t *testing.T) {
	s := newStore(t)
	const sessions, appends, sharedWriters = 8, 20, 4
	var wg sync.WaitGroup
	errs := make(chan error, sessions+sharedWriters)
	for i := range sessions {
		wg.Go(func() {
			id := fmt.Sprintf("s%d", i)
			for j := range appends {
				// 1, 2 or 3 messages per call.
				msgs := []chat.Message{user(fmt.Sprintf("%s-%d", id, j))}
				for range j % 3 {
					msgs = append(msgs, assistant("more"))
				}
				if err := s.Append(id, "m", msgs...); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for w := range sharedWriters {
		wg.Go(func() {
			for j := range appends {
				if err := s.Append("shared", "m", user(fmt.Sprintf("w%d-%d", w, j))); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	perSession := 0
	for j := range appends {
		perSession += 1 + j%3
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != sessions+1 {
		t.Fatalf("List has %d sessions, want %d", len(list), sessions+1)
	}
	for _, info := range list {
		want := perSession
		if info.ID == "shared" {
			want = sharedWriters * appends
		}
		msgs, warns := mustLoad(t, s, info.ID)
		if info.Messages != want || len(msgs) != want || len(warns) != 0 {
			t.Fatalf("%s: index %d, loaded %d (warnings %v), want %d", info.ID, info.Messages, len(msgs), warns, want)
		}
	}
}
