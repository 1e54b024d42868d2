// Package calc is a small module the jail's tests build and test with the
// host's Go toolchain, offline.
package calc

import "example.com/calc/strutil"

// Fib returns the n-th Fibonacci number.
func Fib(n int) int {
	a, b := 0, 1
	for range n {
		a, b = b, a+b
	}
	return a
}

// Shout upper-cases s and adds an exclamation mark.
func Shout(s string) string { return strutil.Upper(s) + "!" }
