package wasmhost

import (
	"context"
	"sync"
)

// pool keeps agent instances warm: instantiated, past the Go runtime's
// initialisation, and waiting in run.start for a run to bind them. Taking a
// warm instance skips the ~10 ms a guest needs to start; the pool refills in
// the background.
type pool struct {
	ready  chan *instance
	ctx    context.Context // ends when the Host closes
	cancel context.CancelFunc
	wg     sync.WaitGroup
	start  func(ctx context.Context, s *slot) // runs an instance to its exit
}

// instance is a running guest waiting for (or serving) a run.
type instance struct {
	s      *slot
	cancel context.CancelCauseFunc // interrupts the guest
}

func newPool(size int, start func(ctx context.Context, s *slot)) *pool {
	ctx, cancel := context.WithCancel(context.Background())
	p := &pool{ready: make(chan *instance, size), ctx: ctx, cancel: cancel, start: start}
	for range size {
		p.spawn()
	}
	return p
}

// spawn starts one unbound instance; it joins ready once its guest waits in
// run.start (see readyKey).
func (p *pool) spawn() {
	if p.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancelCause(p.ctx)
	inst := &instance{s: newSlot(), cancel: cancel}
	ctx = context.WithValue(ctx, readyKey{}, func() {
		select {
		case p.ready <- inst:
		default: // pool full: the instance waits to be cancelled at Close
		}
	})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.start(ctx, inst.s)
	}()
}

// take returns a warm instance, or nil if none is ready, and starts a
// replacement.
func (p *pool) take() *instance {
	select {
	case inst := <-p.ready:
		p.spawn()
		return inst
	default:
		return nil
	}
}

// close stops every instance and waits for them.
func (p *pool) close() {
	p.cancel()
	p.wg.Wait()
}

// readyKey carries, in a warm instance's context, the function its first
// host call runs to announce that the guest is initialised and waiting.
type readyKey struct{}
