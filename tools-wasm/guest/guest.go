package guest

import (
	"encoding/json"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/chat"
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

// Host implements the agent loop's view of the host over the version 1
// host calls. Its zero value is ready to use.
type Host struct{}

// RunStart calls run.start.
func (Host) RunStart() (*hostcall.RunStart, error) {
	var rs hostcall.RunStart
	if err := Call(hostcall.MethodRunStart, struct{}{}, &rs); err != nil {
		return nil, err
	}
	return &rs, nil
}

// Complete calls llm.complete with request, the JSON of a chat.Request.
func (Host) Complete(request []byte) (*chat.Response, error) {
	var resp chat.Response
	if err := CallRaw(hostcall.MethodLLMComplete, request, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Append calls transcript.append with messages already encoded as JSON.
func (Host) Append(msgs []json.RawMessage) error {
	return CallRaw(hostcall.MethodTranscriptAppend, hostcall.EncodeAppend(msgs), nil)
}

// CallTool calls tool.call.
func (Host) CallTool(call hostcall.ToolCall) (*hostcall.ToolResult, error) {
	var res hostcall.ToolResult
	if err := Call(hostcall.MethodToolCall, call, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Emit calls event.emit.
func (Host) Emit(ev hostcall.Event) error {
	return Call(hostcall.MethodEventEmit, ev, nil)
}

// Finish calls run.finish.
func (Host) Finish(f hostcall.Finish) error {
	return Call(hostcall.MethodRunFinish, f, nil)
}
