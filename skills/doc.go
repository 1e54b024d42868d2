// Package skills implements the Agent Skills folder format
// (https://agentskills.io/specification) with bulkhead's extensions, the
// global skill catalog, and each workspace's list of enabled skills.
//
// # Skill folders
//
// A skill is a folder holding SKILL.md: YAML frontmatter between two "---"
// lines, then Markdown instructions (Parse). Besides the specification's
// keys (name, description, license, compatibility, metadata,
// allowed-tools) bulkhead reads credentials, timeout, network and
// workspace; other keys are kept in Frontmatter.Extra, never refused, so
// public collections load unchanged. The entry point at the top of the
// folder sets the Kind: execute.wasm (WASM), one of execute, execute.sh,
// execute.py, execute.js (Native), or none (Instruction).
//
// # Catalog
//
// A Catalog is a directory with one folder per skill id, the id being the
// skill's name (the runtime uses <stateDir>/skills):
//
//	<dir>/.lock              flock(2) serialising Add and Remove
//	<dir>/<id>/SKILL.md      a skill, files 0644 or 0755, folders 0755
//	<dir>/.incoming-*        an Add in progress (or crashed: swept)
//	<dir>/.removed-*         a Remove in progress (or crashed: swept)
//
// Add copies a folder, .tar.gz or .zip into the catalog after checking
// every entry (names, types, limits) and SKILL.md; Get and List read
// SKILL.md; Show also lists the files and computes the content hash;
// ReadFile serves the skill_read tool; Remove deletes. Readers take no
// lock: a skill folder appears, is swapped and disappears by rename(2).
//
// # Content hash
//
// Details.Hash is "sha256:" and the hex SHA-256 of the folder's members in
// byte order of their slash-separated paths: "d <mode> <len>:<path>\n" per
// directory, "f <mode> <size> <len>:<path>\n" and the content per file,
// mode in four octal digits. Equal folders hash equal whichever way they
// were added (folder, tar or zip), and any change of a path, a mode or a
// byte changes the hash.
//
// # Enablement
//
// Enabled is one workspace's enabled-skills.json: a sorted JSON array of
// skill ids, rewritten atomically under a flock(2).
//
// # Not here
//
// Running skills (the jail and wazero executors), masking their output
// (internal/mask), injecting credentials and validating network
// destinations belong to other packages.
package skills
