package wasmhost

import (
	"context"
	"io"
	"sync/atomic"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// binding is what ties a guest instance to one run: the run's context
// (its deadline and cancellation reach every host call), its host-call
// dispatcher, its workspace file system and its stderr.
type binding struct {
	ctx    context.Context
	d      *dispatcher
	fs     experimentalsys.FS
	stderr io.Writer
}

// slot is a guest instance's link to the run it serves. A cold instance is
// bound before it starts; a warm one (see pool.go) starts unbound, runs the
// Go runtime's initialisation, and waits in its first host call
// (run.start) until a run binds it. Host functions, the late-bound file
// system and stderr all reach the run through the slot.
type slot struct {
	bindc chan *binding
	bound atomic.Pointer[binding]
	done  chan error // the instance's exit, sent once
}

func newSlot() *slot {
	return &slot{bindc: make(chan *binding, 1), done: make(chan error, 1)}
}

// bind hands b to the instance. It must be called at most once.
func (s *slot) bind(b *binding) {
	s.bound.Store(b)
	s.bindc <- b
}

// wait returns the slot's binding, waiting for it while the instance's
// context lives; nil if that context ends first.
func (s *slot) wait(ctx context.Context) *binding {
	if b := s.bound.Load(); b != nil {
		return b
	}
	select {
	case b := <-s.bindc:
		return b
	case <-ctx.Done():
		return nil
	}
}

// slotKey carries the slot in the context of the instance's host calls.
type slotKey struct{}

// slotWriter is the instance's stderr: the bound run's writer, or nothing
// before the instance is bound.
type slotWriter struct{ s *slot }

func (w slotWriter) Write(p []byte) (int, error) {
	if b := w.s.bound.Load(); b != nil && b.stderr != nil {
		return b.stderr.Write(p)
	}
	return len(p), nil
}
