package builtin

import "sync"

// readBufferBytes is the size of the read tool's file buffer: the most it
// reads with one system call.
const readBufferBytes = 64 << 10

// readBuffers recycles the read tool's buffers between calls. Inside the
// WebAssembly guest, collecting the garbage of a fresh 64 KiB file buffer
// and output buffer for every call would cost more than a small read
// itself.
var readBuffers sync.Pool // of *readBufferSet

// readBufferSet is one read call's buffers.
type readBufferSet struct {
	file []byte // readBufferBytes long, at least sniffBytes
	out  []byte // the output of the last call that used the set, to reuse
}

// getReadBuffers returns a set from the pool or a new one; the caller hands
// it back with put.
func getReadBuffers() *readBufferSet {
	if b, ok := readBuffers.Get().(*readBufferSet); ok {
		return b
	}
	return &readBufferSet{file: make([]byte, readBufferBytes)}
}

// put returns the set to the pool, keeping out (which may have grown) for
// the next call. Nothing may refer to either buffer afterwards.
func (b *readBufferSet) put(out []byte) {
	b.out = out[:0]
	readBuffers.Put(b)
}
