package nsjail

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
)

func TestReportError(t *testing.T) {
	tests := []struct {
		name      string
		rep       stage.Report
		wantStep  string
		wantErrno syscall.Errno
	}{
		{"with errno", stage.Report{Step: "mnt", Error: `mount("/x"): operation not permitted`, Errno: int(syscall.EPERM)}, "mnt", syscall.EPERM},
		{"without errno", stage.Report{Step: "spec", Error: "decode spec: EOF"}, "spec", 0},
		{"status", stage.Report{ExitCode: 3}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := reportError(tc.rep)
			if tc.wantStep == "" {
				if err != nil {
					t.Fatalf("reportError(status) = %v, want nil", err)
				}
				return
			}
			var se *SetupError
			if !errors.As(err, &se) || se.Step != tc.wantStep {
				t.Fatalf("reportError = %v, want step %q", err, tc.wantStep)
			}
			if !strings.Contains(err.Error(), "setup step "+tc.wantStep+": "+tc.rep.Error) {
				t.Errorf("error text %q lacks step and cause", err)
			}
			if tc.wantErrno != 0 && !errors.Is(err, tc.wantErrno) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.wantErrno)
			}
			if tc.wantErrno == 0 && errors.Is(err, syscall.EPERM) {
				t.Errorf("error without errno matches EPERM")
			}
		})
	}
}
