package runtime

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"sync"

	"github.com/bulkhead-dev/bulkhead/egress"
	"github.com/bulkhead-dev/bulkhead/internal/mask"
	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/vault"
)

// EgressOptions tune the platform's egress proxy (package egress), which
// serves the network of every jail whose workspace or skill allows some.
// The zero value uses the host's resolver and trust store.
type EgressOptions struct {
	// Resolver and Dial replace the host's resolver and dialer (split
	// horizon DNS, tests). Every answer is still checked against the
	// policy and internal/netguard.
	Resolver egress.Resolver
	Dial     egress.DialFunc
	// RootCAs verifies upstream certificates on the connections the proxy
	// intercepts to inject secrets. Nil: the host's trust store.
	RootCAs *x509.CertPool
	// Limits bound each run's network use; zero fields take
	// egress.DefaultLimits.
	Limits egress.Limits
}

// egressRouter delivers the proxy's events to the run they belong to.
type egressRouter struct {
	mu   sync.Mutex
	runs map[string]func(egress.Event) // by run id
}

func (e *egressRouter) add(run string, sink func(egress.Event)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.runs == nil {
		e.runs = map[string]func(egress.Event){}
	}
	e.runs[run] = sink
}

func (e *egressRouter) remove(run string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.runs, run)
}

func (e *egressRouter) deliver(ev egress.Event) {
	e.mu.Lock()
	sink := e.runs[ev.Run]
	e.mu.Unlock()
	if sink != nil {
		sink(ev)
	}
}

// egressProxy returns the platform's egress proxy, made on first use.
func (p *Platform) egressProxy() (*egress.Proxy, error) {
	p.egressOnce.Do(func() {
		p.proxy, p.proxyErr = egress.New(egress.Config{
			Resolver: p.egressOpts.Resolver, Dial: p.egressOpts.Dial, RootCAs: p.egressOpts.RootCAs,
			OnEvent: p.egressEvents.deliver,
		})
	})
	return p.proxy, p.proxyErr
}

// newRunID returns a random id for a run, naming it in egress events.
func newRunID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// runEgress is a run's network: its proxy run, the bash jails' policy and
// secrets, and the masking of raw credential values in bash output.
type runEgress struct {
	prun    *egress.Run
	ca      []byte
	policy  *egress.Policy
	secrets *egress.Secrets
	env     map[string]string // placeholders and raw values for bash
	mask    *mask.Set         // raw values given to bash, nil without
}

// startEgress opens the run's network when the workspace allows bash some
// or a skill may need it: the policy of WorkspaceConfig.AllowHosts, and
// the credential entries set for bash (--to-bash): placeholders for
// entries bound to hosts (the proxy swaps them for the value on the way
// to those hosts only), raw values otherwise (masked in the output).
// needSkills asks for the proxy run even without a bash policy. It
// returns nil when there is nothing to serve.
func (w *Workspace) startEgress(r *run, needSkills bool) (*runEgress, error) {
	policy, err := egress.ParsePolicy(w.cfg.AllowHosts)
	if err != nil {
		return nil, fmt.Errorf("%w: allowed hosts: %w", ErrInvalidConfig, err)
	}
	env, secrets, masked, err := w.bashCredentials()
	if err != nil {
		return nil, err
	}
	if len(w.cfg.AllowHosts) == 0 && len(env) == 0 && !needSkills {
		return nil, nil
	}
	proxy, err := w.p.egressProxy()
	if err != nil {
		secrets.Close()
		return nil, err
	}
	prun, err := proxy.StartRun(w.id, r.runID, w.p.egressOpts.Limits)
	if err != nil {
		secrets.Close()
		return nil, err
	}
	w.p.egressEvents.add(r.runID, r.networkEvent)
	re := &runEgress{prun: prun, ca: proxy.CA().CertPEM(), policy: policy, secrets: secrets, env: env}
	if len(masked) > 0 {
		re.mask = mask.New(masked...)
		for _, m := range masked {
			clear(m)
		}
	}
	return re, nil
}

// close ends the run's network: its connections, listeners and secrets.
func (re *runEgress) close(p *Platform, runID string) {
	if re == nil {
		return
	}
	re.prun.Close()
	re.secrets.Close()
	p.egressEvents.remove(runID)
}

// bashConfig adds the run's network to the configuration of a bash jail
// serving tool call callID.
func (re *runEgress) bashConfig(cfg nsjail.Config, callID string) nsjail.Config {
	if re == nil {
		return cfg
	}
	env := make(map[string]string, len(cfg.Env)+len(re.env))
	for k, v := range cfg.Env {
		env[k] = v
	}
	for k, v := range re.env {
		env[k] = v
	}
	cfg.Env = env
	if len(re.policy.Destinations()) > 0 || re.secrets.Len() > 0 {
		grant := egress.Grant{ToolCall: callID, Policy: re.policy, Secrets: re.secrets}
		cfg.Egress = func(ctx context.Context, l net.Listener) { re.prun.Serve(ctx, l, grant) }
		cfg.EgressCA = re.ca
	}
	return cfg
}

// bashCredentials decrypts the workspace's credential entries set for
// bash: those bound to hosts become placeholders in secrets, the others
// raw values (returned in masked, for the output's masking). Without a
// passphrase or a vault there are none.
func (w *Workspace) bashCredentials() (env map[string]string, secrets *egress.Secrets, masked [][]byte, err error) {
	secrets = egress.NewSecrets()
	env = map[string]string{}
	v, verr := w.Credentials()
	if verr != nil {
		return env, secrets, nil, nil // no vault, no passphrase: no credentials for bash
	}
	infos, err := v.List()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("credentials: %w", err)
	}
	for _, info := range infos {
		if !info.ToBash {
			continue
		}
		e, err := v.Get(info.Name)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("credential %q: %w", info.Name, err)
		}
		if err := addCredential(e, info.Name, env, secrets, &masked); err != nil {
			e.Zero()
			return nil, nil, nil, err
		}
		e.Zero()
	}
	return env, secrets, masked, nil
}

// addCredential puts entry e (named name) into env: a placeholder per key
// when it is bound to hosts, else the raw value (a copy, appended to
// masked).
func addCredential(e vault.Entry, name string, env map[string]string, secrets *egress.Secrets, masked *[][]byte) error {
	for key, val := range e.Values {
		if len(e.Hosts) > 0 {
			ph, err := secrets.Add(name, val, e.Hosts)
			if err != nil {
				return fmt.Errorf("credential %q: %w", name, err)
			}
			env[key] = ph
			continue
		}
		env[key] = string(val)
		*masked = append(*masked, append([]byte(nil), val...))
	}
	return nil
}
