package stage

import (
	"errors"
	"io"
)

// The spec and the report cross their pipes in a small binary encoding
// rather than JSON, so that the init stage does not need encoding/json
// (see doc.go). Each value is written in a fixed order: unsigned integers
// as unsigned LEB128 varints (the encoding of encoding/binary.PutUvarint),
// signed ones zig-zag encoded first, booleans as 0 or 1, strings and byte
// slices as their length then their bytes, lists as their length then
// their elements.

// errTruncated is returned for input that ends inside a value.
var errTruncated = errors.New("truncated message")

// maxVarintLen is the longest uint64 varint.
const maxVarintLen = 10

// encoder appends values to buf.
type encoder struct{ buf []byte }

func (e *encoder) uint(v uint64) {
	for v >= 0x80 {
		e.buf = append(e.buf, byte(v)|0x80)
		v >>= 7
	}
	e.buf = append(e.buf, byte(v))
}

func (e *encoder) int(v int64) { e.uint(uint64(v<<1) ^ uint64(v>>63)) }

func (e *encoder) bool(v bool) {
	if v {
		e.uint(1)
	} else {
		e.uint(0)
	}
}

func (e *encoder) bytes(b []byte) {
	e.uint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) string(s string) {
	e.uint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) strings(ss []string) {
	e.uint(uint64(len(ss)))
	for _, s := range ss {
		e.string(s)
	}
}

// decoder reads values from buf; the first error sticks and later reads
// return zero values.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) uint() uint64 {
	var v uint64
	for i := 0; i < maxVarintLen; i++ {
		if d.err != nil || len(d.buf) == 0 {
			d.fail()
			return 0
		}
		b := d.buf[0]
		d.buf = d.buf[1:]
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v
		}
	}
	d.fail()
	return 0
}

func (d *decoder) int() int64 {
	u := d.uint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *decoder) bool() bool { return d.uint() != 0 }

// length reads a length and checks that at least min bytes per element
// remain for it.
func (d *decoder) length(min int) int {
	n := d.uint()
	if d.err == nil && n > uint64(len(d.buf)/max(min, 1)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) bytes() []byte {
	n := d.length(1)
	if d.err != nil || n == 0 {
		return nil
	}
	b := d.buf[:n:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) string() string { return string(d.bytes()) }

func (d *decoder) strings() []string {
	n := d.length(1)
	var ss []string
	for i := 0; i < n && d.err == nil; i++ {
		ss = append(ss, d.string())
	}
	return ss
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errTruncated
	}
}

// Encode returns s in the wire encoding.
func (s *Spec) Encode() []byte {
	var e encoder
	e.strings(s.Argv)
	e.bool(s.Stdin)
	e.strings(s.Env)
	e.string(s.Hostname)
	e.bool(s.Loopback)
	e.int(s.TmpSize)
	e.int(s.ShmSize)
	e.bool(s.TmpBound)
	e.string(s.Home)
	e.string(s.Root.Usr)
	e.uint(uint64(len(s.Root.Links)))
	for _, l := range s.Root.Links {
		e.string(l.Name)
		e.string(l.Symlink)
		e.string(l.Bind)
	}
	e.string(s.Root.LdSoCache)
	e.string(s.Root.ResolvConf)
	e.string(s.Root.Certs)
	e.string(s.Root.Alternatives)
	e.uint(uint64(len(s.Mounts)))
	for _, m := range s.Mounts {
		e.string(m.Target)
		e.bool(m.Dir)
		e.string(m.Source)
		e.bool(m.ReadOnly)
	}
	e.uint(uint64(len(s.Rlimits)))
	for _, r := range s.Rlimits {
		e.string(r.Name)
		e.int(int64(r.Resource))
		e.uint(r.Cur)
		e.uint(r.Max)
	}
	e.bytes(s.Seccomp)
	e.uint(uint64(s.JailUID))
	e.uint(uint64(s.JailGID))
	e.uint(uint64(len(s.Cgroups)))
	for _, c := range s.Cgroups {
		e.string(c.Controller)
		e.string(c.Tasks)
		e.string(c.Path)
	}
	e.int(int64(s.ProxyPort))
	e.bytes(s.ExtraCA)
	return e.buf
}

// DecodeSpec decodes a spec encoded by Encode.
func DecodeSpec(data []byte) (*Spec, error) {
	d := decoder{buf: data}
	s := &Spec{}
	s.Argv = d.strings()
	s.Stdin = d.bool()
	s.Env = d.strings()
	s.Hostname = d.string()
	s.Loopback = d.bool()
	s.TmpSize = d.int()
	s.ShmSize = d.int()
	s.TmpBound = d.bool()
	s.Home = d.string()
	s.Root.Usr = d.string()
	for n := d.length(3); n > 0 && d.err == nil; n-- {
		s.Root.Links = append(s.Root.Links, Link{Name: d.string(), Symlink: d.string(), Bind: d.string()})
	}
	s.Root.LdSoCache = d.string()
	s.Root.ResolvConf = d.string()
	s.Root.Certs = d.string()
	s.Root.Alternatives = d.string()
	for n := d.length(4); n > 0 && d.err == nil; n-- {
		s.Mounts = append(s.Mounts, Mount{Target: d.string(), Dir: d.bool(), Source: d.string(), ReadOnly: d.bool()})
	}
	for n := d.length(4); n > 0 && d.err == nil; n-- {
		s.Rlimits = append(s.Rlimits, Rlimit{Name: d.string(), Resource: int(d.int()), Cur: d.uint(), Max: d.uint()})
	}
	s.Seccomp = d.bytes()
	s.JailUID = uint32(d.uint())
	s.JailGID = uint32(d.uint())
	for n := d.length(3); n > 0 && d.err == nil; n-- {
		s.Cgroups = append(s.Cgroups, CgroupJoin{Controller: d.string(), Tasks: d.string(), Path: d.string()})
	}
	s.ProxyPort = int(d.int())
	s.ExtraCA = d.bytes()
	if d.err != nil {
		return nil, &layerError{"decode spec", d.err}
	}
	if len(d.buf) != 0 {
		return nil, stageError("decode spec: " + itoa(len(d.buf)) + " trailing bytes")
	}
	if len(s.Argv) == 0 {
		return nil, stageError("decode spec: empty argv")
	}
	if len(s.Mounts) > MaxMounts {
		return nil, stageError("decode spec: more than " + itoa(MaxMounts) + " mounts")
	}
	if s.ProxyPort < 0 || s.ProxyPort > 65535 {
		return nil, stageError("decode spec: proxy port " + itoa(s.ProxyPort))
	}
	return s, nil
}

// Encode returns r in the wire encoding.
func (r *Report) Encode() []byte {
	var e encoder
	e.string(r.Step)
	e.string(r.Error)
	e.int(int64(r.Errno))
	e.int(int64(r.ExitCode))
	e.int(int64(r.Signal))
	e.uint(uint64(len(r.Steps)))
	for _, st := range r.Steps {
		e.string(st.Name)
		e.int(st.Micros)
	}
	return e.buf
}

// DecodeReport decodes a report encoded by Encode.
func DecodeReport(data []byte) (Report, error) {
	d := decoder{buf: data}
	var r Report
	r.Step = d.string()
	r.Error = d.string()
	r.Errno = int(d.int())
	r.ExitCode = int(d.int())
	r.Signal = int(d.int())
	for n := d.length(2); n > 0 && d.err == nil; n-- {
		r.Steps = append(r.Steps, StepTime{Name: d.string(), Micros: d.int()})
	}
	if d.err == nil && len(d.buf) != 0 {
		d.err = stageError(itoa(len(d.buf)) + " trailing bytes")
	}
	if d.err != nil {
		return Report{}, &layerError{"decode report", d.err}
	}
	return r, nil
}

// readAll reads r to its end, failing past limit bytes.
func readAll(r io.Reader, limit int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, stageError("message longer than " + itoa(limit) + " bytes")
	}
	return data, nil
}
