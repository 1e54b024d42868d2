package providers

import (
	"bytes"
	"encoding/json"
	"errors"
)

// emptyObject is the JSON used for absent tool input.
var emptyObject = json.RawMessage(`{}`)

// objectJSON checks that raw is a JSON object and returns it compacted;
// empty input and null become {}.
func objectJSON(raw json.RawMessage) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return emptyObject, nil
	}
	var out bytes.Buffer
	if trimmed[0] != '{' || json.Compact(&out, trimmed) != nil {
		return nil, errors.New("not a JSON object")
	}
	return json.RawMessage(out.Bytes()), nil
}

// schemaFields splits a tool's JSON Schema object into its top-level
// keywords, each value kept as written. An empty schema has no keywords.
func schemaFields(raw json.RawMessage) (map[string]json.RawMessage, error) {
	obj, err := objectJSON(raw)
	if err != nil {
		return nil, errors.New("parameters: schema is " + err.Error())
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(obj, &fields); err != nil {
		return nil, errors.New("parameters: " + err.Error())
	}
	return fields, nil
}
