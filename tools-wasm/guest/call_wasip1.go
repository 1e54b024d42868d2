//go:build wasip1

package guest

import (
	"unsafe"

	"github.com/bulkhead-dev/bulkhead/hostcall"
)

//go:wasmimport bulkhead_v1 call
func hostCall(methodPtr, methodLen, payloadPtr, payloadLen, resultLenPtr uint32) uint32

//go:wasmimport bulkhead_v1 take
func hostTake(bufPtr, bufLen uint32) int32

// rawCall performs one host call and takes its answer.
func rawCall(method string, payload []byte) (hostcall.Status, []byte) {
	var resultLen uint32
	status := hostcall.Status(hostCall(
		ptr(unsafe.StringData(method)), uint32(len(method)),
		ptr(unsafe.SliceData(payload)), uint32(len(payload)),
		ptr(&resultLen),
	))
	answer := make([]byte, resultLen)
	if resultLen > 0 {
		if n := hostTake(ptr(&answer[0]), resultLen); n < 0 {
			return hostcall.BadRequest, []byte("no answer pending after call")
		}
	}
	return status, answer
}

// ptr converts a pointer into linear memory to the u32 offset the ABI uses.
// A nil pointer (empty string or slice) becomes offset 0 with length 0.
func ptr[T any](p *T) uint32 {
	return uint32(uintptr(unsafe.Pointer(p)))
}
