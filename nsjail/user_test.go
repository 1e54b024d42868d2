package nsjail

import (
	"strings"
	"testing"
)

func TestDecidePrivilege(t *testing.T) {
	const initMap = "         0          0 4294967295\n"
	const allCaps = "Name:\tx\nCapEff:\t000001ffffffffff\n"
	const noSysAdmin = "Name:\tx\nCapEff:\t000001ffffdfffff\n"
	tests := []struct {
		name       string
		euid, egid int
		uidMap     string
		status     string
		dumpable   bool
		want       Privilege
		wantErr    string
	}{
		{"host root", 0, 0, initMap, allCaps, true, Privilege{Root: true, UID: JailHostID, GID: JailHostID}, ""},
		{"host root, not dumpable", 0, 0, initMap, allCaps, false, Privilege{Root: true, UID: JailHostID, GID: JailHostID}, ""},
		{"root without CAP_SYS_ADMIN", 0, 0, initMap, noSysAdmin, true, Privilege{}, "without CAP_SYS_ADMIN (CapEff 000001ffffdfffff)"},
		{"ordinary user", 1000, 100, initMap, "CapEff:\t0000000000000000\n", true, Privilege{UID: 1000, GID: 100}, ""},
		{"ordinary user, not dumpable", 1000, 100, initMap, "", false, Privilege{}, "not dumpable"},
		{"root of a rootless container", 0, 0, "0 1000 1\n1 100000 65536\n", allCaps, true, Privilege{UID: 0, GID: 0}, ""},
		{"user of a rootless container", 5, 5, "0 1000 1\n1 100000 65536\n", "", true, Privilege{UID: 5, GID: 5}, ""},
		{"root of a namespace mapped to host root", 0, 0, "0 0 1000\n", allCaps, true, Privilege{}, "uid 0 of its parent"},
		{"unmapped uid", 7, 7, "0 1000 1\n", "", true, Privilege{}, "uid 7 is not mapped"},
	}
	for _, tc := range tests {
		got, err := decidePrivilege(tc.euid, tc.egid, tc.uidMap, tc.status, tc.dumpable)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}
