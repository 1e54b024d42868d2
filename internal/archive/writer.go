package archive

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Progress is how far a Writer or Reader has got.
type Progress struct {
	// Entries written to the spool, or read, so far.
	Entries int
	// Bytes of file content so far.
	Bytes int64
	// Compressed bytes written to the output by Finish, or read.
	Compressed int64
	// Size is the archive's size, once Finish knows it (zero before, and
	// for a Reader).
	Size int64
}

// progressChunk is how many bytes of content a Writer or Reader copies
// between two calls of its Progress function.
const progressChunk = 1 << 20

// WriterOptions configure a Writer.
type WriterOptions struct {
	// LinkRoots are the directories symbolic links may live and point in
	// (see CheckLink); none: no links.
	LinkRoots []string
	// Progress, if set, is called after each entry, every progressChunk
	// bytes of content and of output, from the goroutine that calls the
	// Writer.
	Progress func(Progress)
}

// Writer writes an archive: entries go to a spool as they come, and
// Finish writes the manifest and then the spool to the output.
//
// # Notes
//
//   - Entries must come parents first, as the manifest lists them; a
//     name or link the format refuses is an error wrapping ErrUnsafe,
//     returned before anything is written, and the Writer stays usable.
//   - Any other error (reading a file, writing the spool) breaks the
//     stream: later calls return it again.
//   - A Writer is not safe for concurrent use. Close it if Finish is not
//     called.
type Writer struct {
	spool io.ReadWriteSeeker
	opts  WriterOptions
	zw    *zstd.Encoder
	tw    *tar.Writer
	buf   []byte
	err   error // sticky

	entries  []Entry
	dirs     map[string]bool
	seen     map[string]bool
	progress Progress
	closed   bool
	finished bool // the encoder was closed by Finish
}

// encoderOptions are the Zstandard options of every frame: the default
// level (about zstd -3, an 8 MiB window), one goroutine, frame checksums.
func encoderOptions() []zstd.EOption {
	return []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true)}
}

// NewWriter returns a Writer that spools entries to spool, which must be
// empty (a temporary file: it grows to the archive's compressed size).
func NewWriter(spool io.ReadWriteSeeker, opts WriterOptions) (*Writer, error) {
	zw, err := zstd.NewWriter(spool, encoderOptions()...)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	return &Writer{spool: spool, opts: opts, zw: zw, tw: tar.NewWriter(zw), buf: make([]byte, 256<<10),
		dirs: map[string]bool{}, seen: map[string]bool{}}, nil
}

// add validates e against the entries so far, writes its header and, for
// a file, copies size bytes of r (hashed into e.SHA256), then records it.
func (w *Writer) add(e Entry, mtime time.Time, r io.Reader) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("archive: writer closed")
	}
	if err := checkEntry(e, w.dirs, w.seen, w.opts.LinkRoots); err != nil {
		return err // nothing recorded, nothing written
	}
	hdr := &tar.Header{Name: e.Path, Mode: int64(e.Mode), ModTime: mtime.Truncate(time.Second), Format: tar.FormatPAX}
	switch e.Type {
	case TypeDir:
		hdr.Typeflag, hdr.Name = tar.TypeDir, e.Path+"/"
	case TypeFile:
		hdr.Typeflag, hdr.Size = tar.TypeReg, e.Size
	case TypeSymlink:
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, e.Target
	}
	if err := w.tw.WriteHeader(hdr); err != nil {
		w.err = fmt.Errorf("archive: %s: %w", e.Path, err)
		return w.err
	}
	if e.Type == TypeFile {
		h := sha256.New()
		if err := w.copy(io.MultiWriter(w.tw, h), r, e.Size); err != nil {
			w.err = fmt.Errorf("archive: %s: %w", e.Path, err)
			return w.err
		}
		e.SHA256 = hex.EncodeToString(h.Sum(nil))
	}
	w.entries = append(w.entries, e)
	w.progress.Entries++
	w.report()
	return nil
}

// copy copies exactly n bytes of r to dst, reporting progress.
func (w *Writer) copy(dst io.Writer, r io.Reader, n int64) error {
	for n > 0 {
		b := w.buf[:min(int64(len(w.buf)), n)]
		k, err := io.ReadFull(r, b)
		if k > 0 {
			if _, werr := dst.Write(b[:k]); werr != nil {
				return werr
			}
			n -= int64(k)
			before := w.progress.Bytes
			w.progress.Bytes += int64(k)
			if w.progress.Bytes/progressChunk != before/progressChunk {
				w.report()
			}
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return fmt.Errorf("content ends %d bytes short of its size", n)
			}
			return err
		}
	}
	return nil
}

func (w *Writer) report() {
	if w.opts.Progress != nil {
		w.opts.Progress(w.progress)
	}
}

// Dir adds a directory with permission bits perm (at most 0777).
func (w *Writer) Dir(name string, perm fs.FileMode, mtime time.Time) error {
	return w.add(Entry{Path: name, Type: TypeDir, Mode: uint32(perm.Perm())}, mtime, nil)
}

// File adds a regular file of size bytes read from r, which must yield at
// least that many (the rest is not read).
func (w *Writer) File(name string, perm fs.FileMode, mtime time.Time, size int64, r io.Reader) error {
	return w.add(Entry{Path: name, Type: TypeFile, Mode: uint32(perm.Perm()), Size: size, SHA256: zeroDigest}, mtime, r)
}

// zeroDigest stands for the digest of a file being added, which checkEntry
// wants well formed; add replaces it.
var zeroDigest = hex.EncodeToString(make([]byte, sha256.Size))

// Symlink adds a symbolic link to target (see CheckLink).
func (w *Writer) Symlink(name, target string, mtime time.Time) error {
	return w.add(Entry{Path: name, Type: TypeSymlink, Target: target}, mtime, nil)
}

// Finish completes the archive: it writes to out the manifest m, with
// Format, Version, Files, Bytes and Entries filled in from the entries
// added, in a frame of its own, and then the spooled entries. It returns
// the bytes written to out. The Writer is closed afterwards.
func (w *Writer) Finish(out io.Writer, m Manifest) (int64, error) {
	if w.err != nil {
		return 0, w.err
	}
	defer w.Close()
	if err := w.tw.Close(); err != nil {
		return 0, fmt.Errorf("archive: %w", err)
	}
	w.finished = true
	if err := w.zw.Close(); err != nil {
		return 0, fmt.Errorf("archive: %w", err)
	}
	m.Format, m.Version, m.Entries, m.Files, m.Bytes = Format, Version, w.entries, 0, 0
	for _, e := range w.entries {
		if e.Type == TypeFile {
			m.Files++
			m.Bytes += e.Size
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return 0, fmt.Errorf("archive: manifest: %w", err)
	}
	cw := &countWriter{w: out}
	zw, err := zstd.NewWriter(cw, encoderOptions()...)
	if err != nil {
		return 0, fmt.Errorf("archive: %w", err)
	}
	tw := tar.NewWriter(zw)
	err = tw.WriteHeader(&tar.Header{Name: ManifestName, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(data)), ModTime: m.Created.Truncate(time.Second), Format: tar.FormatPAX})
	if err == nil {
		_, err = tw.Write(data)
	}
	if err == nil {
		err = tw.Flush() // no end-of-archive marker: the entries follow
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return cw.n, fmt.Errorf("archive: write manifest: %w", err)
	}
	spooled, err := w.spool.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = w.spool.Seek(0, io.SeekStart)
	}
	if err != nil {
		return cw.n, fmt.Errorf("archive: spool: %w", err)
	}
	w.progress.Size = cw.n + spooled
	for {
		k, rerr := w.spool.Read(w.buf)
		if k > 0 {
			if _, err := cw.Write(w.buf[:k]); err != nil {
				return cw.n, fmt.Errorf("archive: write: %w", err)
			}
			if before := cw.n - int64(k); cw.n/progressChunk != before/progressChunk {
				w.progress.Compressed = cw.n
				w.report()
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return cw.n, fmt.Errorf("archive: spool: %w", rerr)
		}
	}
	w.progress.Compressed = cw.n
	w.report()
	return cw.n, nil
}

// Close releases the Writer's encoder without finishing the archive; it
// is idempotent.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if !w.finished {
		w.zw.Reset(io.Discard) // drops the frame in progress; the spool is thrown away
	}
	return nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
