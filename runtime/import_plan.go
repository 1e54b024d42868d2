package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/bulkhead-dev/bulkhead/internal/archive"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
	"github.com/bulkhead-dev/bulkhead/quota"
	"github.com/bulkhead-dev/bulkhead/skills"
)

// importer is one Platform.Import in progress. Its temporary directory
// holds workspace/ (what becomes the workspace's directory) and skills/
// (the folders of skills the archive includes).
type importer struct {
	p     *Platform
	ctx   context.Context
	opts  ImportOptions
	tmp   string
	stats *ImportStats
	rd    *archive.Reader

	src, id   string      // the archive's workspace id, and the one imported as
	meta      archiveMeta // the manifest's
	included  map[string]bool
	treeBytes int64 // of files/ and home/ on disk, which a disk quota must hold
	cfg       *WorkspaceConfig
}

// wsDir is the workspace being assembled.
func (im *importer) wsDir() string { return filepath.Join(im.tmp, archiveWorkspace) }

// volume is the quota volume of the workspace being assembled.
func (im *importer) volume() quota.Volume {
	return layout{im.wsDir()}.volume()
}

// plan checks the manifest before any entry streams: the ids, the
// runtime's meta, whether the id is free (or may be replaced), whether a
// vault can be re-sealed, and the free space.
func (im *importer) plan(m *archive.Manifest) error {
	if err := ids.Validate("workspace", m.Workspace); err != nil {
		return fmt.Errorf("%w: manifest: %w", archive.ErrCorrupt, err)
	}
	im.src, im.id = m.Workspace, m.Workspace
	if im.opts.As != "" {
		im.id = im.opts.As
	}
	st := im.stats
	st.Workspace, st.Source, st.Bulkhead, st.Created = im.id, im.src, m.Bulkhead, m.Created
	st.Entries, st.Files, st.Bytes = len(m.Entries), m.Files, m.Bytes
	if err := im.readMeta(m.Meta); err != nil {
		return err
	}
	hasVault := false
	for _, e := range m.Entries {
		switch {
		case e.Path == archiveWorkspace+"/"+credentialsFile:
			hasVault = true
		case strings.HasPrefix(e.Path, archiveFiles+"/") || strings.HasPrefix(e.Path, archiveHome+"/"):
			im.treeBytes += (e.Size + blockSize - 1) / blockSize * blockSize
			if e.Type != archive.TypeFile {
				im.treeBytes += blockSize
			}
		}
	}
	dir := im.p.workspaceDir(im.id)
	if _, err := os.Lstat(dir); err == nil {
		if !im.opts.Replace {
			return fmt.Errorf("%w: %s", ErrWorkspaceExists, im.id)
		}
		if im.p.workspaceBusy(im.id) {
			return fmt.Errorf("%w: %s", ErrWorkspaceBusy, im.id)
		}
	}
	if hasVault && im.id != im.src && len(im.passphrase()) == 0 {
		return fmt.Errorf("the credentials of workspace %s are sealed for its id: importing it as %s re-seals them, which needs the passphrase they are sealed with: %w", im.src, im.id, ErrNoPassphrase)
	}
	var sfs unix.Statfs_t
	if err := unix.Statfs(im.tmp, &sfs); err == nil {
		if free := int64(sfs.Bavail) * sfs.Bsize; m.Bytes > free {
			return fmt.Errorf("the archive holds %d bytes of files; %s has %d bytes free", m.Bytes, im.p.stateDir, free)
		}
	}
	return nil
}

// passphrase is the one the archive's vault is opened with.
func (im *importer) passphrase() []byte {
	if len(im.opts.Passphrase) > 0 {
		return im.opts.Passphrase
	}
	return im.p.vaults.pass
}

// readMeta decodes and checks the runtime's part of the manifest.
func (im *importer) readMeta(raw json.RawMessage) error {
	im.included = map[string]bool{}
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&im.meta); err != nil {
		return fmt.Errorf("%w: manifest meta: %v", archive.ErrCorrupt, err)
	}
	seen := map[string]bool{}
	for _, s := range im.meta.Skills {
		hash, ok := strings.CutPrefix(s.Hash, "sha256:")
		switch {
		case skills.ValidateName(s.ID) != nil || seen[s.ID]:
			return fmt.Errorf("%w: manifest meta: skill %.200q is not a skill name, or listed twice", archive.ErrCorrupt, s.ID)
		case s.Hash != "" && (!ok || len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != ""):
			return fmt.Errorf("%w: manifest meta: skill %s: hash %.200q is not sha256:<64 hex digits>", archive.ErrCorrupt, s.ID, s.Hash)
		case s.Included && s.Hash == "":
			return fmt.Errorf("%w: manifest meta: skill %s is included without a hash", archive.ErrCorrupt, s.ID)
		}
		seen[s.ID] = true
		im.included[s.ID] = s.Included
	}
	return nil
}

// blockSize is the block size of a quota volume's ext4 (mkfs.ext4's
// default for its sizes): a file takes whole blocks, a directory or link
// at least one.
const blockSize = 4096

// reservedNames are the names at the top of a workspace directory that an
// archive may not hold: the volume of a disk quota, made by the import,
// and the jails' /tmp in it.
var reservedNames = map[string]bool{diskImageName: true, diskDirName: true, tmpDirName: true}

// place returns where entry e goes in the temporary directory: its own
// name, except for files/ and home/, which go into the quota volume when
// the workspace has one. It refuses entries outside workspace/ and
// skills/<id> of an included skill, names the runtime keeps for itself,
// and files/ or home/ before config.json.
func (im *importer) place(e *archive.Entry) (string, error) {
	top, rest, _ := strings.Cut(e.Path, "/")
	switch {
	case rest == "" && (top == archiveWorkspace || top == archiveSkills):
		if e.Type != archive.TypeDir {
			return "", fmt.Errorf("%w: entry %q must be a directory", archive.ErrCorrupt, e.Path)
		}
		return e.Path, nil
	case top == archiveSkills:
		if id, _, _ := strings.Cut(rest, "/"); !im.included[id] {
			return "", fmt.Errorf("%w: entry %q: the manifest includes no skill %.200q", archive.ErrCorrupt, e.Path, id)
		}
		return e.Path, nil
	case top != archiveWorkspace:
		return "", fmt.Errorf("%w: entry %q lies outside %s/ and %s/", archive.ErrUnsafe, e.Path, archiveWorkspace, archiveSkills)
	}
	first, _, _ := strings.Cut(rest, "/")
	switch {
	case reservedNames[first] || strings.HasPrefix(first, ".") || strings.HasSuffix(first, ".lock"):
		return "", fmt.Errorf("%w: entry %q: the runtime keeps that name for itself", archive.ErrUnsafe, e.Path)
	case first != "files" && first != homeDirName:
		return e.Path, nil
	case im.cfg == nil:
		return "", fmt.Errorf("%w: entry %q comes before %s/config.json", archive.ErrCorrupt, e.Path, archiveWorkspace)
	case im.cfg.DiskQuota > 0:
		return archiveWorkspace + "/" + diskDirName + "/" + rest, nil
	}
	return e.Path, nil
}

// maxConfigBytes bounds an archive's config.json.
const maxConfigBytes = 1 << 20

// config reads and validates the config.json just extracted and, for a
// disk quota, makes the volume that files/ and home/ go into.
func (im *importer) config() error {
	path := filepath.Join(im.wsDir(), "config.json")
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() || fi.Size() > maxConfigBytes {
		return fmt.Errorf("%w: %s/config.json is not a regular file of at most %d bytes", archive.ErrCorrupt, archiveWorkspace, maxConfigBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cfg WorkspaceConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("%w: %s/config.json: %v", archive.ErrCorrupt, archiveWorkspace, err)
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("%s/config.json: %w", archiveWorkspace, err)
	}
	im.cfg = &cfg
	if cfg.DiskQuota == 0 {
		return nil
	}
	v := im.volume()
	if err := v.Create(im.ctx, cfg.DiskQuota); err != nil {
		return fmt.Errorf("the workspace has a disk quota of %d bytes, and a volume for it cannot be made here: %w", cfg.DiskQuota, err)
	}
	u, err := v.Usage()
	if err != nil {
		return err
	}
	if im.treeBytes > u.Free {
		return fmt.Errorf("files/ and home/ need about %d bytes, more than the %d bytes free in the workspace's disk quota of %d bytes", im.treeBytes, u.Free, cfg.DiskQuota)
	}
	if err := os.Mkdir(filepath.Join(v.Dir, tmpDirName), 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}
