package skillrun

import (
	"context"
	"encoding/json"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/internal/mask"
	"github.com/bulkhead-dev/bulkhead/wasmhost"
	"github.com/rs/zerolog"
)

// Host-call limits of a WASM skill (docs/hostcall.md).
var skillCallLimits = wasmhost.Limits{
	MaxPayload: 64 << 10,
	MaxResult:  MaxParamsBytes,
	Rate:       20,
	Burst:      100,
}

// cutMark ends a log message cut at hostcall.MaxLogMessage.
const cutMark = " …[cut]"

// logLevels maps the levels of hostcall.Log to the host log's.
var logLevels = map[hostcall.LogLevel]zerolog.Level{
	"":                zerolog.InfoLevel,
	hostcall.LogDebug: zerolog.DebugLevel,
	hostcall.LogInfo:  zerolog.InfoLevel,
	hostcall.LogWarn:  zerolog.WarnLevel,
	hostcall.LogError: zerolog.ErrorLevel,
}

// skillCalls serves the host calls of one WASM skill call
// (hostcall.SkillMethods).
type skillCalls struct {
	id     string
	params []byte
	mask   *mask.Set
	log    zerolog.Logger
}

// HandleHostCall implements wasmhost.Handler.
func (s *skillCalls) HandleHostCall(_ context.Context, method string, payload []byte) ([]byte, error) {
	switch method {
	case hostcall.MethodParamsRead:
		return s.params, nil
	case hostcall.MethodLog:
		var l hostcall.Log
		if err := json.Unmarshal(payload, &l); err != nil {
			return nil, hostcall.Errorf(hostcall.BadRequest, "log payload: %v", err)
		}
		level, ok := logLevels[l.Level]
		if !ok {
			return nil, hostcall.Errorf(hostcall.BadRequest, "log level %q: want debug, info, warn or error", cut(string(l.Level), 32))
		}
		// Mask the whole message first: a cut could split a value and
		// leave its prefix unrecognised.
		msg := string(s.mask.Mask([]byte(l.Message)))
		if len(msg) > hostcall.MaxLogMessage {
			msg = cut(msg, hostcall.MaxLogMessage) + cutMark
		}
		s.log.WithLevel(level).Str("skill", s.id).Msg(msg)
		return []byte("{}"), nil
	}
	return nil, hostcall.Errorf(hostcall.UnknownMethod, "method %s is not available to a skill", method)
}

// cut returns at most n bytes of s, ending on a UTF-8 boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
