package builtin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"unicode/utf8"
)

// readInput is the read tool's arguments: offset is the 1-based number of the
// first line to show and limit the number of lines.
type readInput struct {
	Path   string `json:"path"`
	Offset int    `json:"offset"`
	Limit  int    `json:"limit"`
}

// read shows a text file with numbered lines ("%6d\t" and the text, like
// cat -n), from offset for at most limit lines and OutputBytes bytes. The
// whole file is scanned to count its lines, so a cut result names the total
// and the offset to continue from. The file is opened before it is checked
// (with fstat on the descriptor), so its path is resolved once.
func (c *call) read(input json.RawMessage) (string, error) {
	var in readInput
	if err := decode(input, &in); err != nil {
		return "", err
	}
	if in.Path == "" {
		return "", errors.New("read: path is required")
	}
	if err := errors.Join(nonNegative("offset", in.Offset), nonNegative("limit", in.Limit)); err != nil {
		return "", fmt.Errorf("read: %w", err)
	}
	name, err := resolve(in.Path)
	if err != nil {
		return "", fmt.Errorf("read: %w", err)
	}
	f, err := c.root.OpenFile(name, readFlags, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read %s: no such file; use ls or find to locate files", shown(name))
	}
	if err != nil {
		return "", c.fsError("read", name, err)
	}
	defer f.Close()
	info, err := f.Stat()
	switch {
	case err != nil:
		return "", c.fsError("read", name, err)
	case info.IsDir():
		return "", fmt.Errorf("read %s: is a directory; use ls to list it", shown(name))
	case !info.Mode().IsRegular():
		return "", notRegular("read", name, info)
	}
	bufs := getReadBuffers()
	out := output{b: bufs.out[:0], max: c.lim.OutputBytes}
	defer func() { bufs.put(out.b) }()
	lr := newLineReader(f, bufs.file)
	if isBinary(lr.peek(sniffBytes)) {
		return fmt.Sprintf("binary file (%d bytes), not shown", info.Size()), nil
	}

	first := max(in.Offset, 1)
	limit := capped(in.Limit, c.lim.ReadLines)
	keep := c.lim.LineBytes + utf8.UTFMax
	num := newLineNumber(first)
	last, total := 0, 0 // last line shown, lines in the file
	for {
		show := total+1 >= first && total+1 < first+limit && !out.full
		line, full, ok := lr.next(keepIf(show, keep))
		if !ok {
			break
		}
		total++
		if show {
			if out.numbered(num, line, full, c.lim.LineBytes) {
				last = total
			}
			num.next()
		}
	}
	if err := lr.Err(); err != nil {
		return "", c.fsError("read", name, err)
	}
	switch {
	case total == 0:
		return fmt.Sprintf("%s is empty (0 lines)", shown(name)), nil
	case first > total:
		return "", fmt.Errorf("read %s: offset %d is past the end of the file (%d lines)", shown(name), first, total)
	case last == total:
		return out.text(""), nil
	case out.full:
		return out.text(fmt.Sprintf("[showing lines %d-%d of %d (output limit of %s reached); call read with offset=%d to continue]",
			first, last, total, size(int64(c.lim.OutputBytes)), last+1)), nil
	}
	return out.text(fmt.Sprintf("[showing lines %d-%d of %d; call read with offset=%d to continue]", first, last, total, last+1)), nil
}

// keepIf returns keep when the line is shown and 0 when it is only counted.
func keepIf(show bool, keep int) int {
	if show {
		return keep
	}
	return 0
}
