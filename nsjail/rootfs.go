package nsjail

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
)

// topLevelDirs are the root directories that hold programs and libraries
// besides /usr (see the Filesystem Hierarchy Standard 3.0 §3 and
// https://www.freedesktop.org/wiki/Software/systemd/TheCaseForTheUsrMerge/).
var topLevelDirs = []string{"bin", "lib", "lib64", "sbin"}

// Host files the synthesized /etc takes from the host.
const (
	hostLdSoCache    = "/etc/ld.so.cache"
	hostResolvConf   = "/etc/resolv.conf"
	hostCerts        = "/etc/ssl/certs"
	hostAlternatives = "/etc/alternatives"
)

// rootfsPlan caches planRootfs: the host's system layout does not change
// while the process runs, and resolving it costs a dozen system calls.
var rootfsPlan = sync.OnceValues(planRootfs)

// planRootfs inspects the host's root: /usr must exist; each of
// topLevelDirs becomes a symlink if it resolves into /usr, a bind if it is
// elsewhere, and is left out if absent. Every host path in the plan has
// its symlinks resolved, because the init stage reaches the host tree
// under stage.OldRootDir, where an absolute symlink would resolve against
// the wrong root.
func planRootfs() (stage.Root, error) {
	var p stage.Root
	usr, err := filepath.EvalSymlinks("/usr")
	if err != nil {
		return p, fmt.Errorf("resolve /usr: %w", err)
	}
	p.Usr = usr
	for _, name := range topLevelDirs {
		link, err := planLink(name, usr)
		if err != nil {
			return p, err
		}
		if link != nil {
			p.Links = append(p.Links, *link)
		}
	}
	if p.LdSoCache, err = optionalHostPath(hostLdSoCache); err != nil {
		return p, err
	}
	if p.ResolvConf, err = optionalHostPath(hostResolvConf); err != nil {
		return p, err
	}
	if p.Certs, err = optionalHostPath(hostCerts); err != nil {
		return p, err
	}
	if p.Alternatives, err = optionalHostPath(hostAlternatives); err != nil {
		return p, err
	}
	return p, nil
}

// planLink decides how /name appears in the new root; nil means not at all.
func planLink(name, usr string) (*stage.Link, error) {
	hostPath := "/" + name
	resolved, err := optionalHostPath(hostPath)
	if err != nil || resolved == "" {
		return nil, err
	}
	if rel, ok := strings.CutPrefix(resolved, usr+"/"); ok {
		return &stage.Link{Name: name, Symlink: "usr/" + rel}, nil
	}
	return &stage.Link{Name: name, Bind: resolved}, nil
}

// optionalHostPath resolves path's symlinks; "" means it does not exist
// (or is a dangling symlink).
func optionalHostPath(path string) (string, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", path, err)
	}
	if _, err := os.Stat(resolved); err != nil {
		return "", fmt.Errorf("stat %s: %w", resolved, err)
	}
	return resolved, nil
}
