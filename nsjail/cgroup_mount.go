package nsjail

import (
	"slices"
	"strconv"
	"strings"
)

// cgroupHierarchy is what the host has mounted, from /proc/self/mountinfo.
type cgroupHierarchy struct {
	// v2 is the cgroup2 mount point, "" when none.
	v2 string
	// v2Controllers are the controllers available at v2's root.
	v2Controllers []string
	// v1 maps each controller mounted as cgroup v1 to its mount point.
	v1 map[string]string
}

// detectHierarchy parses mountinfo (see proc(5), /proc/PID/mountinfo) and
// reads the cgroup2 root's controllers with controllers. The first mount
// of each kind wins.
func detectHierarchy(mountinfo []byte, controllers func(dir string) ([]string, error)) (cgroupHierarchy, error) {
	h := cgroupHierarchy{v1: map[string]string{}}
	for _, line := range strings.Split(string(mountinfo), "\n") {
		mountPoint, fsType, superOpts, ok := parseMountinfoLine(line)
		if !ok {
			continue
		}
		switch fsType {
		case "cgroup2":
			if h.v2 == "" {
				h.v2 = mountPoint
			}
		case "cgroup":
			for _, opt := range strings.Split(superOpts, ",") {
				if _, seen := h.v1[opt]; !seen && isV1Controller(opt) {
					h.v1[opt] = mountPoint
				}
			}
		}
	}
	if h.v2 != "" {
		c, err := controllers(h.v2)
		if err != nil {
			return h, err
		}
		h.v2Controllers = c
	}
	return h, nil
}

// v1ControllerNames are the cgroup v1 controllers (see cgroups(7)); other
// super options of a cgroup mount (rw, relatime, name=systemd, …) are not.
var v1ControllerNames = []string{
	"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls",
	"blkio", "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc",
}

func isV1Controller(opt string) bool { return slices.Contains(v1ControllerNames, opt) }

// parseMountinfoLine returns a mountinfo line's mount point (field 5,
// unescaped), filesystem type and super options (the two fields after the
// "-" separator).
func parseMountinfoLine(line string) (mountPoint, fsType, superOpts string, ok bool) {
	fields := strings.Fields(line)
	sep := slices.Index(fields, "-")
	if len(fields) < 5 || sep < 5 || len(fields) < sep+4 {
		return "", "", "", false
	}
	return unescapeMountinfo(fields[4]), fields[sep+1], fields[sep+3], true
}

// unescapeMountinfo undoes the kernel's octal escapes (\040 for a space,
// \011, \012, \134) in mountinfo paths.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// missingV2 returns the first controller of need not available in v2.
func (h cgroupHierarchy) missingV2(need []string) string {
	for _, c := range need {
		if h.v2 == "" || !slices.Contains(h.v2Controllers, c) {
			return c
		}
	}
	return ""
}

// missingV1 returns the first controller of need not mounted as v1.
func (h cgroupHierarchy) missingV1(need []string) string {
	for _, c := range need {
		if _, ok := h.v1[c]; !ok {
			return c
		}
	}
	return ""
}

// v1Controllers lists the v1 controllers, sorted.
func (h cgroupHierarchy) v1Controllers() []string {
	var out []string
	for c := range h.v1 {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// describeV2 summarises the v2 mount for messages.
func (h cgroupHierarchy) describeV2() string {
	if h.v2 == "" {
		return "not mounted"
	}
	return h.v2 + " with controllers " + strconv.Quote(strings.Join(h.v2Controllers, " "))
}
