package skills_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/bulkhead-dev/bulkhead/skills"
)

// Add a skill folder to a catalog, enable it for one workspace and read
// its SKILL.md as the skill_read tool would.
func Example() {
	state, err := os.MkdirTemp("", "bulkhead-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(state)
	cat, err := skills.Open(filepath.Join(state, "skills"), skills.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	d, err := cat.Add(ctx, "testdata/public/pdf-tools", skills.AddOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.ID, d.Kind, len(d.Files), "files")

	ws := filepath.Join(state, "workspaces", "default")
	os.MkdirAll(ws, 0o700)
	enabled := skills.OpenEnabled(filepath.Join(ws, skills.EnabledFile), cat)
	if err := enabled.Enable(ctx, "pdf-tools"); err != nil {
		log.Fatal(err)
	}
	ids, _ := enabled.List()
	fmt.Println(ids)

	script, err := cat.ReadFile("pdf-tools", "scripts/extract.py")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(script) > 0)
	// Output:
	// pdf-tools instruction 4 files
	// [pdf-tools]
	// true
}

func ExampleParse() {
	fm, body, err := skills.Parse("SKILL.md", []byte(`---
name: gh-issues
description: File and triage GitHub issues.
credentials: [github]
timeout: 60
network: [api.github.com]
---
Use the execute entry point.
`), skills.ParseOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(fm.Name, fm.Credentials, fm.Timeout, fm.Network, fm.Workspace)
	fmt.Print(body)
	// Output:
	// gh-issues [github] 1m0s [api.github.com] none
	// Use the execute entry point.
}
