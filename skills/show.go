package skills

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// Details is a skill with its files and content hash, as Show and Add
// return it.
type Details struct {
	*Skill
	// Files lists the skill's regular files, sorted by path.
	Files []File
	// Hash identifies the folder's content: "sha256:" and 64 hexadecimal
	// digits (see the package comment for what it covers).
	Hash string
}

// File is a regular file of a skill.
type File struct {
	// Path is slash-separated, relative to the skill folder.
	Path string
	// Size is in bytes.
	Size int64
	// Mode is 0644 or 0755.
	Mode fs.FileMode
}

// Show returns skill id with every file and the content hash. It reads the
// whole folder; Get reads SKILL.md only.
func (c *Catalog) Show(id string) (*Details, error) {
	root, err := c.openSkill(id)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	sk, err := c.load(id, root, "")
	if err != nil {
		return nil, err
	}
	return inspect(sk, root)
}

// member is a file or directory found by inspect.
type member struct {
	path string
	dir  bool
	mode fs.FileMode
	size int64
}

// inspect lists the folder root and hashes it.
//
// The hash is SHA-256 (FIPS 180-4) over every member in byte order of its
// path: for a directory the line "d <mode> <len>:<path>\n", for a file the
// line "f <mode> <size> <len>:<path>\n" followed by its content; mode is
// four octal digits, len the path's length in bytes.
func inspect(sk *Skill, root *os.Root) (*Details, error) {
	var members []member
	if err := list(root, ".", &members); err != nil {
		return nil, fmt.Errorf("skill %q: %w", sk.ID, err)
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.path, b.path) })
	h := sha256.New()
	d := &Details{Skill: sk}
	for _, m := range members {
		if m.dir {
			fmt.Fprintf(h, "d %04o %d:%s\n", m.mode, len(m.path), m.path)
			continue
		}
		fmt.Fprintf(h, "f %04o %d %d:%s\n", m.mode, m.size, len(m.path), m.path)
		if err := hashFile(h, root, m); err != nil {
			return nil, fmt.Errorf("skill %q: %w", sk.ID, err)
		}
		d.Files = append(d.Files, File{Path: m.path, Size: m.size, Mode: m.mode})
	}
	d.Hash = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return d, nil
}

// list appends the members under dir, refusing anything but regular files
// and directories.
func list(root *os.Root, dir string, out *[]member) error {
	f, err := root.Open(dir)
	if err != nil {
		return err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		fi, err := root.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			*out = append(*out, member{path: p, dir: true, mode: fi.Mode().Perm()})
			if err := list(root, p, out); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			*out = append(*out, member{path: p, mode: fi.Mode().Perm(), size: fi.Size()})
		default:
			return fmt.Errorf("%s: %w: not a regular file or directory", p, ErrUnsafe)
		}
	}
	return nil
}

// hashFile writes m's content to h, checking it still has m's size.
func hashFile(h io.Writer, root *os.Root, m member) error {
	f, err := root.OpenFile(m.path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(h, io.LimitReader(f, m.size+1))
	if err != nil {
		return err
	}
	if n != m.size {
		return fmt.Errorf("%s: changed while being hashed", m.path)
	}
	return nil
}
