package wasmhost

import (
	"context"
	"errors"
	"sync"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"golang.org/x/time/rate"
)

// Handler serves the host-call methods of one run. HandleHostCall receives
// the method name and its raw JSON payload and returns the JSON result. To
// choose the status of a failure, return a *hostcall.Error; a context error
// becomes Canceled and any other error Failed, with err.Error() as the
// message the guest sees (so it must not contain secrets).
type Handler interface {
	HandleHostCall(ctx context.Context, method string, payload []byte) ([]byte, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, method string, payload []byte) ([]byte, error)

// HandleHostCall calls f.
func (f HandlerFunc) HandleHostCall(ctx context.Context, method string, payload []byte) ([]byte, error) {
	return f(ctx, method, payload)
}

// dispatcher is the per-instance state behind the call and take host
// functions: the granted methods, their rate limiters, and the answer
// pending for take.
type dispatcher struct {
	handler Handler
	limits  Limits
	methods map[string]*rate.Limiter

	mu      sync.Mutex
	pending []byte
	has     bool
}

func newDispatcher(h Handler, methods []string, l Limits) *dispatcher {
	d := &dispatcher{handler: h, limits: l, methods: make(map[string]*rate.Limiter, len(methods))}
	for _, m := range methods {
		d.methods[m] = rate.NewLimiter(l.Rate, l.Burst)
	}
	return d
}

// call runs one host call and leaves its answer pending.
func (d *dispatcher) call(ctx context.Context, method string, payload []byte) hostcall.Status {
	status, answer := d.run(ctx, method, payload)
	if status == hostcall.OK && len(answer) > d.limits.MaxResult {
		status, answer = hostcall.TooLarge, []byte("result over the size cap")
	}
	d.setPending(answer)
	return status
}

// setPending makes answer the one take returns next.
func (d *dispatcher) setPending(answer []byte) {
	d.mu.Lock()
	d.pending, d.has = answer, true
	d.mu.Unlock()
}

// pendingLen returns the byte length of the pending answer.
func (d *dispatcher) pendingLen() uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return uint32(len(d.pending))
}

func (d *dispatcher) run(ctx context.Context, method string, payload []byte) (hostcall.Status, []byte) {
	lim, ok := d.methods[method]
	if !ok {
		return hostcall.UnknownMethod, []byte("method " + method + " is not available to this guest")
	}
	if err := ctx.Err(); err != nil {
		return hostcall.Canceled, []byte(err.Error())
	}
	if len(payload) > d.limits.MaxPayload {
		return hostcall.TooLarge, []byte("payload over the size cap")
	}
	if !lim.Allow() {
		return hostcall.RateLimited, []byte("rate limit of " + method + " exhausted")
	}
	result, err := d.handler.HandleHostCall(ctx, method, payload)
	if err == nil {
		return hostcall.OK, result
	}
	var hcErr *hostcall.Error
	switch {
	case errors.As(err, &hcErr):
		return hcErr.Status, []byte(hcErr.Message)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), ctx.Err() != nil:
		return hostcall.Canceled, []byte(err.Error())
	default:
		return hostcall.Failed, []byte(err.Error())
	}
}

// take returns the pending answer and clears it.
func (d *dispatcher) take() ([]byte, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.pending, d.has
	d.pending, d.has = nil, false
	return a, ok
}
