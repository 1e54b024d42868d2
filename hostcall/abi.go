package hostcall

import "fmt"

// ModuleName is the import module of version 1 of the interface. A breaking
// change to any signature or payload gets a new module name
// ("bulkhead_v2"); the host may serve several versions at once.
const ModuleName = "bulkhead_v1"

// Names of the two host functions in ModuleName.
const (
	FuncCall = "call"
	FuncTake = "take"
)

// Status is the u32 result of the call host function. Every status other
// than OK leaves an error message pending, readable with take.
type Status uint32

// The status codes of version 1. Their numeric values are part of the ABI.
const (
	OK            Status = 0 // the method succeeded; the pending answer is its JSON result
	UnknownMethod Status = 1 // no such method in this version, or not granted to this guest
	BadRequest    Status = 2 // malformed payload, or pointers outside linear memory
	TooLarge      Status = 3 // payload or result over the size cap
	RateLimited   Status = 4 // the per-run rate limit of the method is exhausted; retry later
	Canceled      Status = 5 // the run's context ended (cancellation or deadline)
	Denied        Status = 6 // the method exists but this run may not use it (capability)
	Failed        Status = 7 // the method ran and failed; the message says why
)

// NoAnswer is the value take returns (as i32) when no answer is pending.
const NoAnswer int32 = -1

var statusNames = map[Status]string{
	OK: "ok", UnknownMethod: "unknown method", BadRequest: "bad request",
	TooLarge: "too large", RateLimited: "rate limited", Canceled: "canceled",
	Denied: "denied", Failed: "failed",
}

// String returns the status name, e.g. "rate limited".
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("status %d", uint32(s))
}

// Error is a failed host call as seen by either side: a status other than
// OK and the pending message.
type Error struct {
	Method  string
	Status  Status
	Message string
}

// Error formats as "host call METHOD: STATUS: MESSAGE".
func (e *Error) Error() string {
	return fmt.Sprintf("host call %s: %s: %s", e.Method, e.Status, e.Message)
}

// Errorf returns an *Error with the given status and a formatted message.
// Method handlers on the host return it to choose the status; any other
// error becomes Failed.
func Errorf(status Status, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}
