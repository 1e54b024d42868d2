package runtime

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/archive"
	"github.com/bulkhead-dev/bulkhead/skills"
)

// tree adds the directory host (files/ or home/) as name, as it is:
// directories, regular files and symbolic links, walked through an
// os.Root without following a link. What the archive cannot hold is left
// out (ExportStats.Omitted); an entry removed while the walk goes is
// skipped. A missing host directory is no entry.
func (x *exporter) tree(host, name string) error {
	root, err := os.OpenRoot(host)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer root.Close()
	fi, err := root.Lstat(".")
	if err != nil {
		return err
	}
	if err := x.aw.Dir(name, fi.Mode(), fi.ModTime()); err != nil {
		return err
	}
	return x.walk(root, ".", name, true)
}

// walk adds the entries of directory rel of root under name; links only
// when links (the skills have none).
func (x *exporter) walk(root *os.Root, rel, name string, links bool) error {
	d, err := root.Open(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return err
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, e := range entries {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		r, n := path.Join(rel, e.Name()), name+"/"+e.Name()
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		switch t := fi.Mode().Type(); {
		case t == fs.ModeDir:
			if err := x.aw.Dir(n, fi.Mode(), fi.ModTime()); errors.Is(err, archive.ErrUnsafe) {
				x.omit(n, err.Error())
				continue
			} else if err != nil {
				return err
			}
			if err := x.walk(root, r, n, links); err != nil {
				return err
			}
		case t.IsRegular():
			if err := x.treeFile(root, r, n); err != nil {
				return err
			}
		case t == fs.ModeSymlink && links:
			target, err := root.Readlink(r)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			if err := x.aw.Symlink(n, target, fi.ModTime()); errors.Is(err, archive.ErrUnsafe) {
				x.omit(n, err.Error())
			} else if err != nil {
				return err
			}
		default:
			x.omit(n, fmt.Sprintf("a %s: the archive holds directories, regular files and contained symbolic links", typeName(t)))
		}
	}
	return nil
}

// typeName names a file type for an omission.
func typeName(t fs.FileMode) string {
	switch {
	case t&fs.ModeSymlink != 0:
		return "symbolic link"
	case t&fs.ModeNamedPipe != 0:
		return "FIFO"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// treeFile adds the regular file rel of root as name. It reads the file
// once, without a lock: a file that shrinks meanwhile is padded with
// zeros to the size it had when opened, and a file whose size or time
// changed while read is listed in ExportStats.Changed.
func (x *exporter) treeFile(root *os.Root, rel, name string) error {
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ELOOP) {
		return nil // removed, or replaced by a link, since listed
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		x.omit(name, fmt.Sprintf("a %s: the archive holds directories, regular files and contained symbolic links", typeName(fi.Mode().Type())))
		return nil
	}
	pr := &paddedReader{r: f}
	if err := x.aw.File(name, fi.Mode(), fi.ModTime(), fi.Size(), pr); errors.Is(err, archive.ErrUnsafe) {
		x.omit(name, err.Error())
		return nil
	} else if err != nil {
		return err
	}
	x.stats.Files++
	if after, err := f.Stat(); pr.padded || err != nil || after.Size() != fi.Size() || !after.ModTime().Equal(fi.ModTime()) {
		x.stats.Changed = append(x.stats.Changed, name)
	}
	return nil
}

// paddedReader reads r, then zeros once r ends (padded is set then).
type paddedReader struct {
	r      io.Reader
	padded bool
}

func (p *paddedReader) Read(b []byte) (int, error) {
	if !p.padded {
		n, err := p.r.Read(b)
		if !errors.Is(err, io.EOF) || n > 0 {
			return n, err
		}
		p.padded = true
	}
	clear(b)
	return len(b), nil
}

// skills returns the skills the workspace enables, with the content hash
// each has in the catalog, and with WithSkills adds their folders under
// skills/<id>. A skill that changes while its folder is read fails the
// export (its hash would not match).
func (x *exporter) skills() ([]ArchivedSkill, error) {
	en, err := x.w.enabled()
	if err != nil {
		return nil, err
	}
	list, err := en.List()
	if err != nil || len(list) == 0 {
		return nil, err
	}
	cat, err := x.w.p.Skills()
	if err != nil {
		return nil, err
	}
	if x.opts.WithSkills {
		if err := x.aw.Dir(archiveSkills, 0o755, time.Now()); err != nil {
			return nil, err
		}
	}
	out := make([]ArchivedSkill, 0, len(list))
	for _, id := range list {
		d, err := cat.Show(id)
		if errors.Is(err, skills.ErrNotFound) {
			out = append(out, ArchivedSkill{ID: id})
			continue
		}
		if err != nil {
			return nil, err
		}
		s := ArchivedSkill{ID: id, Hash: d.Hash}
		if x.opts.WithSkills {
			if err := x.skillFolder(cat, d); err != nil {
				return nil, err
			}
			s.Included = true
		}
		out = append(out, s)
	}
	return out, nil
}

// skillFolder adds the folder of skill d as skills/<id>, and checks that
// it did not change meanwhile.
func (x *exporter) skillFolder(cat *skills.Catalog, d *skills.Details) error {
	root, err := os.OpenRoot(d.Dir)
	if err != nil {
		return err
	}
	defer root.Close()
	fi, err := root.Lstat(".")
	if err != nil {
		return err
	}
	name := archiveSkills + "/" + d.ID
	if err := x.aw.Dir(name, fi.Mode(), fi.ModTime()); err != nil {
		return err
	}
	omitted := len(x.stats.Omitted)
	if err := x.walk(root, ".", name, false); err != nil {
		return err
	}
	again, err := cat.Show(d.ID)
	if err != nil || again.Hash != d.Hash || len(x.stats.Omitted) != omitted {
		return fmt.Errorf("skill %s changed while it was exported (or holds what the archive cannot): export again", d.ID)
	}
	return nil
}
