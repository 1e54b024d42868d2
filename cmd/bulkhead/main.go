package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(display(os.Stderr), "bulkhead:", err)
		os.Exit(1)
	}
}
