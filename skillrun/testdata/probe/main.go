//go:build wasip1

// Command probe is a test WASM skill for package skillrun. Its params
// select what it does: {"mode": "...", ...}.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/tools-wasm/guest"
	"github.com/bulkhead-dev/bulkhead/tools-wasm/skill"
)

type params struct {
	Mode    string `json:"mode"`
	Path    string `json:"path"`
	Var     string `json:"var"`
	Method  string `json:"method"`
	Message string `json:"message"`
	N       int    `json:"n"`
}

func main() {
	var p params
	if err := skill.Params(&p); err != nil {
		skill.FailWith(skill.ExitBadParams, err)
	}
	switch p.Mode {
	case "env":
		env := os.Environ()
		sort.Strings(env)
		fmt.Println(strings.Join(env, "\n"))
	case "read":
		data, err := os.ReadFile(p.Path)
		fmt.Printf("%s|err=%v\n", data, err)
	case "write":
		fmt.Printf("err=%v\n", os.WriteFile(p.Path, []byte("written"), 0o644))
	case "loop":
		for {
		}
	case "call":
		err := guest.Call(p.Method, struct{}{}, nil)
		fmt.Printf("err=%v\n", err)
	case "log":
		fmt.Printf("err=%v\n", skill.Log(skill.Warn, p.Message))
	case "flood":
		limited := 0
		for i := 0; i < p.N; i++ {
			var e *hostcall.Error
			if err := skill.Log(skill.Debug, "flood"); errors.As(err, &e) && e.Status == hostcall.RateLimited {
				limited++
			}
		}
		fmt.Printf("limited=%d\n", limited)
	case "host-params":
		var again params
		err := skill.HostParams(&again)
		fmt.Printf("mode=%s n=%d err=%v\n", again.Mode, again.N, err)
	case "leak":
		v := os.Getenv(p.Var)
		fmt.Println("raw:", v)
		fmt.Println("b64:", base64.StdEncoding.EncodeToString([]byte(v)))
		fmt.Println("hex:", hex.EncodeToString([]byte(v)))
		fmt.Println("url:", url.QueryEscape(v))
		fmt.Fprintln(os.Stderr, "err:", v)
		for i := 0; i < len(v); i++ {
			os.Stdout.Write([]byte{v[i]})
		}
		fmt.Println()
	case "spew":
		chunk := []byte(strings.Repeat("x", 4096))
		for i := 0; i < p.N; i += len(chunk) {
			os.Stdout.Write(chunk[:min(len(chunk), p.N-i)])
		}
	case "oom":
		var keep [][]byte
		for {
			keep = append(keep, make([]byte, 1<<20))
		}
	case "fail":
		fmt.Print("partial output")
		fmt.Fprintln(os.Stderr, "something went wrong")
		os.Exit(p.N)
	default:
		skill.FailWith(skill.ExitBadParams, fmt.Errorf("unknown mode %q", p.Mode))
	}
}
