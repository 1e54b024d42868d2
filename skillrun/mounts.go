package skillrun

import (
	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/skills"
)

// MountDir is the jail directory that holds skill folders, each at
// MountDir/<id>.
const MountDir = "/skills"

// MountPoint returns where the folder of skill id appears in a jail:
// /skills/<id>.
func MountPoint(id string) string { return MountDir + "/" + id }

// JailBinds returns what a jail needs to see the folders of list, each
// read-only at /skills/<id>: the binds, and the entries of
// nsjail.Config.ExposeReadOnly that let them through the protected state
// directory the catalog lives in. Package runtime adds both to the
// nsjail.Config of every bash call of a run, for the workspace's enabled
// skills; Execute does the same for the skill it runs.
//
// # Notes
//
//   - nsjail.Config allows at most nsjail.MaxBinds binds in all.
//   - ExposeReadOnly names each folder exactly: nothing else of the state
//     directory, the catalog directory itself included, may be bound.
func JailBinds(list ...*skills.Skill) (binds []nsjail.Bind, expose []string) {
	for _, s := range list {
		binds = append(binds, nsjail.Bind{Source: s.Dir, Target: MountPoint(s.ID), ReadOnly: true})
		expose = append(expose, s.Dir)
	}
	return binds, expose
}
