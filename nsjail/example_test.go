package nsjail_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail"
)

func ExampleBash() {
	ws, err := os.MkdirTemp("", "workspace")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(ws)

	cfg := nsjail.Config{
		Workspace: ws,
		Env:       map[string]string{"GREETING": "hello"},
		Timeout:   10 * time.Second,
	}
	res, err := nsjail.Bash(context.Background(), cfg, `echo "$GREETING from $(hostname) in $PWD"; exit 3`)
	if err != nil {
		log.Fatal(err) // the jail could not be set up
	}
	fmt.Printf("%sexit %d\n", res.Stdout, res.ExitCode)
	// Output:
	// hello from bulkhead in /workspace
	// exit 3
}
