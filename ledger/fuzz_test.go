package ledger

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// FuzzDecodeLine feeds arbitrary lines to the decoder: it never panics,
// and whatever it accepts is a valid record that encodes back to a line
// decoding to the same record.
func FuzzDecodeLine(f *testing.F) {
	line, _ := rec("r", day).MarshalJSON()
	f.Add(line)
	f.Add(line[:len(line)/2])
	f.Add([]byte(`{"v":2,"end":"2025-02-14T10:00:00Z"}`))
	f.Add([]byte(`{"v":1,"start":"2025-02-14T10:00:00Z","end":"2025-02-14T10:00:00Z","jail_cpu_us":-1}`))
	f.Add([]byte(`{"v":1,"start":"0001-01-01T00:00:00Z","end":"9999-12-31T23:59:59.999999999Z","tool_calls":{"":1}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := decodeLine(data)
		if err != nil {
			if r.RunID != "" || !r.End.IsZero() {
				t.Errorf("error %v with a record %+v", err, r)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("decoded an invalid record: %v", err)
		}
		if r.Start.Location() != time.UTC || r.End.Location() != time.UTC {
			t.Errorf("times not in UTC: %v %v", r.Start, r.End)
		}
		again, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		back, err := decodeLine(again)
		if err != nil {
			t.Fatalf("decode of the re-encoded line %s: %v", again, err)
		}
		if !reflect.DeepEqual(back, r) {
			t.Errorf("round trip\n%+v\nwant\n%+v", back, r)
		}
	})
}

// TestDecodeLineVersion: the decoder tells a newer version from garbage.
func TestDecodeLineVersion(t *testing.T) {
	if _, err := decodeLine([]byte(`{"v":3}`)); !errors.Is(err, ErrNewerVersion) {
		t.Errorf("v 3: %v, want ErrNewerVersion", err)
	}
	if _, err := decodeLine([]byte(`{"v":0}`)); err == nil || errors.Is(err, ErrNewerVersion) {
		t.Errorf("v 0: %v, want a plain error", err)
	}
}
