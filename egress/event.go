package egress

import (
	"encoding/json"
	"net/netip"
	"time"
)

// Attribution names who opened a connection: the workspace and run, and
// the tool call (the agent's bash) or the skill whose jail it came from.
type Attribution struct {
	Workspace string `json:"workspace"`
	Run       string `json:"run"`
	ToolCall  string `json:"tool_call,omitempty"`
	Skill     string `json:"skill,omitempty"`
}

// Kind tells what an Event records.
type Kind string

// The kinds of Event.
const (
	// KindTunnel is one CONNECT request: a TCP tunnel, or, for a host with
	// secret rules, an intercepted TLS connection.
	KindTunnel Kind = "tunnel"
	// KindHTTP is one plain-HTTP request (absolute URI), or one request
	// refused inside an intercepted tunnel.
	KindHTTP Kind = "http"
)

// Reason is why a connection or request was refused (Allowed false) or
// why an allowed one ended early (Allowed true); empty when an allowed
// one ended normally. Refusals reach the program as an HTTP status: 403
// for policy reasons, 429 for limits, 502 for upstream failures, 400 for
// malformed requests.
type Reason string

// The reasons.
const (
	ReasonNotAllowed   Reason = "not_allowed"     // the name:port is in no policy entry
	ReasonRawIP        Reason = "raw_ip"          // an address no literal entry names
	ReasonSpecial      Reason = "special_address" // a special-purpose address (internal/netguard)
	ReasonResolve      Reason = "resolve_failed"  // the host's resolver gave no address
	ReasonNotTLS       Reason = "not_tls"         // a tunnel to a name that did not start with a TLS ClientHello
	ReasonSNIMissing   Reason = "sni_missing"     // a ClientHello without server name
	ReasonSNIMismatch  Reason = "sni_mismatch"    // the server name differs from the CONNECT host
	ReasonHostMismatch Reason = "host_mismatch"   // an intercepted request's Host differs from the CONNECT host
	ReasonSecretLeak   Reason = "secret_leak"     // a placeholder where it may not go
	ReasonBadRequest   Reason = "bad_request"     // not a proxy request, or a malformed target
	ReasonUnsupported  Reason = "unsupported"     // a protocol upgrade, or an https:// absolute URI
	ReasonConnLimit    Reason = "conn_limit"      // Limits.MaxConns reached
	ReasonRateLimit    Reason = "rate_limit"      // Limits.ConnRate exceeded
	ReasonByteLimit    Reason = "byte_limit"      // Limits.MaxBytesUp or MaxBytesDown reached
	ReasonIdle         Reason = "idle_timeout"    // no byte either way for Limits.IdleTimeout
	ReasonDial         Reason = "dial_failed"     // no checked address accepted the connection
	ReasonUpstream     Reason = "upstream_error"  // the upstream failed: TLS, certificate, protocol
	ReasonRunClosed    Reason = "run_closed"      // Run.Close ended it
)

// Event records one tunnel or one plain-HTTP request. It never holds a
// secret value; Secrets names the credential entries injected.
//
// # Notes
//
//   - Host is canonical: a lower-case A-label name or an address.
//   - IP is the address connected to (resolved and checked by the
//     host), zero when none was.
//   - BytesUp and BytesDown count bytes on the wire to and from the
//     upstream (TLS records included), the figures Limits bound.
//   - Requests counts the HTTP requests of an intercepted tunnel.
type Event struct {
	Attribution
	Time        time.Time     `json:"time"`
	Kind        Kind          `json:"kind"`
	Host        string        `json:"host"`
	Port        uint16        `json:"port"`
	IP          netip.Addr    `json:"ip,omitzero"`
	BytesUp     int64         `json:"bytes_up"`
	BytesDown   int64         `json:"bytes_down"`
	Duration    time.Duration `json:"duration_ns"`
	Allowed     bool          `json:"allowed"`
	Reason      Reason        `json:"reason,omitempty"`
	Detail      string        `json:"detail,omitempty"`
	Intercepted bool          `json:"intercepted,omitempty"`
	Requests    int           `json:"requests,omitempty"`
	Secrets     []string      `json:"secrets,omitempty"`
}

// String returns the event as JSON.
func (e Event) String() string {
	b, _ := json.Marshal(e)
	return string(b)
}
