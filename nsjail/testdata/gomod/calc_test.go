package calc

import (
	"fmt"
	"testing"
)

func TestFib(t *testing.T) {
	for n, want := range []int{0, 1, 1, 2, 3, 5, 8, 13} {
		if got := Fib(n); got != want {
			t.Errorf("Fib(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestShout(t *testing.T) {
	if got := Shout("hi"); got != "HI!" {
		t.Errorf("Shout = %q", got)
	}
}

func ExampleFib() {
	fmt.Println(Fib(10))
	// Output: 55
}
