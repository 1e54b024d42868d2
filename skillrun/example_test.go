package skillrun_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/bulkhead-dev/bulkhead/skillrun"
	"github.com/bulkhead-dev/bulkhead/skills"
	"github.com/bulkhead-dev/bulkhead/wasmhost"
)

// Run the example C skill with its credential, as skill_execute does: the
// skill prints a fingerprint of the token, and the token itself would be
// masked.
func Example() {
	ctx := context.Background()
	state, err := os.MkdirTemp("", "skillrun-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(state)
	cat, err := skills.Open(filepath.Join(state, "skills"), skills.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := cat.Add(ctx, "../testdata/skills/env-report", skills.AddOptions{}); err != nil {
		log.Fatal(err)
	}
	skill, err := cat.Get("env-report")
	if err != nil {
		log.Fatal(err)
	}

	host, err := wasmhost.New(ctx, wasmhost.Config{WarmInstances: -1})
	if err != nil {
		log.Fatal(err)
	}
	defer host.Close(ctx)
	exec := skillrun.New(skillrun.Options{WASM: host})
	defer exec.Close(ctx)

	res, err := exec.Execute(ctx, skillrun.Request{
		Skill:          skill,
		Params:         []byte(`{"repo":"octo/hello"}`),
		Credentials:    map[string][]byte{"REPORT_TOKEN": []byte("tok-123")}, // zeroed by Execute
		ProtectedPaths: []string{state},
	})
	if err != nil {
		log.Fatal(err)
	}
	text, isError := res.ToolResult()
	fmt.Print(text)
	fmt.Println(isError)
	// Output:
	// {"params": {"repo":"octo/hello"}, "token_length": 7, "token_fnv1a": "387bbf60"}
	// false
}
