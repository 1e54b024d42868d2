package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// File format constants (see the package documentation, "File format").
const (
	// FormatName is the file's "format" field.
	FormatName = "bulkhead-vault"
	// FormatVersion is the file's "version" field, also bound into every
	// ciphertext's associated data.
	FormatVersion = 1
	// kdfAlgorithm is the "kdf.algorithm" field.
	kdfAlgorithm = "argon2id"
	// saltLen is the length of kdf.salt in bytes (RFC 9106 §3.1
	// recommends 16).
	saltLen = 16
)

// b64 is the encoding of salts and sealed blocks: standard base64 with
// padding (RFC 4648 §4), strict, so that every sealed byte has exactly one
// spelling.
var b64 = base64.StdEncoding.Strict()

// fileJSON is the file as JSON.
type fileJSON struct {
	Format    string            `json:"format"`
	Version   int               `json:"version"`
	Workspace string            `json:"workspace"`
	KDF       kdfJSON           `json:"kdf"`
	Check     string            `json:"check"`
	Entries   map[string]string `json:"entries"`
}

type kdfJSON struct {
	Algorithm   string `json:"algorithm"`
	Version     int    `json:"version"`
	MemoryKiB   uint32 `json:"memoryKiB"`
	Iterations  uint32 `json:"iterations"`
	Parallelism uint8  `json:"parallelism"`
	Salt        string `json:"salt"`
}

// file is a decoded vault file: only ciphertexts, never plaintext.
type file struct {
	workspace string
	kdf       KDFParams
	salt      []byte
	check     []byte
	entries   map[string][]byte // entry name → nonce ‖ ciphertext ‖ tag
}

// decodeFile parses and checks a vault file's bytes: JSON shape, format
// name and version, workspace and entry ids, KDF parameters within l,
// base64 and block sizes, entry count. It opens nothing. Errors wrap
// ErrMalformed, ErrUnsupportedVersion or ErrLimit and name the field.
func decodeFile(data []byte, l Limits) (*file, error) {
	var j fileJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&j)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("data after the JSON object")
		}
	}
	if err != nil {
		// A file of another version may have other fields: say so
		// rather than name the first one this version does not know.
		var probe struct {
			Format  string `json:"format"`
			Version int    `json:"version"`
		}
		if json.Unmarshal(data, &probe) == nil && probe.Format == FormatName && probe.Version != FormatVersion {
			return nil, fmt.Errorf("%w %d (this bulkhead reads %d)", ErrUnsupportedVersion, probe.Version, FormatVersion)
		}
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if j.Format != FormatName {
		return nil, fmt.Errorf("%w: field format is %.40q, want %q", ErrMalformed, j.Format, FormatName)
	}
	if j.Version != FormatVersion {
		return nil, fmt.Errorf("%w %d (this bulkhead reads %d)", ErrUnsupportedVersion, j.Version, FormatVersion)
	}
	if err := ids.Validate("workspace", j.Workspace); err != nil {
		return nil, fmt.Errorf("%w: field workspace: %w", ErrMalformed, err)
	}
	f := &file{
		workspace: j.Workspace,
		kdf:       KDFParams{MemoryKiB: j.KDF.MemoryKiB, Iterations: j.KDF.Iterations, Parallelism: j.KDF.Parallelism},
	}
	if j.KDF.Algorithm != kdfAlgorithm || j.KDF.Version != argon2Version {
		return nil, fmt.Errorf("%w: field kdf: algorithm %.40q version %d, want %q version %d",
			ErrMalformed, j.KDF.Algorithm, j.KDF.Version, kdfAlgorithm, argon2Version)
	}
	if err := f.kdf.checkStored(l); err != nil {
		return nil, fmt.Errorf("%w: field kdf: %w", ErrMalformed, err)
	}
	if f.salt, err = b64.DecodeString(j.KDF.Salt); err != nil || len(f.salt) != saltLen {
		return nil, fmt.Errorf("%w: field kdf.salt: want %d bytes in base64", ErrMalformed, saltLen)
	}
	if f.check, err = b64.DecodeString(j.Check); err != nil || len(f.check) != checkSealedLen {
		return nil, fmt.Errorf("%w: field check: want %d bytes in base64", ErrMalformed, checkSealedLen)
	}
	if j.Entries == nil {
		return nil, fmt.Errorf("%w: field entries is missing", ErrMalformed)
	}
	if len(j.Entries) > l.MaxEntries {
		return nil, fmt.Errorf("%w: %d entries, more than %d", ErrLimit, len(j.Entries), l.MaxEntries)
	}
	f.entries = make(map[string][]byte, len(j.Entries))
	for name, s := range j.Entries {
		if err := ids.Validate("credential", name); err != nil {
			return nil, fmt.Errorf("%w: field entries: %w", ErrMalformed, err)
		}
		sealed, err := b64.DecodeString(s)
		if err != nil || len(sealed) < sealOverhead {
			return nil, fmt.Errorf("%w: field entries: entry %q: want at least %d bytes in base64", ErrMalformed, name, sealOverhead)
		}
		f.entries[name] = sealed
	}
	return f, nil
}

// Sizes of sealed blocks: nonce (12) ‖ ciphertext ‖ tag (16).
const (
	sealOverhead   = 12 + 16
	checkSealedLen = sealOverhead + len(checkPlaintext)
)

// encode returns the file as indented JSON with a final newline; entries
// come out sorted by name.
func (f *file) encode() []byte {
	j := fileJSON{
		Format:    FormatName,
		Version:   FormatVersion,
		Workspace: f.workspace,
		KDF: kdfJSON{
			Algorithm:   kdfAlgorithm,
			Version:     argon2Version,
			MemoryKiB:   f.kdf.MemoryKiB,
			Iterations:  f.kdf.Iterations,
			Parallelism: f.kdf.Parallelism,
			Salt:        b64.EncodeToString(f.salt),
		},
		Check:   b64.EncodeToString(f.check),
		Entries: make(map[string]string, len(f.entries)),
	}
	for name, sealed := range f.entries {
		j.Entries[name] = b64.EncodeToString(sealed)
	}
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		panic(err) // strings, numbers and a map of strings always marshal
	}
	return append(data, '\n')
}

// readFile returns the bytes of the vault file at path, or an error
// wrapping fs.ErrNotExist when there is none. It refuses, with
// ErrMalformed, a symbolic link or anything but a regular file (a FIFO
// would block), and with ErrLimit a file larger than limit bytes.
func readFile(path string, limit int64) ([]byte, error) {
	fd, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%w: a symbolic link", ErrMalformed)
	}
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	fi, err := fd.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: not a regular file", ErrMalformed)
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrLimit, fi.Size(), limit)
	}
	buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(fd, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrLimit, limit)
	}
	return buf.Bytes(), nil
}
