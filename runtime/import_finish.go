package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/bulkhead-dev/bulkhead/internal/archive"
	"github.com/bulkhead-dev/bulkhead/memory"
	"github.com/bulkhead-dev/bulkhead/sessions"
	"github.com/bulkhead-dev/bulkhead/skills"
	"github.com/bulkhead-dev/bulkhead/vault"
)

// finish checks and completes the workspace once every entry is in:
// config.json was there, files/ and home/ exist, its mounts validate, its
// memory database opens (and migrates), its sessions list, its vault
// opens (re-sealed if needed), the included skills hash as the manifest
// says; then everything is synced to disk (syncfs(2)).
func (im *importer) finish() error {
	if im.cfg == nil {
		return fmt.Errorf("%w: the archive has no %s/config.json", archive.ErrCorrupt, archiveWorkspace)
	}
	data := layout{im.wsDir()}.data(im.cfg.DiskQuota > 0) // disk/ is im.volume().Dir
	for _, d := range []string{data.files(), data.home()} {
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	if err := im.p.checkMounts(*im.cfg, data); err != nil {
		return fmt.Errorf("%s/config.json: %w", archiveWorkspace, err)
	}
	if db := (layout{im.wsDir()}).memoryDB(); exists(db) {
		st, err := memory.Open(db, memory.Options{DisableBackfill: true})
		if err != nil {
			return fmt.Errorf("memory database: %w", err)
		}
		if err := st.Close(); err != nil {
			return fmt.Errorf("memory database: %w", err)
		}
	}
	ss, err := sessions.Open(im.wsDir())
	if err != nil {
		return err
	}
	if _, err := ss.List(); err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	if err := im.credentials(); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	if err := im.verifySkills(); err != nil {
		return err
	}
	for _, dir := range []string{im.tmp, data.dir} {
		if err := syncFS(dir); err != nil {
			return err
		}
	}
	return nil
}

// syncFS flushes the file system holding dir to disk (syncfs(2)): one
// call for every file extracted, instead of one fsync each.
func syncFS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("syncfs %s: %w", dir, err)
	}
	return nil
}

// credentials opens the archive's vault, if any, with the passphrase:
// re-sealed for the new id when As differs, and under the platform's
// passphrase when ImportOptions.Passphrase is another. Without a
// passphrase, or with the platform's own that does not open it (a vault
// restored under its own id), it is kept sealed as it is, with a warning.
func (im *importer) credentials() error {
	path := filepath.Join(im.wsDir(), credentialsFile)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		im.stats.Credentials = "none"
		return nil
	}
	pass, given := im.passphrase(), len(im.opts.Passphrase) > 0
	if len(pass) == 0 { // and im.id == im.src: plan refused the rest
		im.stats.Credentials = "unchecked"
		im.warn("the credentials were not checked: no passphrase; they stay sealed as they were")
		return nil
	}
	v, err := vault.Open(path, im.src, pass, vault.Options{})
	if errors.Is(err, vault.ErrWrongPassphrase) && !given && im.id == im.src {
		im.stats.Credentials = "unchecked"
		im.warn("the credentials do not open with this platform's passphrase: they stay sealed as they were, and runs cannot use them until the platform has their passphrase")
		return nil
	}
	if err != nil {
		return err
	}
	defer v.Close()
	im.stats.Credentials = "kept"
	if im.id != im.src {
		if err := v.Reseal(im.id); err != nil {
			return err
		}
		im.stats.Credentials = "resealed"
	}
	if own := im.p.vaults.pass; given && len(own) > 0 && !bytes.Equal(pass, own) {
		if err := v.Rotate(own); err != nil {
			return err
		}
		im.stats.Credentials = "rekeyed"
	}
	if err := os.Remove(path + ".lock"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// verifySkills checks that each skill folder the archive includes hashes
// as the manifest says (the catalog's content hash, skills.Details.Hash).
func (im *importer) verifySkills() error {
	var staged *skills.Catalog
	for _, s := range im.meta.Skills {
		if !s.Included {
			continue
		}
		if staged == nil {
			var err error
			if staged, err = skills.Open(filepath.Join(im.tmp, archiveSkills), skills.Options{}); err != nil {
				return err
			}
		}
		d, err := staged.Show(s.ID)
		if err != nil {
			return fmt.Errorf("skill %s in the archive: %w", s.ID, err)
		}
		if d.Hash != s.Hash {
			return fmt.Errorf("%w: skill %s: its folder hashes to %s, the manifest says %s", archive.ErrCorrupt, s.ID, d.Hash, s.Hash)
		}
	}
	return nil
}

// installSkills adds to the catalog the included skills it lacks, and
// reports each enabled skill's status.
func (im *importer) installSkills() error {
	if len(im.meta.Skills) == 0 {
		return nil
	}
	cat, err := im.p.Skills()
	if err != nil {
		return err
	}
	for _, s := range im.meta.Skills {
		r := ImportedSkill{ID: s.ID, Hash: s.Hash}
		d, err := cat.Show(s.ID)
		switch {
		case err == nil && (s.Hash == "" || d.Hash == s.Hash):
			r.Status = "present"
		case err == nil:
			r.Status = "differs"
			im.warn(fmt.Sprintf("skill %s: the catalog's version (%s) differs from the exported one (%s); the catalog's is kept", s.ID, d.Hash, s.Hash))
		case errors.Is(err, skills.ErrNotFound) && s.Included:
			if _, err := cat.Add(im.ctx, filepath.Join(im.tmp, archiveSkills, s.ID), skills.AddOptions{}); err != nil {
				return fmt.Errorf("install skill %s: %w", s.ID, err)
			}
			r.Status = "installed"
		case errors.Is(err, skills.ErrNotFound):
			r.Status = "missing"
			im.warn(fmt.Sprintf("skill %s is enabled but not in this platform's catalog, and the archive has no copy (export with the skills): add it to the catalog", s.ID))
		default:
			return err
		}
		im.stats.Skills = append(im.stats.Skills, r)
	}
	return nil
}

// warn records a warning for ImportStats.
func (im *importer) warn(s string) { im.stats.Warnings = append(im.stats.Warnings, s) }

// exists reports whether path names a file of any kind.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
