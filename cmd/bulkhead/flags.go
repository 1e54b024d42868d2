package main

import (
	"errors"
	"fmt"
	"github.com/bulkhead-dev/bulkhead/egress"
	"github.com/bulkhead-dev/bulkhead/runtime"
	"slices"
	"strings"

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
