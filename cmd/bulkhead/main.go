package main

import "os"

func main() {
	os.Exit(execute(newRootCmd(), os.Args[1:]))
}
