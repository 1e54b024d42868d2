package sessions_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/sessions"
)

// A run holds the session lock, loads the history if there is one, and
// appends each new message.
func Example() {
	dir, err := os.MkdirTemp("", "workspace")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	store, err := sessions.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	unlock, err := store.Lock(context.Background(), "main")
	if err != nil {
		log.Fatal(err)
	}
	defer unlock()

	history, warnings, err := store.Load("main")
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range warnings {
		log.Print(w)
	}
	fmt.Println("history:", len(history))

	if err := store.Append("main", "some-model", chat.UserText("hello")); err != nil {
		log.Fatal(err)
	}
	info, err := store.Get("main")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.ID, info.Model, info.Messages)
	// Output:
	// history: 0
	// main some-model 1
}
