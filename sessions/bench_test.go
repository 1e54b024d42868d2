package sessions

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkTryLock: TryLock and unlock of a session: alone (the lock file
// is opened and closed each time, as by a process's only run of the
// workspace), while another session stays locked (as with other runs of
// the workspace waiting), and from parallel goroutines, each on its own
// session, with another session locked.
func BenchmarkTryLock(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	cycle := func(b *testing.B, id string) {
		unlock, err := s.TryLock(id)
		if err != nil {
			b.Fatal(err)
		}
		unlock()
	}
	b.Run("alone", func(b *testing.B) {
		for b.Loop() {
			cycle(b, "s1")
		}
	})
	held, err := s.Lock(context.Background(), "held")
	if err != nil {
		b.Fatal(err)
	}
	defer held()
	b.Run("others-held", func(b *testing.B) {
		for b.Loop() {
			cycle(b, "s1")
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var next atomic.Int32
		b.RunParallel(func(pb *testing.PB) {
			id := fmt.Sprintf("s%d", next.Add(1))
			for pb.Next() {
				cycle(b, id)
			}
		})
	})
}
