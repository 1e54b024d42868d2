package runtime

import (
	"cmp"
	"fmt"
	"maps"
	"os"

	"github.com/bulkhead-dev/bulkhead/providers"
)

// Provider builds the named provider (see providers.Names) with the
// platform's shared providers.Health (cooldowns, dropped keys), its HTTP
// client and idle timeout. keys is the key pool, tried in order: the
// non-empty explicit keys, else <PROVIDER>_API_KEYS=a,b,c followed by
// <PROVIDER>_API_KEY (see providers.ResolveKeys); baseURL, when empty,
// comes from the provider's variable or preset (providers.ResolveBaseURL);
// noStream asks for whole responses. Errors name the provider and the
// variables to set; no key appears in them.
func (p *Platform) Provider(name string, keys []string, baseURL string, noStream bool) (providers.Provider, error) {
	keys, err := providers.ResolveKeys(name, keys, os.Getenv)
	if err != nil {
		return nil, err
	}
	baseURL, err = providers.ResolveBaseURL(name, baseURL, os.Getenv)
	if err != nil {
		return nil, err
	}
	return providers.New(providers.Config{Name: name, APIKeys: keys, BaseURL: baseURL, HTTPClient: p.http,
		Health: p.health, NoStream: noStream, IdleTimeout: p.idle})
}

// LLM returns the provider a run of w for req calls, unless req.LLM is
// set: the primary provider and model (req's, else the workspace's, else
// the defaults) with req's keys and base URL and, when req or the
// workspace names fallbacks (req's replace the workspace's), a
// providers.Fallback chain over them. A fallback on the primary's
// provider uses the primary's keys and base URL (the same account);
// another provider's come from its own environment variables. Errors: an
// invalid fallback, or a provider without a key.
func (w *Workspace) LLM(req RunRequest) (providers.Provider, error) {
	name := w.ProviderName(req.Provider)
	keys := append([]string{req.APIKey}, req.APIKeys...)
	primary, err := w.p.Provider(name, keys, req.BaseURL, req.NoStream)
	if err != nil {
		return nil, err
	}
	fallbacks := req.Fallbacks
	if len(fallbacks) == 0 {
		fallbacks = w.cfg.Fallbacks
	}
	if len(fallbacks) == 0 {
		return primary, nil
	}
	routes := []providers.Route{{Name: name, Model: w.modelFor(req, name), Provider: primary}}
	for _, f := range fallbacks {
		fname, fmodel, err := providers.ParseRoute(f)
		if err != nil {
			return nil, err
		}
		var fkeys []string
		fbase := ""
		if fname == name {
			fkeys, fbase = keys, req.BaseURL
		}
		fp, err := w.p.Provider(fname, fkeys, fbase, req.NoStream)
		if err != nil {
			return nil, fmt.Errorf("fallback %s: %w", f, err)
		}
		routes = append(routes, providers.Route{Name: fname, Model: fmodel, Provider: fp})
	}
	return providers.Fallback(w.p.windows, routes...), nil
}

// modelFor is the model a run for req on provider name asks for.
func (w *Workspace) modelFor(req RunRequest, name string) string {
	return cmp.Or(req.Model, w.cfg.Model, providers.DefaultModel(name))
}

// checkFallbacks refuses an entry that is not "provider/model" with a
// known provider.
func checkFallbacks(fallbacks []string) error {
	for _, f := range fallbacks {
		if _, _, err := providers.ParseRoute(f); err != nil {
			return err
		}
	}
	return nil
}

// newHealth returns the platform's providers.Health for cfg, whose
// dropped-key notices are logged as warnings (the key by its fingerprint)
// before cfg.Notify, if any, gets them.
func (p *Platform) newHealth(cfg providers.HealthConfig) *providers.Health {
	next := cfg.Notify
	cfg.Notify = func(n providers.Notice) {
		p.log.Warn().Str("provider", n.Provider).Str("model", n.Model).Str("key", n.Key).
			Str("class", string(n.Class)).Msg(n.Message)
		if next != nil {
			next(n)
		}
	}
	return providers.NewHealth(cfg)
}

// merged returns def with over's entries added or replacing def's; def
// itself is not modified.
func merged[M ~map[string]V, V any](def, over M) M {
	out := maps.Clone(def)
	maps.Copy(out, over)
	return out
}
