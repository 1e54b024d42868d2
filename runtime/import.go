package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/archive"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// ImportOptions tune Platform.Import.
type ImportOptions struct {
	// As is the id to import the workspace as; empty: the archive's. A
	// vault in the archive is re-sealed for the new id, which needs the
	// passphrase it is sealed with (Passphrase, or the platform's).
	As string
	// Replace swaps an existing workspace of that id for the archive's,
	// atomically (its runs must have ended: ErrWorkspaceBusy otherwise);
	// without it an existing id is ErrWorkspaceExists.
	Replace bool
	// Passphrase is the one the archive's credentials are sealed with;
	// empty: the platform's (Options.CredentialPassphrase). When it
	// differs from the platform's, the vault is re-sealed under the
	// platform's, so that its runs can open it.
	Passphrase []byte
	// Limits bound what the archive may hold; zero fields take their
	// defaults.
	Limits ImportLimits
	// Progress, if set, is called after each entry and every MiB of
	// content, from the goroutine calling Import.
	Progress func(TransferProgress)
}

// ImportLimits bound an archive (see internal/archive.Limits).
type ImportLimits struct {
	// MaxEntries bounds the archive's directories, files and links.
	// Default DefaultImportMaxEntries.
	MaxEntries int
	// MaxBytes bounds the total size of its files. Default
	// DefaultImportMaxBytes.
	MaxBytes int64
	// MaxRatio bounds its decompressed size over its compressed size,
	// past the first 64 MiB (a Zstandard bomb). Default
	// DefaultImportMaxRatio.
	MaxRatio int
}

// Defaults of ImportLimits.
const (
	DefaultImportMaxEntries = archive.DefaultMaxEntries
	DefaultImportMaxBytes   = archive.DefaultMaxBytes
	DefaultImportMaxRatio   = archive.DefaultMaxRatio
)

// ImportStats describe an import.
type ImportStats struct {
	// Workspace is the id imported as; Source the archive's.
	Workspace string `json:"workspace"`
	Source    string `json:"source"`
	// Bulkhead and Created are the version that wrote the archive and
	// when.
	Bulkhead string    `json:"bulkhead"`
	Created  time.Time `json:"created"`
	// Entries, Files and Bytes are the archive's; Compressed its size.
	Entries    int   `json:"entries"`
	Files      int   `json:"files"`
	Bytes      int64 `json:"bytes"`
	Compressed int64 `json:"compressed"`
	// Credentials says what became of the vault: "none" (the archive has
	// none), "unchecked" (kept sealed as it is: no passphrase opened it),
	// "kept" (it opens with the passphrase), "resealed" (for the new id),
	// "rekeyed" (under the platform's passphrase, and for the new id if
	// As named one).
	Credentials string          `json:"credentials"`
	Skills      []ImportedSkill `json:"skills,omitempty"`
	// Replaced: an existing workspace was swapped for the archive's.
	Replaced bool `json:"replaced,omitempty"`
	// Warnings are what an operator should know: skills missing or
	// different here, credentials that this platform cannot open.
	Warnings []string      `json:"warnings,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// ImportedSkill is a skill the imported workspace enables.
type ImportedSkill struct {
	ID   string `json:"id"`
	Hash string `json:"hash,omitempty"`
	// Status is "installed" (from the archive into the catalog),
	// "present" (the catalog has it, with the archive's hash or none to
	// compare), "differs" (the catalog has another version, kept) or
	// "missing" (neither the catalog nor the archive has it).
	Status string `json:"status"`
}

// Import reads a workspace archive written by Workspace.Export and makes
// it a workspace of the platform: streamed into a temporary directory
// beside the workspaces, every entry checked against the manifest and
// verified (see internal/archive for what is refused), the configuration
// validated, a disk quota's volume made afresh, the memory database and
// the sessions opened, the vault re-sealed when needed, the enabled
// skills verified and installed when absent; then it is moved into place
// in one rename. It returns the workspace.
//
// Errors: ErrClosed; an invalid As; ErrWorkspaceExists (without
// Replace); ErrWorkspaceBusy (Replace while runs of the workspace, or
// other holders, are in progress); ErrNoPassphrase (a vault to re-seal and
// no passphrase); ErrInvalidConfig; an archive refused, its error naming
// the entry; too little free space; ctx ended. On error nothing is left:
// no workspace, no temporary directory, the catalog unchanged.
//
// # Notes
//
//   - Replace swaps the two directories with one renameat2(2)
//     RENAME_EXCHANGE, so that the id always names a whole workspace;
//     where the file system lacks it, the old one is renamed aside first
//     and put back if a crash comes between (see sweepTransfers).
//   - A process killed mid-import leaves a temporary directory that the
//     next NewPlatform removes.
//   - Skills the catalog lacks are installed from the archive only once
//     everything else is verified; a catalog's different version of a
//     skill is kept (it is shared), with a warning.
func (p *Platform) Import(ctx context.Context, r io.Reader, opts ImportOptions) (*Workspace, ImportStats, error) {
	start := time.Now()
	var stats ImportStats
	if err := p.checkOpen(); err != nil {
		return nil, stats, err
	}
	if opts.As != "" {
		if err := ids.Validate("workspace", opts.As); err != nil {
			return nil, stats, err
		}
	}
	tmp, err := newTransferDir(filepath.Join(p.stateDir, "workspaces"), importingPrefix)
	if err != nil {
		return nil, stats, fmt.Errorf("import: %w", err)
	}
	// Always: after the move the directory holds nothing, or the
	// workspace that was replaced.
	defer func() {
		if err := tmp.remove(); err != nil {
			p.log.Warn().Err(err).Str("path", tmp.path).Msg("import: temporary directory left for the next start")
		}
	}()
	im := &importer{p: p, ctx: ctx, opts: opts, tmp: tmp.path, stats: &stats}
	w, err := im.run(r)
	stats.Duration = time.Since(start)
	if err != nil {
		if stats.Workspace != "" {
			return nil, stats, fmt.Errorf("import workspace %s: %w", stats.Workspace, err)
		}
		return nil, stats, fmt.Errorf("import: %w", err)
	}
	return w, stats, nil
}

// run imports the archive in r.
func (im *importer) run(r io.Reader) (*Workspace, error) {
	rd, err := archive.NewReader(ctxReader{im.ctx, r}, archive.ReaderOptions{Limits: im.opts.Limits.archive(), LinkRoots: archiveLinkRoots, Progress: im.report})
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	im.rd = rd
	if err := im.plan(rd.Manifest()); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(im.tmp)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	x := archive.NewExtractor(root)
	for {
		if err := im.ctx.Err(); err != nil {
			return nil, err
		}
		e, mtime, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		name, err := im.place(e)
		if err != nil {
			return nil, err
		}
		if err := x.Extract(rd, e, mtime, filepath.FromSlash(name)); err != nil {
			return nil, err
		}
		if e.Path == archiveWorkspace+"/config.json" {
			if err := im.config(); err != nil {
				return nil, err
			}
		}
	}
	im.stats.Compressed = rd.Progress().Compressed
	if err := x.Finish(); err != nil {
		return nil, err
	}
	if err := im.finish(); err != nil {
		return nil, err
	}
	if err := im.installSkills(); err != nil {
		return nil, err
	}
	return im.moveIntoPlace()
}

// archive returns l as the archive package's limits.
func (l ImportLimits) archive() archive.Limits {
	return archive.Limits{MaxEntries: l.MaxEntries, MaxBytes: l.MaxBytes, MaxRatio: l.MaxRatio}.WithDefaults()
}

// report passes the archive reader's progress on.
func (im *importer) report(p archive.Progress) {
	if im.opts.Progress == nil || im.rd == nil {
		return
	}
	m := im.rd.Manifest()
	im.opts.Progress(TransferProgress{Phase: "import", Entries: p.Entries, Bytes: p.Bytes, Compressed: p.Compressed,
		TotalEntries: len(m.Entries), TotalBytes: m.Bytes})
}
