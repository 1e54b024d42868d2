package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bulkhead-dev/bulkhead/egress"
	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/count"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// idFlag is a flag holding the id of a workspace or a session (kind),
// checked with ids.Validate when the flag is parsed, so that an invalid id
// is a usage error.
type idFlag struct {
	kind  string
	value string
}

func (f *idFlag) Set(s string) error {
	if err := ids.Validate(f.kind, s); err != nil {
		return err
	}
	f.value = s
	return nil
}

func (f *idFlag) String() string { return f.value }
func (f *idFlag) Type() string   { return "id" }

// idArgs checks that a command has exactly n arguments, each a valid id
// of kind.
func idArgs(kind string, n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
			return fmt.Errorf("%s takes %s, not %d; usage: %s", name, count.Noun(n, "argument", "arguments"), len(args), cmd.UseLine())
		}
		for _, a := range args {
			if err := ids.Validate(kind, a); err != nil {
				return err
			}
		}
		return nil
	}
}

// rootFlagError is the flag error of every command: an invalid id as
// ids.Validate words it (it names the kind and the value), anything else
// as flagError words it.
func rootFlagError(cmd *cobra.Command, err error) error {
	var ive *pflag.InvalidValueError
	if errors.As(err, &ive) {
		if _, ok := ive.GetFlag().Value.(*idFlag); ok {
			return ive.Unwrap()
		}
	}
	return flagError(cmd, err)
}

// choiceFlag is a string flag whose value must be one of choices.
type choiceFlag struct {
	value   string
	choices []string
}

func (f *choiceFlag) Set(s string) error {
	if !slices.Contains(f.choices, s) {
		return fmt.Errorf("want %s or %s", strings.Join(f.choices[:len(f.choices)-1], ", "), f.choices[len(f.choices)-1])
	}
	f.value = s
	return nil
}

func (f *choiceFlag) String() string { return f.value }
func (f *choiceFlag) Type() string   { return "string" }

// The output formats of `bulkhead run`.
const (
	formatText       = "text"        // the answer on stdout
	formatJSON       = "json"        // the result object on stdout
	formatStreamJSON = "stream-json" // init, every event, the result: one JSON object a line
)

var outputFormats = []string{formatText, formatJSON, formatStreamJSON}

// sizeFlag is a flag holding a size in bytes, written with K, M, G or T
// (powers of 1024, see parseSize); 0 prints as "0".
type sizeFlag struct{ v *int64 }

func (f sizeFlag) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*f.v = n
	return nil
}

func (f sizeFlag) String() string {
	if f.v == nil || *f.v == 0 {
		return "0"
	}
	return formatSize(*f.v)
}

func (f sizeFlag) Type() string { return "size" }

// mountsFlag is a repeatable flag of mounts, each SRC:DST[:ro] (see
// parseBind).
type mountsFlag struct{ v *[]runtime.Mount }

func (f mountsFlag) Set(s string) error { return f.Append(s) }

func (f mountsFlag) Append(s string) error {
	b, err := parseBind(s)
	if err != nil {
		return err
	}
	*f.v = append(*f.v, runtime.Mount{Source: b.Source, Target: b.Target, ReadOnly: b.ReadOnly})
	return nil
}

func (f mountsFlag) Replace(list []string) error {
	*f.v = nil
	for _, s := range list {
		if err := f.Append(s); err != nil {
			return err
		}
	}
	return nil
}

func (f mountsFlag) GetSlice() []string {
	var out []string
	for _, m := range *f.v {
		s := m.Source + ":" + m.Target
		if m.ReadOnly {
			s += ":ro"
		}
		out = append(out, s)
	}
	return out
}

func (f mountsFlag) String() string { return "[" + strings.Join(f.GetSlice(), ",") + "]" }

func (f mountsFlag) Type() string { return "mounts" }

// hostsFlag is the repeatable --allow-host flag: destinations the
// workspace's bash may reach (egress.ParseDestination's syntax); the value
// "none" clears the list.
type hostsFlag struct{ v *[]string }

func (f hostsFlag) Set(s string) error { return f.Append(s) }

func (f hostsFlag) Append(s string) error {
	if s == "none" {
		*f.v = []string{}
		return nil
	}
	if _, err := egress.ParseDestination(s); err != nil {
		return err
	}
	*f.v = append(*f.v, s)
	return nil
}

func (f hostsFlag) Replace(list []string) error {
	*f.v = nil
	for _, s := range list {
		if err := f.Append(s); err != nil {
			return err
		}
	}
	return nil
}

func (f hostsFlag) GetSlice() []string { return append([]string(nil), *f.v...) }

func (f hostsFlag) String() string { return "[" + strings.Join(*f.v, ",") + "]" }

func (f hostsFlag) Type() string { return "host[:port]" }

// subagentsFlag is --subagents: it enables (or, =false, disables) the
// subagent tool, keeping the rest of cfg's subagent settings.
type subagentsFlag struct{ cfg **runtime.SubagentConfig }

func (f subagentsFlag) Set(s string) error {
	on, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false: %w", err)
	}
	subagents(f.cfg).Enabled = on
	return nil
}

func (f subagentsFlag) String() string {
	return strconv.FormatBool(*f.cfg != nil && (*f.cfg).Enabled)
}

func (f subagentsFlag) Type() string { return "bool" }

// IsBoolFlag lets --subagents stand alone for --subagents=true.
func (f subagentsFlag) IsBoolFlag() bool { return true }

// subagentDepthFlag is --subagent-depth.
type subagentDepthFlag struct{ cfg **runtime.SubagentConfig }

func (f subagentDepthFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > runtime.MaxSubagentDepth {
		return fmt.Errorf("want 0 (the default, %d) to %d", runtime.DefaultSubagentDepth, runtime.MaxSubagentDepth)
	}
	subagents(f.cfg).MaxDepth = n
	return nil
}

func (f subagentDepthFlag) String() string {
	if *f.cfg == nil {
		return "0"
	}
	return strconv.Itoa((*f.cfg).MaxDepth)
}

func (f subagentDepthFlag) Type() string { return "int" }

// subagentRolesFlag is --subagent-role NAME=PROMPT (tools false) or
// --subagent-tools NAME=TOOL,TOOL (tools true), repeatable; NAME= with
// nothing after it removes the role (or its tool list). It keeps the
// entries given, which are what applyConfigFlags replays.
type subagentRolesFlag struct {
	cfg     **runtime.SubagentConfig
	tools   bool
	entries []string
}

func (f *subagentRolesFlag) Set(s string) error { return f.Append(s) }

func (f *subagentRolesFlag) Append(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("%q: want NAME=VALUE", s)
	}
	f.entries = append(f.entries, s)
	c := subagents(f.cfg)
	if c.Roles == nil {
		c.Roles = map[string]runtime.SubagentRole{}
	}
	role := c.Roles[name]
	switch {
	case f.tools && value == "":
		role.Tools = nil
	case f.tools:
		role.Tools = strings.Split(value, ",")
	case value == "":
		delete(c.Roles, name)
		return nil
	default:
		role.SystemPrompt = value
	}
	c.Roles[name] = role
	return nil
}

// Replace applies list's entries in order, on top of the roles there are.
func (f *subagentRolesFlag) Replace(list []string) error {
	for _, s := range list {
		if err := f.Append(s); err != nil {
			return err
		}
	}
	return nil
}

func (f *subagentRolesFlag) GetSlice() []string { return slices.Clone(f.entries) }

func (f *subagentRolesFlag) String() string { return "[" + strings.Join(f.entries, " ") + "]" }

func (f *subagentRolesFlag) Type() string {
	if f.tools {
		return "name=tool,..."
	}
	return "name=prompt"
}

// subagents returns *cfg, making it when it is nil.
func subagents(cfg **runtime.SubagentConfig) *runtime.SubagentConfig {
	if *cfg == nil {
		*cfg = &runtime.SubagentConfig{}
	}
	return *cfg
}

// listFlag is a repeatable flag of strings, each checked by check when it
// is set (nil: any); the value "none" clears the list.
type listFlag struct {
	v     *[]string
	check func(string) error
}

func (f listFlag) Set(s string) error { return f.Append(s) }

func (f listFlag) Append(s string) error {
	if s == "none" {
		*f.v = []string{}
		return nil
	}
	if f.check != nil {
		if err := f.check(s); err != nil {
			return err
		}
	}
	*f.v = append(*f.v, s)
	return nil
}

func (f listFlag) Replace(list []string) error {
	*f.v = nil
	for _, s := range list {
		if err := f.Append(s); err != nil {
			return err
		}
	}
	return nil
}

func (f listFlag) GetSlice() []string { return slices.Clone(*f.v) }

func (f listFlag) String() string { return "[" + strings.Join(*f.v, ",") + "]" }

func (f listFlag) Type() string { return "strings" }

// routeCheck refuses a fallback that is not PROVIDER/MODEL with a known
// provider.
func routeCheck(s string) error {
	_, _, err := providers.ParseRoute(s)
	return err
}

// temperatureFlag is an optional sampling temperature: "none" (or "")
// unsets it.
type temperatureFlag struct{ v **float64 }

func (f temperatureFlag) Set(s string) error {
	if s == "none" || s == "" {
		*f.v = nil
		return nil
	}
	t, err := strconv.ParseFloat(s, 64)
	if err != nil || t < 0 || t > runtime.MaxTemperature {
		return fmt.Errorf("want a number from 0 to %g, or none", runtime.MaxTemperature)
	}
	*f.v = &t
	return nil
}

func (f temperatureFlag) String() string {
	if *f.v == nil {
		return ""
	}
	return strconv.FormatFloat(**f.v, 'g', -1, 64)
}

func (f temperatureFlag) Type() string { return "float" }
