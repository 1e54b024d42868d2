package skill

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
)

// harness replaces the standard streams and exit, and resets the params.
func harness(t *testing.T, in string) (out, errOut *bytes.Buffer, code *int) {
	t.Helper()
	out, errOut, code = &bytes.Buffer{}, &bytes.Buffer{}, new(int)
	*code = -1
	oldIn, oldOut, oldErr, oldExit := stdin, stdout, stderr, exit
	stdin, stdout, stderr = strings.NewReader(in), out, errOut
	exit = func(c int) { *code = c }
	paramsOnce, params, paramsErr = sync.Once{}, nil, nil
	t.Cleanup(func() {
		stdin, stdout, stderr, exit = oldIn, oldOut, oldErr, oldExit
		paramsOnce, params, paramsErr = sync.Once{}, nil, nil
	})
	return out, errOut, code
}

type greet struct {
	Name string `json:"name"`
}

func TestRun(t *testing.T) {
	out, errOut, code := harness(t, `{"name":"ada"}`)
	Run(func(p greet) (map[string]string, error) { return map[string]string{"hi": p.Name}, nil })
	if out.String() != `{"hi":"ada"}`+"\n" || errOut.Len() != 0 || *code != -1 {
		t.Errorf("stdout %q, stderr %q, exit %d", out, errOut, *code)
	}
}

func TestRunStringResult(t *testing.T) {
	out, _, _ := harness(t, ``)
	Run(func(p greet) (string, error) { return "name=" + p.Name, nil })
	if out.String() != "name=" {
		t.Errorf("stdout %q (empty params are {})", out)
	}
}

func TestRunFails(t *testing.T) {
	out, errOut, code := harness(t, `{}`)
	Run(func(greet) (string, error) { return "", errors.New("no such user") })
	if out.Len() != 0 || errOut.String() != "error: no such user\n" || *code != ExitFailed {
		t.Errorf("stdout %q, stderr %q, exit %d", out, errOut, *code)
	}
}

func TestRunBadParams(t *testing.T) {
	_, errOut, code := harness(t, `{"name": 3}`)
	called := false
	Run(func(greet) (string, error) { called = true; return "", nil })
	if called || *code != ExitBadParams || !strings.Contains(errOut.String(), "decode params") {
		t.Errorf("called %v, stderr %q, exit %d", called, errOut, *code)
	}
}

func TestParamsReadOnce(t *testing.T) {
	harness(t, `{"name":"x"}`)
	var a, b greet
	if err := Params(&a); err != nil {
		t.Fatal(err)
	}
	if err := Params(&b); err != nil || b.Name != "x" {
		t.Fatalf("second Params: %+v, %v", b, err)
	}
}

func TestHostCallsOutsideWASM(t *testing.T) {
	if err := Log(Info, "x"); err == nil || !strings.Contains(err.Error(), "unknown method") {
		t.Errorf("Log outside wasip1 = %v, want unknown method", err)
	}
}
