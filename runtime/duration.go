package runtime

import (
	"encoding/json"
	"fmt"
	"time"
)

// Duration is a time.Duration that config.json holds as Go duration text
// ("30s", "10m", "1h30m"; see time.ParseDuration), so people can read and
// edit it.
type Duration time.Duration

// MarshalJSON writes the duration as text, e.g. "30s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads duration text. Errors name the text that is not one.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want text such as \"30s\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}
