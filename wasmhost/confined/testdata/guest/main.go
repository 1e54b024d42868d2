// Command guest is the test program of package confined's TestGuest. Built
// for GOOS=wasip1 and run with a confined workspace mounted at /workspace
// (the layout of newLayout), it tries every escape and every ordinary file
// operation through package os and prints one JSON object on stdout: for
// each named attempt, whether it succeeded, its error and any data it read.
// Names starting with "escape." must fail; names starting with "ok." must
// succeed. Its only argument is the host path of the secret file.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// result is the outcome of one attempt.
type result struct {
	OK   bool   `json:"ok"`
	Err  string `json:"err,omitempty"`
	Data string `json:"data,omitempty"`
}

func main() {
	hostSecret := os.Args[1]
	results := map[string]result{}
	record := func(name string, data string, err error) {
		r := result{OK: err == nil, Data: data}
		if err != nil {
			r.Err = err.Error()
		}
		results[name] = r
	}
	read := func(name, path string) {
		b, err := os.ReadFile(path)
		record(name, string(b), err)
	}
	readDir := func(name, path string) {
		entries, err := os.ReadDir(path)
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, e.Name())
		}
		record(name, strings.Join(names, ","), err)
	}
	write := func(name, path, data string) {
		record(name, "", os.WriteFile(path, []byte(data), 0o644))
	}

	// Escapes: every one of these must fail.
	read("escape.read_etc_passwd", "/etc/passwd")
	read("escape.read_host_path", hostSecret)
	read("escape.read_dotdot", "../outside/secret.txt")
	read("escape.read_workspace_dotdot", "/workspace/../outside/secret.txt")
	read("escape.read_abs_link", "abs-link")
	read("escape.read_rel_link", "rel-link")
	read("escape.read_chain", "chain1")
	read("escape.read_dirlink_middle", "dirlink/secret.txt")
	read("escape.read_absdirlink_middle", "absdirlink/secret.txt")
	read("escape.read_nested_escape", "sub/deep-escape")
	read("escape.read_etc_passwd_link", "etc-passwd-link")
	read("escape.read_devnull_link", "devnull-link")
	read("escape.read_hardlink", "hardlink")
	read("escape.read_fifo", "fifo")
	read("escape.read_device", "nulldev")
	read("escape.read_socket", "sock")
	read("escape.read_loop", "loop")
	readDir("escape.readdir_dirlink", "dirlink")
	readDir("escape.readdir_absdirlink", "absdirlink")
	readDir("escape.readdir_dotdot", "..")
	write("escape.write_dirlink", "dirlink/planted.txt", "planted")
	write("escape.write_abs_link", "abs-link", "overwritten")
	write("escape.write_rel_link", "rel-link", "overwritten")
	write("escape.write_hardlink", "hardlink", "overwritten")
	record("escape.truncate_hardlink", "", os.Truncate("hardlink", 0))
	record("escape.chtimes_hardlink", "", os.Chtimes("hardlink", time.Unix(1, 0), time.Unix(1, 0)))
	record("escape.mkdir_dirlink", "", os.Mkdir("dirlink/planted", 0o755))
	record("escape.rename_out", "", os.Rename("hello.txt", "dirlink/stolen.txt"))
	record("escape.rename_in", "", os.Rename("dirlink/secret.txt", "stolen.txt"))
	record("escape.remove_through_dirlink", "", os.Remove("dirlink/secret.txt"))
	record("escape.symlink_out", "", os.Symlink("../outside/secret.txt", "planted-link"))
	record("escape.symlink_absolute", "", os.Symlink("/etc/passwd", "planted-abs"))
	read("escape.read_planted_link", "planted-link")
	record("escape.hard_link", "", os.Link("hello.txt", "hl"))
	record("escape.lstat_through_dirlink", "", lstatErr("dirlink/secret.txt"))

	// Ordinary use: every one of these must succeed.
	read("ok.read", "hello.txt")
	read("ok.read_absolute", "/workspace/hello.txt")
	read("ok.read_in_link", "in-link")
	read("ok.read_in_dirlink", "in-dirlink/inner.txt")
	read("ok.read_up_link", "sub/up-link")
	readDir("ok.readdir_sub", "sub")
	record("ok.mkdir_all", "", os.MkdirAll("notes/day1", 0o755))
	write("ok.write", "notes/day1/a.txt", "first")
	read("ok.read_back", "notes/day1/a.txt")
	record("ok.append", "", appendTo("notes/day1/a.txt", " second"))
	read("ok.read_appended", "notes/day1/a.txt")
	write("ok.overwrite", "notes/day1/a.txt", "short")
	read("ok.read_truncated", "notes/day1/a.txt")
	record("ok.rename", "", os.Rename("notes/day1/a.txt", "notes/b.txt"))
	read("ok.read_renamed", "notes/b.txt")
	record("ok.symlink_inside", "", os.Symlink("b.txt", "notes/b-link"))
	read("ok.read_new_symlink", "notes/b-link")
	record("ok.chtimes", "", os.Chtimes("notes/b.txt", time.Unix(1000, 0), time.Unix(2000, 0)))
	mtime, err := statMtime("notes/b.txt")
	record("ok.stat_mtime", mtime, err)
	sum, err := largeRoundtrip("notes/large.bin", 3<<20)
	record("ok.large_roundtrip", sum, err)
	record("ok.remove", "", os.Remove("notes/b-link"))
	record("ok.remove_dir", "", os.Remove("notes/day1"))
	readDir("ok.readdir_notes", "notes")
	record("ok.remove_escaping_symlink", "", os.Remove("abs-link"))

	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		os.Exit(1)
	}
}

// lstatErr returns the error of os.Lstat(name).
func lstatErr(name string) error {
	_, err := os.Lstat(name)
	return err
}

// appendTo appends data to name with O_APPEND.
func appendTo(name, data string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// statMtime returns name's modification time in RFC 3339, UTC.
func statMtime(name string) (string, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return "", err
	}
	return fi.ModTime().UTC().Format(time.RFC3339), nil
}

// largeRoundtrip writes size bytes to name in 64 KiB writes, reads them back
// with a 4 KiB buffer and returns "ok" if the SHA-256 sums match.
func largeRoundtrip(name string, size int) (string, error) {
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7 % 251)
	}
	f, err := os.Create(name)
	if err != nil {
		return "", err
	}
	for chunk := range slices.Chunk(data, 64<<10) {
		if _, err := f.Write(chunk); err != nil {
			f.Close()
			return "", err
		}
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	f, err = os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, f, make([]byte, 4096)); err != nil {
		return "", err
	}
	want := sha256.Sum256(data)
	if got := hex.EncodeToString(h.Sum(nil)); got != hex.EncodeToString(want[:]) {
		return "", errors.New("large file content differs")
	}
	return "ok", nil
}
