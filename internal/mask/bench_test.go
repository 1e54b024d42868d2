package mask

import (
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// benchInput returns 10 MiB of log-like text with each of the 10 values
// printed raw or base64-encoded about every 64 KiB, and the values.
func benchInput() ([]byte, [][]byte) {
	rng := rand.New(rand.NewPCG(1, 2))
	var values [][]byte
	for i := range 10 {
		values = append(values, fmt.Appendf(nil, "ghp_%032x%d", rng.Uint64(), i))
	}
	const size = 10 << 20
	in := make([]byte, 0, size+1024)
	for n := 0; len(in) < size; n++ {
		in = fmt.Appendf(in, "2025-01-02T03:04:05Z INFO request id=%08x path=/api/v1/items/%d status=200 bytes=%d\n", rng.Uint32(), n, rng.IntN(1<<16))
		if n%700 == 0 {
			in = append(in, "token: "...)
			in = append(in, values[n/700%10]...)
			in = append(in, '\n')
		}
	}
	return in[:size], values
}

// BenchmarkWriter streams 10 MiB in 32 KiB writes with 10 secrets.
func BenchmarkWriter(b *testing.B) {
	in, values := benchInput()
	s := New(values...)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		w := s.NewWriter(io.Discard)
		for off := 0; off < len(in); off += 32 << 10 {
			w.Write(in[off:min(off+32<<10, len(in))])
		}
		w.Close()
	}
}

// BenchmarkMask masks the same 10 MiB in one call.
func BenchmarkMask(b *testing.B) {
	in, values := benchInput()
	s := New(values...)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		s.Mask(in)
	}
}

// BenchmarkNew compiles the automaton for 10 secrets of 40 bytes.
func BenchmarkNew(b *testing.B) {
	_, values := benchInput()
	for b.Loop() {
		New(values...)
	}
}
