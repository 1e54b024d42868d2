package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/klauspost/compress/zstd"
)

// ReaderOptions configure a Reader.
type ReaderOptions struct {
	// Limits bound the archive; zero fields take their defaults.
	Limits Limits
	// LinkRoots are the directories symbolic links may live and point in
	// (see CheckLink); none: an archive with a link is refused.
	LinkRoots []string
	// Progress, if set, is called after each entry and every
	// progressChunk bytes of content, from the goroutine reading.
	Progress func(Progress)
}

// maxTrailer bounds the zeros accepted after the end-of-archive marker
// (tar writers pad to their record size, 10 KiB by default).
const maxTrailer = 64 << 10

// Reader reads an archive: NewReader checks the manifest, Next steps
// through the entries in its order, and Read returns the current file's
// content, checking its SHA-256 when it ends (see the package
// documentation for what is refused).
//
// # Notes
//
//   - A file's content is verified only once read to its end: Next reads
//     what the caller left, so every entry Next passed is verified. The
//     caller must still treat what it wrote as unverified until Next
//     returns io.EOF, which means the whole archive was read and checked.
//   - The first error sticks: later calls return it.
//   - Close releases the decoder; a Reader is not safe for concurrent use.
type Reader struct {
	opts ReaderOptions
	in   *countReader // compressed bytes
	zr   *zstd.Decoder
	out  *ratioReader // decompressed bytes
	tr   *tar.Reader
	m    Manifest
	err  error

	next     int    // index in m.Entries of the next entry
	cur      *Entry // the current entry
	left     int64  // content of cur not read yet
	sum      hash.Hash
	progress Progress
}

// NewReader starts reading the archive in r: it reads and checks the
// manifest (see Manifest.check). Errors wrap ErrCorrupt, ErrLimit or
// ErrUnsafe, or are r's.
func NewReader(r io.Reader, opts ReaderOptions) (*Reader, error) {
	opts.Limits = opts.Limits.WithDefaults()
	in := &countReader{r: r}
	zr, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxWindow))
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	out := &ratioReader{r: zr, in: in, ratio: int64(opts.Limits.MaxRatio)}
	rd := &Reader{opts: opts, in: in, zr: zr, out: out, tr: tar.NewReader(out)}
	if err := rd.readManifest(); err != nil {
		zr.Close()
		return nil, err
	}
	return rd, nil
}

// readManifest reads and checks the first entry.
func (r *Reader) readManifest() error {
	hdr, err := r.tr.Next()
	if err != nil {
		return r.streamErr("the manifest", err)
	}
	limit := r.opts.Limits.maxManifestBytes()
	switch {
	case hdr.Name != ManifestName || hdr.Typeflag != tar.TypeReg:
		return fmt.Errorf("%w: the first entry is %q, not the manifest %s: not a bulkhead workspace archive", ErrCorrupt, hdr.Name, ManifestName)
	case hdr.Size > limit:
		return fmt.Errorf("%w: the manifest is %d bytes, more than the %d that %d entries need", ErrLimit, hdr.Size, limit, r.opts.Limits.MaxEntries)
	}
	data, err := io.ReadAll(r.tr)
	if err != nil {
		return r.streamErr("the manifest", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r.m); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, ManifestName, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: %s: data after the JSON object", ErrCorrupt, ManifestName)
	}
	return r.m.check(r.opts)
}

// Manifest returns the archive's manifest, checked; the caller must not
// change it.
func (r *Reader) Manifest() *Manifest { return &r.m }

// Progress returns how far the Reader has got.
func (r *Reader) Progress() Progress {
	p := r.progress
	p.Compressed = r.in.n
	return p
}

// Next advances to the next entry, after reading and verifying what is
// left of the current one, and returns it with ModTime from the stream.
// It returns io.EOF once every listed entry was read and the stream ended
// cleanly.
func (r *Reader) Next() (*Entry, time.Time, error) {
	if r.err != nil {
		return nil, time.Time{}, r.err
	}
	if r.cur != nil && r.cur.Type == TypeFile && r.left > 0 {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return nil, time.Time{}, err
		}
	}
	r.cur = nil
	hdr, err := r.tr.Next()
	if errors.Is(err, io.EOF) {
		r.err = r.end()
		if r.err == nil {
			r.err = io.EOF
		}
		return nil, time.Time{}, r.err
	}
	if err != nil {
		r.err = r.streamErr(r.nextName(), err)
		return nil, time.Time{}, r.err
	}
	if r.next >= len(r.m.Entries) {
		r.err = fmt.Errorf("%w: entry %.200q is not in the manifest", ErrCorrupt, hdr.Name)
		return nil, time.Time{}, r.err
	}
	e := &r.m.Entries[r.next]
	if err := matches(e, hdr); err != nil {
		r.err = err
		return nil, time.Time{}, err
	}
	r.next++
	r.cur, r.left = e, e.Size
	if e.Type == TypeFile {
		r.sum = sha256.New()
	}
	r.progress.Entries++
	r.report()
	return e, hdr.ModTime, nil
}

// nextName names the entry expected next, for errors.
func (r *Reader) nextName() string {
	if r.next < len(r.m.Entries) {
		return fmt.Sprintf("entry %q", r.m.Entries[r.next].Path)
	}
	return "the end of the archive"
}

// matches checks that the tar header hdr is entry e as listed.
func matches(e *Entry, hdr *tar.Header) error {
	want := map[EntryType]byte{TypeDir: tar.TypeDir, TypeFile: tar.TypeReg, TypeSymlink: tar.TypeSymlink}[e.Type]
	name := e.Path
	if e.Type == TypeDir {
		name += "/"
	}
	typ := hdr.Typeflag
	if typ == tar.TypeRegA { //nolint:staticcheck // old writers' regular files
		typ = tar.TypeReg
	}
	switch {
	case hdr.Name != name:
		return fmt.Errorf("%w: entry %.200q comes where the manifest lists %q (out of order, or not listed)", ErrCorrupt, hdr.Name, e.Path)
	case typ != want:
		if typ != tar.TypeDir && typ != tar.TypeReg && typ != tar.TypeSymlink {
			return fmt.Errorf("%w: entry %q is of tar type %q: only directories, regular files and symbolic links are allowed", ErrUnsafe, e.Path, typ)
		}
		return fmt.Errorf("%w: entry %q is of tar type %q, the manifest says %s", ErrCorrupt, e.Path, typ, e.Type)
	case hdr.Mode&^0o777 != 0:
		return fmt.Errorf("%w: entry %q: mode %#o has bits beyond 0777", ErrUnsafe, e.Path, hdr.Mode)
	case e.Type != TypeSymlink && uint32(hdr.Mode) != e.Mode:
		return fmt.Errorf("%w: entry %q: mode %#o, the manifest says %#o", ErrCorrupt, e.Path, hdr.Mode, e.Mode)
	case hdr.Size != e.Size:
		return fmt.Errorf("%w: entry %q: %d bytes, the manifest says %d", ErrCorrupt, e.Path, hdr.Size, e.Size)
	case hdr.Linkname != e.Target:
		return fmt.Errorf("%w: entry %q: link target %.200q, the manifest says %.200q", ErrCorrupt, e.Path, hdr.Linkname, e.Target)
	}
	return nil
}

// Read reads the current file's content; at its end it checks the
// SHA-256 and returns io.EOF, or an error wrapping ErrCorrupt naming the
// entry.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.cur == nil || r.cur.Type != TypeFile {
		return 0, io.EOF
	}
	if r.left == 0 {
		return 0, r.verify()
	}
	n, err := r.tr.Read(p[:min(int64(len(p)), r.left)])
	r.sum.Write(p[:n])
	r.left -= int64(n)
	before := r.progress.Bytes
	r.progress.Bytes += int64(n)
	if r.progress.Bytes/progressChunk != before/progressChunk {
		r.report()
	}
	switch {
	case err != nil && !errors.Is(err, io.EOF):
		r.err = r.streamErr(fmt.Sprintf("entry %q", r.cur.Path), err)
		return n, r.err
	case errors.Is(err, io.EOF) && r.left > 0:
		r.err = fmt.Errorf("%w: entry %q ends %d bytes short", ErrCorrupt, r.cur.Path, r.left)
		return n, r.err
	case r.left == 0 && n == 0:
		return 0, r.verify()
	}
	return n, nil
}

// verify checks the digest of the current file, read to its end.
func (r *Reader) verify() error {
	if got := hex.EncodeToString(r.sum.Sum(nil)); got != r.cur.SHA256 {
		r.err = fmt.Errorf("%w: entry %q: SHA-256 %s, the manifest says %s", ErrCorrupt, r.cur.Path, got, r.cur.SHA256)
		return r.err
	}
	return io.EOF
}

// end checks the end of the stream: every listed entry was read, and only
// zeros (at most maxTrailer) follow the end-of-archive marker.
func (r *Reader) end() error {
	if r.next < len(r.m.Entries) {
		return fmt.Errorf("%w: the archive ends before entry %q, %d of %d entries in: truncated", ErrCorrupt, r.m.Entries[r.next].Path, r.next, len(r.m.Entries))
	}
	rest, err := io.ReadAll(io.LimitReader(r.out, maxTrailer+1))
	if err != nil {
		return r.streamErr("the end of the archive", err)
	}
	if len(rest) > maxTrailer || bytes.ContainsFunc(rest, func(c rune) bool { return c != 0 }) {
		return fmt.Errorf("%w: data after the end of the archive", ErrCorrupt)
	}
	r.report()
	return nil
}

// streamErr wraps an error of reading the stream at what: a limit stays
// ErrLimit, a context's end (the caller's reader stopped) stays as it is,
// anything else (zstd, tar, a short stream) is ErrCorrupt.
func (r *Reader) streamErr(what string, err error) error {
	if errors.Is(err, ErrLimit) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("reading %s: %w", what, err)
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: reading %s: %w", ErrCorrupt, what, err)
}

func (r *Reader) report() {
	if r.opts.Progress != nil {
		r.opts.Progress(r.Progress())
	}
}

// Close releases the decoder.
func (r *Reader) Close() error {
	r.zr.Close()
	return nil
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ratioReader counts decompressed bytes and fails, wrapping ErrLimit,
// once they pass RatioAllowance and ratio times the compressed bytes read.
type ratioReader struct {
	r     io.Reader
	in    *countReader
	n     int64
	ratio int64
}

func (c *ratioReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > RatioAllowance && c.n > c.ratio*c.in.n {
		return n, fmt.Errorf("%w: %d bytes decompressed from %d: a ratio above %d (a Zstandard bomb?)", ErrLimit, c.n, c.in.n, c.ratio)
	}
	return n, err
}
