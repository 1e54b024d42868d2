package guest

import (
	"encoding/json"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/hostcall"
)

// Call invokes method with req encoded as JSON and decodes the result into
// resp (which may be nil to discard it). A status other than OK returns a
// *hostcall.Error carrying the host's message.
func Call(method string, req, resp any) error {
	payload, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("host call %s: encode payload: %w", method, err)
	}
	return CallRaw(method, payload, resp)
}

// CallRaw is Call with a payload already encoded as JSON.
func CallRaw(method string, payload []byte, resp any) error {
	status, answer := rawCall(method, payload)
	if status != hostcall.OK {
		return &hostcall.Error{Method: method, Status: status, Message: string(answer)}
	}
	if resp == nil {
		return nil
	}
	if err := json.Unmarshal(answer, resp); err != nil {
		return fmt.Errorf("host call %s: decode result: %w", method, err)
	}
	return nil
}

// Host implements the agent loop's view of the host (agentloop.StepHost)
// over the host calls of step-wise guests. Its zero value is ready to use.
type Host struct{}

// Begin calls step.begin.
func (Host) Begin() (*hostcall.StepInput, error) {
	var in hostcall.StepInput
	if err := Call(hostcall.MethodStepBegin, struct{}{}, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// End calls step.end.
func (Host) End(out *hostcall.StepOutput) error {
	return Call(hostcall.MethodStepEnd, out, nil)
}

// Emit calls event.emit.
func (Host) Emit(ev hostcall.Event) error {
	return Call(hostcall.MethodEventEmit, ev, nil)
}
