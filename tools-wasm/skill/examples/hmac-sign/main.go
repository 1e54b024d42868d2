// Command hmac-sign is an example WASM skill written with the Go SDK
// (package skill): it signs a message with HMAC-SHA256 (RFC 2104) under
// the key of its declared credential, the way a skill signs a webhook or
// an API request without ever showing the key. `make wasm` builds it into
// testdata/skills/hmac-sign/execute.wasm.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"

	"github.com/bulkhead-dev/bulkhead/tools-wasm/skill"
)

// params are the skill's input.
type params struct {
	Message string `json:"message"`
}

// result is the skill's output.
type result struct {
	Message   string `json:"message"`
	Signature string `json:"hmac_sha256"`
}

func sign(p params) (result, error) {
	key := os.Getenv("SIGNING_KEY")
	if key == "" {
		return result{}, errors.New("SIGNING_KEY is not set: store it with `bulkhead cred set signing SIGNING_KEY=-` and keep `credentials: [signing]` in SKILL.md")
	}
	if p.Message == "" {
		return result{}, errors.New(`params: "message" is required`)
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(p.Message))
	skill.Logf(skill.Info, "signed %d bytes", len(p.Message))
	return result{Message: p.Message, Signature: hex.EncodeToString(mac.Sum(nil))}, nil
}

func main() {
	skill.Run(sign)
}
