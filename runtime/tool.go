package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/invopop/jsonschema"
)

// NewTool returns a custom tool whose arguments are decoded into In, a
// struct, and whose JSON Schema (the parameters the model sees) is
// generated from In's fields with github.com/invopop/jsonschema: field
// names from `json` tags, descriptions and constraints from
// `jsonschema:"description=…,minimum=…"` tags, every field without
// `omitempty` required, no other properties allowed. Arguments that do not
// decode into In come back to the model as an error result naming the
// problem; fn's own error is an error result too.
//
// Errors: In is not a struct.
func NewTool[In any](name, description string, fn func(ctx context.Context, tc ToolContext, in In) (string, error)) (Tool, error) {
	if t := reflect.TypeFor[In](); t.Kind() != reflect.Struct {
		return Tool{}, fmt.Errorf("custom tool %q: argument type %s is not a struct", name, t)
	}
	r := jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Anonymous: true}
	schema := r.Reflect(new(In))
	schema.Version = "" // providers take the schema object itself
	params, err := json.Marshal(schema)
	if err != nil {
		return Tool{}, fmt.Errorf("custom tool %q: schema: %w", name, err)
	}
	return Tool{
		Name:        name,
		Description: description,
		Parameters:  params,
		Run: func(ctx context.Context, tc ToolContext, input json.RawMessage) (string, error) {
			var in In
			if err := json.Unmarshal(input, &in); err != nil {
				return "", fmt.Errorf("invalid arguments for %s: %w", name, err)
			}
			return fn(ctx, tc, in)
		},
	}, nil
}
