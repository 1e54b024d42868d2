package archive

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// Bounds of names and link targets, those of Linux (limits.h).
const (
	// MaxPathBytes is PATH_MAX less the terminating NUL.
	MaxPathBytes = 4095
	// MaxNameBytes is NAME_MAX, the longest component.
	MaxNameBytes = 255
)

// CheckPath returns an error wrapping ErrUnsafe unless name is a
// relative, slash-separated, clean path (path.Clean leaves it as it is)
// of valid UTF-8 without NUL, ".", ".." or empty components, at most
// MaxPathBytes long with components of at most MaxNameBytes.
func CheckPath(name string) error {
	switch {
	case name == "" || name == "." || len(name) > MaxPathBytes:
		return fmt.Errorf("%w: name %.200q is empty or longer than %d bytes", ErrUnsafe, name, MaxPathBytes)
	case !utf8.ValidString(name) || strings.ContainsRune(name, 0):
		return fmt.Errorf("%w: name %.200q is not UTF-8 or holds a NUL", ErrUnsafe, name)
	case path.IsAbs(name):
		return fmt.Errorf("%w: name %.200q is absolute", ErrUnsafe, name)
	case path.Clean(name) != name:
		return fmt.Errorf("%w: name %.200q is not clean", ErrUnsafe, name)
	}
	for c := range strings.SplitSeq(name, "/") {
		if c == ".." {
			return fmt.Errorf("%w: name %.200q holds \"..\"", ErrUnsafe, name)
		}
		if len(c) > MaxNameBytes {
			return fmt.Errorf("%w: name %.200q has a component longer than %d bytes", ErrUnsafe, name, MaxNameBytes)
		}
	}
	return nil
}

// CheckLink returns an error wrapping ErrUnsafe unless a symbolic link
// at name with target may be in an archive whose links may only live in,
// and point within, the directories roots (archive names, e.g.
// "workspace/files"): name lies under one root R, and target is relative,
// clean, of valid UTF-8 without NUL, at most MaxPathBytes long, with ".."
// only as leading components, and resolves, from the directory holding
// name, to R or below it.
//
// # Notes
//
//   - With ".." allowed only as a prefix, no target passes through a
//     link and then climbs: every link of a checked tree resolves inside
//     its root, whichever links the path to it went through (entries are
//     never created under a link: a parent must be a directory).
//   - The jail sees files/ at /workspace, so an absolute target is
//     refused even when it means a path under /workspace: on the host it
//     names the host's root.
func CheckLink(roots []string, name, target string) error {
	root := ""
	for _, r := range roots {
		if strings.HasPrefix(name, r+"/") {
			root = r
		}
	}
	switch {
	case root == "":
		return fmt.Errorf("%w: symlink %.200q: links are allowed only under %s", ErrUnsafe, name, strings.Join(roots, ", "))
	case target == "" || len(target) > MaxPathBytes || !utf8.ValidString(target) || strings.ContainsRune(target, 0):
		return fmt.Errorf("%w: symlink %.200q: its target is empty, too long, not UTF-8 or holds a NUL", ErrUnsafe, name)
	case path.IsAbs(target):
		return fmt.Errorf("%w: symlink %.200q → %.200q: an absolute target leaves the archive", ErrUnsafe, name, target)
	case path.Clean(target) != target:
		return fmt.Errorf("%w: symlink %.200q → %.200q: the target is not clean", ErrUnsafe, name, target)
	}
	comps := strings.Split(target, "/")
	lead := 0
	for lead < len(comps) && comps[lead] == ".." {
		lead++
	}
	if slices.Contains(comps[lead:], "..") {
		return fmt.Errorf("%w: symlink %.200q → %.200q: \"..\" after a name", ErrUnsafe, name, target)
	}
	if to := path.Join(path.Dir(name), target); to != root && !strings.HasPrefix(to, root+"/") {
		return fmt.Errorf("%w: symlink %.200q → %.200q leaves %s", ErrUnsafe, name, target, root)
	}
	return nil
}
