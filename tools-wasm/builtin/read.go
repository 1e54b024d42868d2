package builtin

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// and the offset to continue from.
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
	info, err := c.root.Stat(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("read %s: no such file; use ls or find to locate files", shown(name))
		}
		return "", fsError("read", name, err)
	}
	if info.IsDir() {
		return "", fmt.Errorf("read %s: is a directory; use ls to list it", shown(name))
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("read %s: not a regular file (%s)", shown(name), info.Mode().Type())
	}
	f, err := c.root.Open(name)
	if err != nil {
		return "", fsError("read", name, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	if head, _ := br.Peek(sniffBytes); isBinary(head) {
		return fmt.Sprintf("binary file (%d bytes), not shown", info.Size()), nil
	}

	first := max(in.Offset, 1)
	limit := capped(in.Limit, c.lim.ReadLines)
	out := output{max: c.lim.OutputBytes}
	keep := c.lim.LineBytes + utf8.UTFMax
	buf := make([]byte, 0, keep)
	last, total := 0, 0 // last line shown, lines in the file
	for {
		line, full, ok, err := scanLine(br, buf, keep)
		if err != nil {
			return "", fsError("read", name, err)
		}
		if !ok {
			break
		}
		total++
		if total >= first && total < first+limit && !out.full {
			if out.line(fmt.Sprintf("%6d\t%s", total, cutLine(line, full, c.lim.LineBytes))) {
				last = total
			}
		}
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

// scanLine reads the next line from br. It returns the line's first keep
// bytes (stored in buf, without the newline), the line's full length, and ok
// false at the end of the input.
func scanLine(br *bufio.Reader, buf []byte, keep int) (line []byte, full int, ok bool, err error) {
	line = buf[:0]
	for {
		frag, err := br.ReadSlice('\n')
		if err == nil {
			frag = frag[:len(frag)-1]
		}
		full += len(frag)
		if room := keep - len(line); room > 0 {
			line = append(line, frag[:min(room, len(frag))]...)
		}
		switch {
		case err == nil:
			return line, full, true, nil
		case errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			return line, full, full > 0, nil
		default:
			return nil, 0, false, err
		}
	}
}
