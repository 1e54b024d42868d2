//go:build linux

package confined

import (
	"strings"
	"testing"
)

// TestGuestToolMessages runs the guest's built-in file tools over this file
// system and checks that what it refuses reaches the model with the reason:
// a hard link names the hard links, special files name their type, and
// escapes are refused as such, while ordinary reads keep working on the
// same Toolbox.
func TestGuestToolMessages(t *testing.T) {
	l := newLayout(t)
	results := runGuest(t, buildGuestPackage(t, "./testdata/toolsguest"), l)
	const hardLinks = "refused: the file has several hard links, which could name a file outside the workspace"
	want := map[string]string{
		"ok.read":                "     1\thello",
		"ok.read_nested":         "     1\tinner",
		"ok.read_again":          "     1\thello",
		"refused.read_hardlink":  "read hardlink: " + hardLinks,
		"refused.write_hardlink": "write hardlink: " + hardLinks,
		"refused.edit_hardlink":  "edit hardlink: " + hardLinks,
		"refused.read_fifo":      "read fifo: not a regular file (a FIFO, a socket or another special file)",
		"refused.read_device":    "read nulldev: not a regular file (Dc",
		"refused.read_socket":    "read sock: not a regular file (a FIFO, a socket or another special file)",
		"refused.read_escape":    "path escapes the workspace",
		"refused.read_link_out":  "path escapes the workspace",
	}
	for name, w := range want {
		r, ok := results[name]
		switch {
		case !ok:
			t.Errorf("%s: no result", name)
		case strings.HasPrefix(name, "ok.") && (!r.OK || r.Data != w):
			t.Errorf("%s = %+v, want output %q", name, r, w)
		case strings.HasPrefix(name, "refused.") && (r.OK || !strings.Contains(r.Err, w)):
			t.Errorf("%s = %+v, want an error containing %q", name, r, w)
		}
		if strings.Contains(r.Data+r.Err, secret) {
			t.Errorf("%s revealed the secret: %+v", name, r)
		}
	}
	l.assertSecretIntact(t)
}
