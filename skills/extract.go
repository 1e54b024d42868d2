package skills

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Permissions of what Add writes. Skill folders are mounted read-only into
// jails whose processes run as an unprivileged user, so they are readable
// by all; setuid, setgid and sticky bits are never copied.
const (
	dirPerm      = 0o755
	filePerm     = 0o644
	execFilePerm = 0o755
)

// macMetadata is the folder of resource forks and Finder attributes that
// macOS adds at the top of the zip archives it makes.
const macMetadata = "__MACOSX"

// plan is what the first pass over a source found: every path, checked,
// before anything is written.
type plan struct {
	ctx    context.Context
	src    source
	lim    Limits
	prefix string          // top-level folder stripped, with its "/", or ""
	paths  map[string]bool // clean source path -> is a directory
	links  map[inode]*seenLinks
}

// seenLinks counts the names of one multiply-linked file found inside.
type seenLinks struct {
	first string
	nlink uint64
	seen  uint64
}

func (p *plan) fail(e entry, err error) error {
	return &EntryError{Source: p.src.label(), Entry: shorten(e.name), Err: err}
}

func (p *plan) failf(e entry, sentinel error, format string, args ...any) error {
	return p.fail(e, fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...)))
}

// scan is the first pass: names, types, counts, depth and declared sizes,
// duplicates, hard links, the folder to unwrap and SKILL.md's presence.
// It stops early when ctx ends.
func scan(ctx context.Context, src source, lim Limits) (*plan, error) {
	p := &plan{ctx: ctx, src: src, lim: lim, paths: map[string]bool{}, links: map[inode]*seenLinks{}}
	var count int
	var total int64
	err := src.walk(func(e entry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		name, err := p.check(e)
		if errors.Is(err, errSkip) {
			return nil
		}
		if err != nil {
			return err
		}
		if d := depth(name); d > lim.MaxDepth+1 {
			return p.failf(e, ErrLimit, "%d levels deep, more than %d", d, lim.MaxDepth)
		}
		added, err := p.record(e, name)
		if err != nil {
			return err
		}
		if count += added; count > lim.MaxEntries {
			return p.failf(e, ErrLimit, "more than %d files and folders", lim.MaxEntries)
		}
		if e.typ != typeFile {
			return nil
		}
		if e.size > lim.MaxFileBytes {
			return p.failf(e, ErrLimit, "%d bytes, more than %d", e.size, lim.MaxFileBytes)
		}
		if total += e.size; total > lim.MaxTotalBytes {
			return p.failf(e, ErrLimit, "files total more than %d bytes", lim.MaxTotalBytes)
		}
		if err := p.checkRatio(total); err != nil {
			return p.fail(e, err)
		}
		if e.links != nil {
			s := p.links[e.links.id]
			if s == nil {
				s = &seenLinks{first: e.name, nlink: e.links.nlink}
				p.links[e.links.id] = s
			}
			s.seen++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, p.finish()
}

// errSkip marks an entry that is not copied: the archive's top folder
// itself ("./"), and macOS Finder's __MACOSX metadata folder of a zip.
var errSkip = errors.New("skipped")

// check cleans an entry's name and refuses links, devices and the like.
func (p *plan) check(e entry) (string, error) {
	name, err := cleanName(e.name)
	if errors.Is(err, errRoot) && e.typ == typeDir {
		return "", errSkip
	}
	if err == nil && p.src.unwraps() && (name == macMetadata || strings.HasPrefix(name, macMetadata+"/")) {
		return "", errSkip
	}
	if errors.Is(err, errRoot) {
		return "", p.failf(e, ErrUnsafe, "a file named as the top folder")
	}
	if err != nil {
		return "", p.fail(e, err)
	}
	if why := e.typ.refusal(e.target); why != "" {
		return "", p.failf(e, ErrUnsafe, "%s", why)
	}
	return name, nil
}

// record adds a path and the folders it implies, returning how many
// paths are new. It refuses a name given twice (unless both are
// directories) and a file where a directory is needed or the reverse.
func (p *plan) record(e entry, name string) (int, error) {
	isDir := e.typ == typeDir
	was, ok := p.paths[name]
	if ok && (!was || !isDir) {
		return 0, p.failf(e, ErrInvalid, "named twice in the archive")
	}
	added := 0
	if !ok {
		added++
	}
	for dir := name; ; {
		i := strings.LastIndexByte(dir, '/')
		if i < 0 {
			break
		}
		dir = dir[:i]
		if was, ok := p.paths[dir]; ok {
			if !was {
				return 0, p.failf(e, ErrInvalid, "%q is a file, not a folder", dir)
			}
			break // its parents were recorded with it
		}
		p.paths[dir] = true
		added++
	}
	p.paths[name] = isDir
	return added, nil
}

// checkRatio refuses an archive that expanded more than MaxRatio times its
// size, once more than ratioFloor bytes came out.
func (p *plan) checkRatio(total int64) error {
	c := p.src.compressedSize()
	if c > 0 && total > ratioFloor && total/int64(p.lim.MaxRatio) > c {
		return fmt.Errorf("%w: archive of %d bytes expands to more than %d, over %d times its size", ErrLimit, c, total, p.lim.MaxRatio)
	}
	return nil
}

// finish picks the folder to unwrap, checks depth after unwrapping, every
// hard link and that SKILL.md is at the top.
func (p *plan) finish() error {
	if p.src.unwraps() {
		tops := map[string]bool{}
		for name := range p.paths {
			top, _, _ := strings.Cut(name, "/")
			tops[top] = true
		}
		if len(tops) == 1 {
			for top := range tops {
				if p.paths[top] && !p.paths["SKILL.md"] {
					p.prefix = top + "/"
				}
			}
		}
	}
	for name := range p.paths {
		if d := depth(name) - strings.Count(p.prefix, "/"); d > p.lim.MaxDepth {
			return &EntryError{Source: p.src.label(), Entry: shorten(name), Err: fmt.Errorf("%w: %d levels deep, more than %d", ErrLimit, d, p.lim.MaxDepth)}
		}
	}
	for _, s := range p.links {
		if s.seen < s.nlink {
			return &EntryError{Source: p.src.label(), Entry: shorten(s.first), Err: fmt.Errorf("%w: has %d hard links, %d of them outside the folder", ErrUnsafe, s.nlink, s.nlink-s.seen)}
		}
	}
	if isDir, ok := p.paths[p.prefix+"SKILL.md"]; !ok || isDir {
		return fmt.Errorf("%s: %w: no SKILL.md file at the top of the skill folder", p.src.label(), ErrInvalid)
	}
	return nil
}

// skillMDName names the source's SKILL.md in errors.
func (p *plan) skillMDName() string {
	if p.src.unwraps() {
		return p.src.label() + ": " + p.prefix + skillMD
	}
	return filepath.Join(p.src.label(), skillMD)
}

// final maps a clean source path to its path in the skill folder; ok is
// false for the unwrapped top-level folder itself.
func (p *plan) final(name string) (string, bool) {
	if p.prefix == "" {
		return name, true
	}
	if name+"/" == p.prefix {
		return "", false
	}
	return strings.TrimPrefix(name, p.prefix), true
}

// syncParallel is how many fsyncs syncAll keeps in flight.
const syncParallel = 16

// copyTo is the second pass: it writes every file and directory into dst
// (an empty folder), counting the bytes actually read, then fsyncs them
// all. The source is checked again
// as it is read: an entry the first pass did not see is refused.
func (p *plan) copyTo(dst *os.Root) error {
	var total int64
	made := map[string]bool{".": true}
	var written []string
	buf := make([]byte, 64<<10)
	err := p.src.walk(func(e entry) error {
		if err := p.ctx.Err(); err != nil {
			return err
		}
		name, err := p.check(e)
		if errors.Is(err, errSkip) {
			return nil
		}
		if err != nil {
			return err
		}
		if was, ok := p.paths[name]; !ok || was != (e.typ == typeDir) {
			return p.failf(e, ErrUnsafe, "changed since it was first read")
		}
		if e.links != nil {
			if s := p.links[e.links.id]; s == nil || s.seen < s.nlink {
				return p.failf(e, ErrUnsafe, "gained a hard link since it was first read")
			}
		}
		out, ok := p.final(name)
		if !ok {
			return nil
		}
		if e.typ == typeDir {
			return p.mkdirs(dst, out, made, e)
		}
		if err := p.mkdirs(dst, parent(out), made, e); err != nil {
			return err
		}
		n, err := p.copyFile(dst, out, e, buf, total)
		total += n
		written = append(written, out)
		return err
	})
	if err != nil {
		return err
	}
	for d := range made {
		written = append(written, d)
	}
	return syncAll(dst, written)
}

// parent is the folder of a clean relative path, "." at the top.
func parent(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return "."
}

// mkdirs creates dir and its missing parents in dst with mode dirPerm.
func (p *plan) mkdirs(dst *os.Root, dir string, made map[string]bool, e entry) error {
	if made[dir] {
		return nil
	}
	if err := p.mkdirs(dst, parent(dir), made, e); err != nil {
		return err
	}
	if err := dst.Mkdir(dir, dirPerm); err != nil {
		return p.fail(e, err)
	}
	if err := dst.Chmod(dir, dirPerm); err != nil {
		return p.fail(e, err)
	}
	made[dir] = true
	return nil
}

// copyFile writes one file, enforcing MaxFileBytes, MaxTotalBytes and
// MaxRatio on the bytes actually read (total is what earlier files held).
// It returns the bytes written.
func (p *plan) copyFile(dst *os.Root, name string, e entry, buf []byte, total int64) (int64, error) {
	r, err := e.open()
	if err != nil {
		return 0, p.fail(e, err)
	}
	defer r.Close()
	f, err := dst.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return 0, p.fail(e, err)
	}
	defer f.Close()
	var n int64
	for {
		k, rerr := r.Read(buf)
		n += int64(k)
		if n > p.lim.MaxFileBytes {
			return n, p.failf(e, ErrLimit, "more than %d bytes", p.lim.MaxFileBytes)
		}
		if total+n > p.lim.MaxTotalBytes {
			return n, p.failf(e, ErrLimit, "files total more than %d bytes", p.lim.MaxTotalBytes)
		}
		if err := p.checkRatio(total + n); err != nil {
			return n, p.fail(e, err)
		}
		if _, err := f.Write(buf[:k]); err != nil {
			return n, p.fail(e, err)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return n, p.fail(e, rerr)
		}
	}
	perm := os.FileMode(filePerm)
	if e.exec {
		perm = execFilePerm
	}
	if err := f.Chmod(perm); err != nil {
		return n, p.fail(e, err)
	}
	if err := f.Close(); err != nil {
		return n, p.fail(e, err)
	}
	return n, nil
}

// syncAll fsyncs the files and directories of root named in names, up to
// syncParallel at a time: a journaling file system commits concurrent
// fsyncs together, which made adding a 61-file skill four to five times
// faster than one fsync after another (docs/benchmarks.md).
func syncAll(root *os.Root, names []string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	sem := make(chan struct{}, syncParallel)
	for i, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f, err := root.OpenFile(name, os.O_RDONLY, 0)
			if err != nil {
				errs[i] = err
				return
			}
			errs[i] = f.Sync()
			f.Close()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
