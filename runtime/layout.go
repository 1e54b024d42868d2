package runtime

import (
	"path/filepath"

	"github.com/bulkhead-dev/bulkhead/quota"
)

// The state directory's layout: the runtime alone names its entries, and
// hands the other packages paths (memory.Open, vault.Open,
// skills.OpenEnabled, ledger.Open, quota.Volume, nsjail.Config), never a
// directory to find their files in. The one exception is package sessions, whose Open
// takes the workspace's directory and names its own entries there.
//
//	<stateDir>/
//	  skills/                       the skill catalog (package skills)
//	  workspaces/
//	    .creating-*/                a workspace being assembled (CreateWorkspace)
//	    .deleted-*/<id>/            a workspace being removed (DeleteWorkspace)
//	    <id>/                       one workspace (tenant)
//	      config.json               WorkspaceConfig, never secrets
//	      .runs.lock                flock(2)ed shared by Acquire (runs, memory), exclusively by DeleteWorkspace
//	      sessions.json             session index (package sessions)
//	      sessions.json.lock        its lock (package sessions)
//	      sessions.lock             the session locks, one byte each (package sessions)
//	      sessions/<s>.jsonl        transcripts (package sessions)
//	      memory/memory.db          memory database, with -wal and -shm (package memory)
//	      credentials.enc.json      sealed credential vault (package vault)
//	      enabled-skills.json       skills enabled for the workspace (package skills)
//	      files/                    the runs' default /workspace
//	      home/                     the jails' persistent HOME
//	      usage/YYYY-MM.jsonl       usage ledger, one line per run (package ledger)
//	      disk.img                  with a disk quota: its ext4 image (package quota)
//	      disk/                     with a disk quota: the image's mount point, holding
//	        files/ home/ tmp/       files/ and home/ instead, and the jails' /tmp
//
// The package documentation shows the same tree; TestLayoutDocumented
// keeps the two and these names in step.
const (
	skillsDirName     = "skills"
	workspacesDirName = "workspaces"
	creatingPrefix    = ".creating-"
	deletedPrefix     = ".deleted-"

	configFile        = "config.json"
	runsLockName      = ".runs.lock"
	sessionsDirName   = "sessions"
	memoryDirName     = "memory"
	memoryDBFile      = "memory.db"
	credentialsFile   = "credentials.enc.json"
	enabledSkillsFile = "enabled-skills.json"
	usageDirName      = "usage"
	filesDirName      = "files"
	homeDirName       = "home"
	tmpDirName        = "tmp"
	diskImageName     = "disk.img"
	diskDirName       = "disk"
)

// skillsDir is the skill catalog's directory, <stateDir>/skills.
func (p *Platform) skillsDir() string { return filepath.Join(p.stateDir, skillsDirName) }

// workspacesDir is the directory of every workspace, <stateDir>/workspaces.
func (p *Platform) workspacesDir() string { return filepath.Join(p.stateDir, workspacesDirName) }

// workspaceDir is the directory of workspace id.
func (p *Platform) workspaceDir(id string) string { return filepath.Join(p.workspacesDir(), id) }

// layout returns the layout of the workspace's directory.
func (w *Workspace) layout() layout { return layout{w.dir} }

// data returns the layout of the directory holding the workspace's
// files/, home/ and tmp/: inside its quota volume when it has one.
func (w *Workspace) data() dataLayout { return w.layout().data(w.cfg.DiskQuota > 0) }

// layout names the entries of one workspace's directory: its own,
// <stateDir>/workspaces/<id>, or one being assembled or removed.
type layout struct{ dir string }

func (l layout) path(name ...string) string {
	return filepath.Join(append([]string{l.dir}, name...)...)
}

// config is config.json, the WorkspaceConfig.
func (l layout) config() string { return l.path(configFile) }

// runsLock is the lock file of Acquire and DeleteWorkspace.
func (l layout) runsLock() string { return l.path(runsLockName) }

// transcripts is the directory of the session transcripts that
// sessions.Open makes there.
func (l layout) transcripts() string { return l.path(sessionsDirName) }

// memoryDB is the memory database, memory/memory.db.
func (l layout) memoryDB() string { return l.path(memoryDirName, memoryDBFile) }

// credentials is the vault's file.
func (l layout) credentials() string { return l.path(credentialsFile) }

// enabledSkills is the list of the skills enabled.
func (l layout) enabledSkills() string { return l.path(enabledSkillsFile) }

// usage is the usage ledger's directory.
func (l layout) usage() string { return l.path(usageDirName) }

// volume is the disk quota's volume: disk.img mounted at disk/.
func (l layout) volume() quota.Volume {
	return quota.Volume{Image: l.path(diskImageName), Dir: l.path(diskDirName)}
}

// data returns the layout of the directory holding files/, home/ and
// tmp/: disk/ when the workspace has a disk quota, else the workspace's
// directory itself (which has no tmp/: jails without a quota get a tmpfs).
func (l layout) data(hasQuota bool) dataLayout {
	if hasQuota {
		return dataLayout{l.path(diskDirName)}
	}
	return dataLayout{l.dir}
}

// dataLayout names the entries of the directory holding a workspace's
// data, the part a disk quota bounds.
type dataLayout struct{ dir string }

// files is the runs' default /workspace.
func (d dataLayout) files() string { return filepath.Join(d.dir, filesDirName) }

// home is the jails' persistent home directory.
func (d dataLayout) home() string { return filepath.Join(d.dir, homeDirName) }

// tmp is the jails' /tmp inside a quota volume.
func (d dataLayout) tmp() string { return filepath.Join(d.dir, tmpDirName) }
