package sessions

import (
	"errors"
	"os"
	"testing"
)

func TestDelete(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "gone", "m", user("a"), assistant("b"))
	mustAppend(t, s, "kept", "m", user("c"))
	mustLock(t, s, "gone")()
	if err := s.Delete("gone"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(s.sessionsDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "kept.jsonl" {
		t.Fatalf("sessions directory after Delete: %v, want kept.jsonl only", entries)
	}
	if _, err := s.Get("gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if msgs, _ := mustLoad(t, s, "gone"); len(msgs) != 0 {
		t.Fatalf("Load after Delete: %v", msgs)
	}
	if list, err := s.List(); err != nil || len(list) != 1 || list[0].ID != "kept" || list[0].Messages != 1 {
		t.Fatalf("List after Delete = %+v, %v", list, err)
	}
	if msgs, _ := mustLoad(t, s, "kept"); len(msgs) != 1 {
		t.Fatalf("other session changed: %v", msgs)
	}

	// The id can be used again and starts empty.
	mustAppend(t, s, "gone", "m", user("again"))
	if info := mustGet(t, s, "gone"); info.Messages != 1 {
		t.Fatalf("recreated session %+v, want 1 message", info)
	}
}

func TestDeleteNotFound(t *testing.T) {
	s := newStore(t)
	if err := s.Delete("never"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete(never) = %v, want ErrNotFound", err)
	}
	entries, _ := os.ReadDir(s.sessionsDir())
	if len(entries) != 0 {
		t.Fatalf("Delete of a missing session left files: %v", entries)
	}
}

func TestDeleteIndexOnlyEntry(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "a", "m", user("x"))
	if err := os.Remove(s.transcriptPath("a")); err != nil { // as after a crash inside Delete
		t.Fatal(err)
	}
	if err := s.Delete("a"); err != nil {
		t.Fatalf("Delete of an entry without transcript: %v", err)
	}
	if _, err := s.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}

func TestDeleteLockedInProcess(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "a", "m", user("x"))
	unlock := mustLock(t, s, "a")
	if err := s.Delete("a"); !errors.Is(err, ErrLocked) {
		t.Fatalf("Delete of a locked session: %v, want ErrLocked", err)
	}
	if info := mustGet(t, s, "a"); info.Messages != 1 {
		t.Fatalf("locked session changed: %+v", info)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("a"); err != nil {
		t.Fatalf("Delete after unlock: %v", err)
	}
}
