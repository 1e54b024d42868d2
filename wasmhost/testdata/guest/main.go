//go:build wasip1

// Command guest is a test guest for package wasmhost. Its first argument
// selects a behaviour; results go to stderr as "key=value" lines.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/tools-wasm/guest"
)

//go:wasmimport bulkhead_v1 call
func hostCall(methodPtr, methodLen, payloadPtr, payloadLen, resultLenPtr uint32) uint32

//go:wasmimport bulkhead_v1 take
func hostTake(bufPtr, bufLen uint32) int32

func main() {
	switch os.Args[1] {
	case "loop":
		for {
		}
	case "oom":
		var keep [][]byte
		for {
			keep = append(keep, make([]byte, 1<<20))
		}
	case "echo":
		var out map[string]string
		err := guest.Call("test.echo", map[string]string{"msg": "hi"}, &out)
		fmt.Fprintf(os.Stderr, "echo=%v err=%v\n", out["msg"], err)
	case "status":
		err := guest.Call(os.Args[2], map[string]string{}, nil)
		fmt.Fprintf(os.Stderr, "err=%v\n", err)
	case "flood":
		counts := map[hostcall.Status]int{}
		for range 20 {
			err := guest.Call("test.echo", map[string]string{}, nil)
			counts[status(err)]++
		}
		fmt.Fprintf(os.Stderr, "ok=%d limited=%d\n", counts[hostcall.OK], counts[hostcall.RateLimited])
	case "big":
		err := guest.Call("test.echo", map[string]string{"msg": strings.Repeat("x", 2<<20)}, nil)
		fmt.Fprintf(os.Stderr, "status=%d\n", status(err))
	case "badptr":
		var n uint32
		m := "test.echo"
		st := hostCall(uint32(uintptr(unsafe.Pointer(unsafe.StringData(m)))), uint32(len(m)), 0xFFFFFF00, 4096, uint32(uintptr(unsafe.Pointer(&n))))
		fmt.Fprintf(os.Stderr, "status=%d take=%d\n", st, hostTake(0, 0))
	case "take-empty":
		fmt.Fprintf(os.Stderr, "take=%d\n", hostTake(0, 0))
	case "exit3":
		fmt.Fprintln(os.Stderr, "something broke")
		os.Exit(3)
	// Modes for RunCommand.
	case "cat":
		io.Copy(os.Stdout, os.Stdin)
	case "env":
		env := os.Environ()
		sort.Strings(env)
		fmt.Println(strings.Join(env, "\n"))
	case "read":
		data, err := os.ReadFile(os.Args[2])
		fmt.Printf("%s err=%v\n", data, err)
	case "write":
		err := os.WriteFile(os.Args[2], []byte("written"), 0o644)
		fmt.Printf("err=%v\n", err)
	case "spew":
		n, _ := strconv.Atoi(os.Args[2])
		chunk := []byte(strings.Repeat("o", 1000))
		for i := 0; i < n; i += len(chunk) {
			os.Stdout.Write(chunk[:min(len(chunk), n-i)])
			os.Stderr.Write(chunk[:min(len(chunk), n-i)])
		}
	case "sleep":
		time.Sleep(time.Hour)
	}
}

func status(err error) hostcall.Status {
	if err == nil {
		return hostcall.OK
	}
	if e, ok := err.(*hostcall.Error); ok {
		return e.Status
	}
	return 255
}
