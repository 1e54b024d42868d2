package mask

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// FuzzWriter: for random values and random chunkings, the streamed output
// equals the one-shot output and the brute-force reference, and holds no
// form of any value (except forms containing '*', see the package notes).
func FuzzWriter(f *testing.F) {
	f.Add(uint64(1), []byte("hunter22\nsk-abc-123"), []byte("log line hunter22 and more"))
	f.Add(uint64(7), []byte("aaaa\naaaaaaa\naaab"), []byte("aaaaaaaaaab"))
	f.Add(uint64(3), []byte("p@ss w/rd+x"), []byte("GET /?k=p%40ss+w%2Frd%2Bx"))
	f.Add(uint64(9), []byte("x***y\nQQQQ"), []byte("xQQQQy"))
	f.Fuzz(func(t *testing.T, seed uint64, blob, text []byte) {
		values := bytes.Split(blob, []byte("\n"))
		if len(values) > 12 || len(text) > 4096 {
			return
		}
		for _, v := range values {
			if len(v) > 64 {
				return
			}
		}
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		in := plant(rng, values, text)
		s := New(values...)

		want := s.Mask(in)
		if ref := reference(values, in); !bytes.Equal(want, ref) {
			t.Fatalf("Mask = %q, reference %q", want, ref)
		}
		var out bytes.Buffer
		w := s.NewWriter(&out)
		for rest := in; len(rest) > 0; {
			n := min(len(rest), rng.IntN(40))
			w.Write(rest[:n])
			rest = rest[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("streamed %q, one-shot %q", out.Bytes(), want)
		}
		for _, v := range values {
			if len(v) < MinSecretBytes {
				continue
			}
			for _, form := range forms(v) {
				if bytes.IndexByte(form, '*') < 0 && bytes.Contains(want, form) {
					t.Fatalf("output %q contains form %q of %q", want, form, v)
				}
			}
		}
	})
}

// plant returns text with encoded forms of the values inserted at random
// places, so that most inputs have something to mask.
func plant(rng *rand.Rand, values [][]byte, text []byte) []byte {
	out := append([]byte(nil), text...)
	for _, v := range values {
		if len(v) == 0 || rng.IntN(4) == 0 {
			continue
		}
		var piece []byte
		switch rng.IntN(4) {
		case 0:
			piece = v
		case 1:
			piece = []byte(base64.StdEncoding.EncodeToString(append([]byte("u:"), v...)))
		default:
			fs := forms(v)
			if len(fs) == 0 {
				continue
			}
			piece = fs[rng.IntN(len(fs))]
		}
		at := rng.IntN(len(out) + 1)
		out = append(out[:at], append(append([]byte(nil), piece...), out[at:]...)...)
	}
	return out
}
