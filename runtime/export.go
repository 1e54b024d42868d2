package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bulkhead-dev/bulkhead/internal/archive"
	"github.com/bulkhead-dev/bulkhead/internal/buildinfo"
)

// ExportOptions tune Workspace.Export.
type ExportOptions struct {
	// WithSkills puts the folders of the skills the workspace enables in
	// the archive, so that an import installs them into a catalog that
	// lacks them. Without it skills are referenced by id and content hash.
	WithSkills bool
	// Progress, if set, is called as the export goes: after each entry,
	// every MiB of content and every MiB of output, from the goroutine
	// calling Export.
	Progress func(TransferProgress)
}

// ExportStats describe an export.
type ExportStats struct {
	Workspace string `json:"workspace"`
	// Entries counts the archive's entries (directories, files, links);
	// Files and Bytes its files and their content.
	Entries int   `json:"entries"`
	Files   int   `json:"files"`
	Bytes   int64 `json:"bytes"`
	// Compressed is the archive's size in bytes.
	Compressed int64           `json:"compressed"`
	Skills     []ArchivedSkill `json:"skills,omitempty"`
	// Omitted lists what was left out of files/ and home/: sockets,
	// FIFOs, devices, symbolic links whose target is absolute or leaves
	// their tree, names that are not UTF-8.
	Omitted []Omission `json:"omitted,omitempty"`
	// Changed lists the files of files/ and home/ that changed while they
	// were read: their content in the archive may be torn (a run wrote
	// them meanwhile).
	Changed  []string      `json:"changed,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Omission is an entry an export left out, and why.
type Omission struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// ArchivedSkill is a skill the exported workspace enables.
type ArchivedSkill struct {
	ID string `json:"id"`
	// Hash is the skill's content hash in the catalog (skills.Details.Hash,
	// "sha256:…"); empty when the catalog no longer has it.
	Hash string `json:"hash,omitempty"`
	// Included: the skill's folder is in the archive (under skills/<id>).
	Included bool `json:"included,omitempty"`
}

// archiveMeta is the runtime's part of an archive's manifest (its meta).
type archiveMeta struct {
	Skills []ArchivedSkill `json:"skills,omitempty"`
}

// Export writes the workspace to out as one archive (package
// internal/archive: tar, compressed with Zstandard, its manifest first
// with every entry's SHA-256), a snapshot taken while runs may go on:
// config.json first, the sessions (the index, then each transcript up to
// its last complete line), the memory database (an online backup), the
// sealed credential vault as it is, the enabled skills, the usage ledger
// (each file up to its last complete line), any other state file, then
// files/ and home/ (from inside the disk quota's volume when there is
// one), and with WithSkills the enabled skills' folders. Platform.Import
// reads it back.
//
// Errors: ErrClosed; the workspace is being deleted; its quota volume
// cannot be mounted; reading the workspace (a damaged memory database,
// say); writing out; ctx ended. A failed export may have written part of
// an archive to out, which an import refuses (it is truncated).
//
// # Notes
//
//   - The workspace is held (see Acquire) while it is read: it cannot be
//     deleted or replaced meanwhile, and runs go on.
//   - Files of files/ and home/ are read one at a time, without a lock:
//     one that a run writes meanwhile may be captured mid-write; each is
//     listed in ExportStats.Changed.
//   - The entries are compressed into an unnamed temporary file in the
//     state directory (O_TMPFILE), so that the manifest can come first:
//     the export needs the archive's size in free space there.
//   - Credentials stay sealed: the archive holds the vault file as it is,
//     bound to the workspace id (Import re-seals it for another id).
func (w *Workspace) Export(ctx context.Context, out io.Writer, opts ExportOptions) (ExportStats, error) {
	start := time.Now()
	stats := ExportStats{Workspace: w.id}
	if err := w.p.checkOpen(); err != nil {
		return stats, err
	}
	release, err := w.Acquire()
	if err != nil {
		return stats, err
	}
	defer release()
	if err := w.ensureData(); err != nil {
		return stats, err
	}
	root := filepath.Join(w.p.stateDir, "workspaces")
	tmp, err := newTransferDir(root, exportingPrefix)
	if err != nil {
		return stats, fmt.Errorf("export workspace %s: %w", w.id, err)
	}
	defer tmp.remove()
	spool, err := openSpool(root, tmp.path)
	if err != nil {
		return stats, fmt.Errorf("export workspace %s: %w", w.id, err)
	}
	defer spool.Close()
	x := &exporter{w: w, ctx: ctx, opts: opts, tmp: tmp.path, stats: &stats, phase: "snapshot"}
	aw, err := archive.NewWriter(spool, archive.WriterOptions{LinkRoots: archiveLinkRoots, Progress: x.report})
	if err != nil {
		return stats, err
	}
	defer aw.Close()
	x.aw = aw
	skills, err := x.snapshot()
	if err != nil {
		return stats, fmt.Errorf("export workspace %s: %w", w.id, err)
	}
	stats.Skills = skills
	meta, err := json.Marshal(archiveMeta{Skills: skills})
	if err != nil {
		return stats, err
	}
	x.phase = "write"
	n, err := aw.Finish(ctxWriter{ctx, out}, archive.Manifest{Workspace: w.id, Bulkhead: buildinfo.Version(), Created: time.Now().UTC(), Meta: meta})
	stats.Compressed = n
	stats.Duration = time.Since(start)
	if err != nil {
		return stats, fmt.Errorf("export workspace %s: %w", w.id, err)
	}
	return stats, nil
}

// openSpool opens an unnamed temporary file in dir (open(2) O_TMPFILE),
// which disappears with its last descriptor whatever ends the process;
// where the file system has no O_TMPFILE, a file made in fallback and
// unlinked at once (fallback is a transfer directory: a sweep removes it
// if the process dies in between).
func openSpool(dir, fallback string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err == nil {
		return os.NewFile(uintptr(fd), filepath.Join(dir, "(spool)")), nil
	}
	if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.EISDIR) {
		return nil, fmt.Errorf("temporary file in %s: %w", dir, err)
	}
	f, err := os.CreateTemp(fallback, "spool-")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
