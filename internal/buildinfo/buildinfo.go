package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Version describes this build: the module version (a tag, a
// pseudo-version, or "(devel)"), then the VCS revision and whether the tree
// was modified when the build recorded them (go build -buildvcs), and the
// Go version: "v0.3.0, commit a1b2c3d4e5f6, modified, go1.26.8", or
// "(devel), go1.26.8"; "(unknown)" without build information
// (https://pkg.go.dev/runtime/debug#ReadBuildInfo).
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	parts := []string{bi.Main.Version}
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			parts = append(parts, "commit "+s.Value[:min(12, len(s.Value))])
		case s.Key == "vcs.modified" && s.Value == "true":
			parts = append(parts, "modified")
		}
	}
	return strings.Join(append(parts, bi.GoVersion), ", ")
}
