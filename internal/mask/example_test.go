package mask_test

import (
	"fmt"
	"os"

	"github.com/bulkhead-dev/bulkhead/internal/mask"
)

// A secret split across two writes is still masked; its base64 form too.
func ExampleSet_NewWriter() {
	s := mask.New([]byte("ghp_abcdef123456"))
	w := s.NewWriter(os.Stdout)
	fmt.Fprint(w, "token=ghp_abc")
	fmt.Fprint(w, "def123456\nencoded=Z2hwX2FiY2RlZjEyMzQ1Ng==\n")
	w.Close()
	// Output:
	// token=***
	// encoded=***
}

func ExampleSet_Mask() {
	s := mask.New([]byte("hunter22"))
	fmt.Printf("%s\n", s.Mask([]byte("pw=hunter22 hex=68756e7465723232")))
	// Output:
	// pw=*** hex=***
}
