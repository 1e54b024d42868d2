//go:build !wasip1

package guest

import "github.com/bulkhead-dev/bulkhead/hostcall"

// rawCall outside WebAssembly has no host to reach.
func rawCall(method string, _ []byte) (hostcall.Status, []byte) {
	return hostcall.UnknownMethod, []byte("no host: not running as a wasip1 guest")
}
