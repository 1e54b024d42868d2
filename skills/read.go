package skills

import (
	"errors"
	"fmt"
)

// ReadFile returns a file of skill id for the model's skill_read tool:
// name is slash-separated and relative to the skill folder, "" meaning
// SKILL.md. The file is opened through an os.Root on the skill folder, so
// no name reaches outside it.
//
// Errors wrap ErrNotFound (unknown skill or file), ErrUnsafe (an absolute
// name, "..", a name that is not clean, anything but a regular file) or
// ErrLimit (a file over Limits.MaxReadBytes, default 256 KiB). Whether the
// workspace has the skill enabled is the caller's check.
func (c *Catalog) ReadFile(id, name string) ([]byte, error) {
	if name == "" {
		name = skillMD
	}
	clean, err := cleanName(name)
	if errors.Is(err, errRoot) {
		return nil, fmt.Errorf("skill %q: %q: %w: names the skill folder, not a file", id, shorten(name), ErrUnsafe)
	}
	if err != nil {
		return nil, fmt.Errorf("skill %q: %q: %w", id, shorten(name), err)
	}
	root, err := c.openSkill(id)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	data, err := readRegular(root, clean, c.lim.MaxReadBytes)
	if err != nil {
		return nil, fmt.Errorf("skill %q: %s: %w", id, clean, err)
	}
	return data, nil
}
