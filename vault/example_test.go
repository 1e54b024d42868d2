package vault_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/bulkhead-dev/bulkhead/vault"
)

func Example() {
	dir, err := os.MkdirTemp("", "workspace")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "credentials.enc.json")

	// The passphrase comes from BULKHEAD_CREDENTIAL_KEY in the CLI.
	v, err := vault.Open(path, "acme", []byte("platform passphrase"), vault.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	err = v.Put("github", vault.Entry{
		Values: map[string]vault.Secret{"GITHUB_TOKEN": vault.Secret("ghp_example")},
		Hosts:  []string{"API.GitHub.com"},
	})
	if err != nil {
		log.Fatal(err)
	}

	e, err := v.Get("github")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e)                        // metadata only
	fmt.Println(e.Values["GITHUB_TOKEN"]) // a Secret prints redacted
	use(e.Values["GITHUB_TOKEN"])         // the bytes, for the host's own use
	e.Zero()

	infos, _ := v.List()
	fmt.Printf("%+v\n", infos)

	_, err = vault.Open(path, "acme", []byte("wrong"), vault.Options{})
	fmt.Println(errors.Is(err, vault.ErrWrongPassphrase))
	// Output:
	// vault.Entry{keys: [GITHUB_TOKEN], hosts: [api.github.com], toBash: false}
	// [redacted]
	// [{Name:github Keys:[GITHUB_TOKEN] Hosts:[api.github.com] ToBash:false}]
	// true
}

func use(token []byte) { _ = len(token) }
