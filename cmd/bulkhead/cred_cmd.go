package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/bulkhead-dev/bulkhead/vault"
	"github.com/spf13/cobra"
)

// Environment variables of the credential passphrase.
const (
	envCredentialKey    = "BULKHEAD_CREDENTIAL_KEY"
	envNewCredentialKey = "BULKHEAD_NEW_CREDENTIAL_KEY"
)

// maxStdinSecret caps a credential value or passphrase read from standard
// input.
const maxStdinSecret = 64 << 10

func newCredCmd(g *globals) *cobra.Command {
	workspaceID := idFlag{kind: "workspace", value: runtime.DefaultWorkspaceID}
	cmd := &cobra.Command{
		Use:   "cred",
		Short: "Manage a workspace's encrypted credentials (passphrase in " + envCredentialKey + ")",
		Long: "Credentials are entries NAME → {KEY: value} sealed with AES-256-GCM in the workspace's\n" +
			"credentials.enc.json, under a key derived from " + envCredentialKey + ". A skill that declares\n" +
			"an entry, and bash for entries set with --to-bash, receive them; values never reach the model.",
	}
	cmd.PersistentFlags().Var(&workspaceID, "workspace-id", "workspace (tenant) id")
	cmd.RegisterFlagCompletionFunc("workspace-id", completeWorkspaceIDs(g))
	cmd.AddCommand(credSetCmd(g, &workspaceID), credListCmd(g, &workspaceID), credDeleteCmd(g, &workspaceID), credRotateCmd(g))
	return cmd
}

// withCredentials opens workspace id's vault (creating the default
// workspace on first use, as run does) and calls fn with it.
func withCredentials(g *globals, id string, fn func(*vault.Vault) error) error {
	return g.withPlatform(func(p *runtime.Platform) error {
		ws, err := openWorkspace(p, id, true)
		if err != nil {
			return err
		}
		v, err := ws.Credentials()
		if errors.Is(err, runtime.ErrNoPassphrase) {
			return usage(fmt.Errorf("no credential passphrase: set %s (keep it out of shell history, e.g. read -rs %s; export %s)", envCredentialKey, envCredentialKey, envCredentialKey))
		}
		if err != nil {
			return err
		}
		return fn(v)
	})
}

func credSetCmd(g *globals, workspaceID *idFlag) *cobra.Command {
	var hosts []string
	var toBash bool
	c := &cobra.Command{
		Use:   "set NAME KEY=VALUE...",
		Short: "Store (replace) a credential entry; KEY=- reads that value from standard input",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			e := vault.Entry{Values: map[string]vault.Secret{}, Hosts: hosts, ToBash: toBash}
			defer e.Zero()
			stdinUsed := false
			for _, kv := range args[1:] {
				key, value, ok := strings.Cut(kv, "=")
				if !ok || key == "" {
					return usage(fmt.Errorf("cred set: %q is not KEY=VALUE", kv))
				}
				if value == "-" {
					if stdinUsed {
						return usage(errors.New("cred set: only one KEY=- may read standard input"))
					}
					stdinUsed = true
					secret, err := readSecret(cmd.InOrStdin())
					if err != nil {
						return fmt.Errorf("cred set: %s from standard input: %w", key, err)
					}
					e.Values[key] = secret
					continue
				}
				e.Values[key] = vault.Secret(value)
			}
			return withCredentials(g, workspaceID.value, func(v *vault.Vault) error {
				if err := v.Put(args[0], e); err != nil {
					if errors.Is(err, vault.ErrInvalid) || errors.Is(err, vault.ErrLimit) {
						return usage(fmt.Errorf("cred set: %w", err))
					}
					return err
				}
				stderr.Notef("stored credential %q (%s) in workspace %s", args[0], strings.Join(e.Keys(), ", "), workspaceID.value)
				return nil
			})
		},
	}
	c.Flags().StringArrayVar(&hosts, "for-host", nil, "host or host:port this entry is for (repeatable); jails then get a placeholder the egress proxy replaces on the way to these hosts only")
	c.Flags().BoolVar(&toBash, "to-bash", false, "give this entry to the agent's bash too, not only to skills that declare it")
	return c
}

// readSecret reads one value from r: everything up to EOF (at most
// maxStdinSecret bytes) without one trailing newline.
func readSecret(r io.Reader) (vault.Secret, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxStdinSecret+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxStdinSecret {
		clear(data)
		return nil, fmt.Errorf("more than %d KiB", maxStdinSecret>>10)
	}
	n := len(data)
	if n > 0 && data[n-1] == '\n' {
		n--
		if n > 0 && data[n-1] == '\r' {
			n--
		}
	}
	if n == 0 {
		return nil, errors.New("empty")
	}
	return vault.Secret(data[:n]), nil
}

func credListCmd(g *globals, workspaceID *idFlag) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List credential entries: names, keys and hosts, never values",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withCredentials(g, workspaceID.value, func(v *vault.Vault) error {
				infos, err := v.List()
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(infos)
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tKEYS\tHOSTS\tBASH")
				for _, in := range infos {
					bash := "no"
					if in.ToBash {
						bash = "yes"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", in.Name, strings.Join(in.Keys, ","), strings.Join(in.Hosts, ","), bash)
				}
				return tw.Flush()
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func credDeleteCmd(g *globals, workspaceID *idFlag) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a credential entry",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCredentials(g, workspaceID.value, func(v *vault.Vault) error {
				if err := v.Delete(args[0]); err != nil {
					return err
				}
				stderr.Notef("deleted credential %q from workspace %s", args[0], workspaceID.value)
				return nil
			})
		},
	}
}

func credRotateCmd(g *globals) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "rotate",
		Short: "Re-seal every workspace's credentials under a new passphrase",
		Long: "Reads the new passphrase from " + envNewCredentialKey + ", else from standard input, and re-seals\n" +
			"each workspace's vault under it, each file atomically. Safe to run again after an interruption.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			newPass := []byte(os.Getenv(envNewCredentialKey))
			if len(newPass) == 0 {
				line, err := bufio.NewReader(io.LimitReader(cmd.InOrStdin(), maxStdinSecret)).ReadString('\n')
				if err != nil && !errors.Is(err, io.EOF) {
					return err
				}
				newPass = []byte(strings.TrimRight(line, "\r\n"))
			}
			defer clear(newPass)
			if len(newPass) == 0 {
				return usage(fmt.Errorf("cred rotate: no new passphrase: set %s or pass it on standard input", envNewCredentialKey))
			}
			return g.withPlatform(func(p *runtime.Platform) error {
				res, err := p.RotateCredentials(newPass)
				if asJSON {
					if jerr := printJSON(res); jerr != nil {
						return jerr
					}
				} else {
					for _, r := range res {
						fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\n", r.Workspace, r.Status, r.Error)
					}
				}
				if errors.Is(err, runtime.ErrNoPassphrase) {
					return usage(fmt.Errorf("no current passphrase: set %s", envCredentialKey))
				}
				return err
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}
