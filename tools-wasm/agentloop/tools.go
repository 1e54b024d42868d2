package agentloop

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
)

// Tools are the tools the guest runs itself (the built-in file tools).
type Tools interface {
	// Specs returns the schemas offered to the model.
	Specs() []chat.Tool
	// Has reports whether name is one of these tools.
	Has(name string) bool
	// Call runs a tool; failures are results with isError set.
	Call(name string, input json.RawMessage) (text string, isError bool)
	// SetBudget sets the wall-clock budget of each later call (the run's,
	// from step.begin; 0 keeps the default). It is called before any Call.
	SetBudget(time.Duration)
}

// emit reports a progress event. Events are progress, not results: one the
// host's rate limit refuses is dropped rather than failing the run.
func emit(host interface{ Emit(hostcall.Event) error }, ev hostcall.Event) error {
	err := host.Emit(ev)
	var hcErr *hostcall.Error
	if errors.As(err, &hcErr) && hcErr.Status == hostcall.RateLimited {
		return nil
	}
	return err
}
