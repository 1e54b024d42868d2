package skill

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/tools-wasm/guest"
)

// Exit statuses used by Run; the host reports any non-zero status to the
// model with the end of standard error.
const (
	// ExitFailed: the skill ran and failed (its function returned an
	// error).
	ExitFailed = 1
	// ExitBadParams: the params could not be decoded.
	ExitBadParams = 2
)

// Level is the severity of a Log line.
type Level = hostcall.LogLevel

// The levels of Log.
const (
	Debug = hostcall.LogDebug
	Info  = hostcall.LogInfo
	Warn  = hostcall.LogWarn
	Error = hostcall.LogError
)

// The standard streams, variables so that tests can replace them.
var (
	stdin          io.Reader = os.Stdin
	stdout, stderr io.Writer = os.Stdout, os.Stderr
	exit                     = os.Exit
)

var (
	paramsOnce sync.Once
	params     []byte
	paramsErr  error
)

// ParamsJSON returns the params exactly as the host gave them on standard
// input (a JSON value, {} when the call had none). Standard input is read
// once; later calls return the same bytes.
func ParamsJSON() ([]byte, error) {
	paramsOnce.Do(func() {
		params, paramsErr = io.ReadAll(stdin)
		if paramsErr == nil && len(params) == 0 {
			params = []byte("{}")
		}
	})
	return params, paramsErr
}

// Params decodes the params into v, as encoding/json.Unmarshal does.
func Params(v any) error {
	data, err := ParamsJSON()
	if err != nil {
		return fmt.Errorf("read params: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode params: %w", err)
	}
	return nil
}

// HostParams decodes the params into v as Params does, but asks the host
// for them (host call params.read) instead of reading standard input: for
// a skill that gives its standard input to something else.
func HostParams(v any) error {
	return guest.Call(hostcall.MethodParamsRead, struct{}{}, v)
}

// Result writes v to standard output: a string or []byte as is, anything
// else as JSON followed by a newline.
func Result(v any) error {
	var out []byte
	switch r := v.(type) {
	case string:
		out = []byte(r)
	case []byte:
		out = r
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode result: %w", err)
		}
		out = append(b, '\n')
	}
	_, err := stdout.Write(out)
	return err
}

// Log writes msg to the host's log at level (host call log). The host
// masks credential values in it, cuts it at 8 KiB, and rate-limits calls;
// an error (for example when the rate limit is exhausted) is returned for
// the skill to ignore or not.
func Log(level Level, msg string) error {
	return guest.Call(hostcall.MethodLog, hostcall.Log{Level: level, Message: msg}, nil)
}

// Logf is Log with a format, as fmt.Sprintf.
func Logf(level Level, format string, args ...any) error {
	return Log(level, fmt.Sprintf(format, args...))
}

// Fail writes "error: " and err's message to standard error and exits with
// ExitFailed. The host shows the model the end of standard error.
func Fail(err error) {
	FailWith(ExitFailed, err)
}

// FailWith writes "error: " and err's message to standard error and exits
// with status code.
func FailWith(code int, err error) {
	fmt.Fprintf(stderr, "error: %v\n", err)
	exit(code)
}

// Run is a whole skill: it decodes the params into a P (exiting with
// ExitBadParams if they do not decode), calls fn, and writes its result
// with Result, or fails with Fail when fn returns an error.
func Run[P, R any](fn func(P) (R, error)) {
	var p P
	if err := Params(&p); err != nil {
		FailWith(ExitBadParams, err)
		return
	}
	r, err := fn(p)
	if err != nil {
		Fail(err)
		return
	}
	if err := Result(r); err != nil {
		Fail(err)
	}
}
