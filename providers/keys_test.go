package providers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// env is a getenv over a fixed map.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestResolveKey(t *testing.T) {
	vars := env(map[string]string{"ANTHROPIC_API_KEY": "a-env", "GEMINI_API_KEY": "g-env", "OPENAI_API_KEY": "o-env"})
	for _, tc := range []struct {
		name, explicit, want, errHas string
	}{
		{name: "anthropic", explicit: "a-flag", want: "a-flag"},
		{name: "anthropic", want: "a-env"},
		{name: "gemini", want: "g-env"},
		{name: "openai", want: "o-env"},
		{name: "ollama", want: ""},
		{name: "ollama", explicit: "o", want: "o"},
		{name: "groq", errHas: "GROQ_API_KEY"},
		{name: "cerebras", errHas: "CEREBRAS_API_KEY"},
		{name: "mistral", errHas: "MISTRAL_API_KEY"},
		{name: "xai", errHas: "XAI_API_KEY"},
		{name: "openrouter", errHas: "OPENROUTER_API_KEY"},
		{name: "nope", errHas: `unknown provider "nope"`},
	} {
		got, err := ResolveKey(tc.name, tc.explicit, vars)
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("ResolveKey(%s, %q) = %q, %v; want error naming %s", tc.name, tc.explicit, got, err, tc.errHas)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ResolveKey(%s, %q) = %q, %v; want %q", tc.name, tc.explicit, got, err, tc.want)
		}
	}
}

func TestResolveBaseURL(t *testing.T) {
	vars := env(map[string]string{"ANTHROPIC_BASE_URL": "http://a.example/", "OPENAI_BASE_URL": "http://o.example/v1"})
	for _, tc := range []struct{ name, explicit, want string }{
		{"anthropic", "http://flag/", "http://flag/"},
		{"anthropic", "", "http://a.example/"},
		{"openai", "", "http://o.example/v1"},
		{"groq", "", "https://api.groq.com/openai/v1/"},
		{"cerebras", "", "https://api.cerebras.ai/v1/"},
		{"mistral", "", "https://api.mistral.ai/v1/"},
		{"xai", "", "https://api.x.ai/v1/"},
		{"ollama", "", "http://localhost:11434/v1/"},
		{"openrouter", "", "https://openrouter.ai/api/v1/"},
		{"gemini", "", "https://generativelanguage.googleapis.com/v1beta/openai/"},
	} {
		got, err := ResolveBaseURL(tc.name, tc.explicit, vars)
		if err != nil || got != tc.want {
			t.Errorf("ResolveBaseURL(%s, %q) = %q, %v; want %q", tc.name, tc.explicit, got, err, tc.want)
		}
	}
	if _, err := ResolveBaseURL("nope", "", vars); err == nil {
		t.Error("unknown provider resolved")
	}
	got, _ := ResolveBaseURL("anthropic", "", env(nil))
	if got != "https://api.anthropic.com/" {
		t.Errorf("anthropic preset = %q", got)
	}
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		cfg    Config
		errHas string
	}{
		{Config{Name: "bogus", APIKey: "k"}, "unknown provider"},
		{Config{Name: "anthropic"}, "ANTHROPIC_API_KEY"},
		{Config{Name: "openrouter"}, "OPENROUTER_API_KEY"},
		{Config{Name: "openai", APIKey: "k", BaseURL: "ftp://x/"}, "not an http or https URL"},
		{Config{Name: "openai", APIKey: "k", BaseURL: "::"}, "not an http or https URL"},
	} {
		if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("New(%+v) err = %v, want %q", tc.cfg.Name, err, tc.errHas)
		}
	}
	if _, err := New(Config{Name: "ollama"}); err != nil {
		t.Errorf("ollama without key: %v", err)
	}
	if len(Names()) != 10 || DefaultModel("nope") != "" {
		t.Errorf("Names = %v", Names())
	}
	for _, n := range Names() {
		if DefaultModel(n) == "" {
			t.Errorf("%s has no default model", n)
		}
	}
}

// TestSDKsIgnoreEnvironment sets the variables the SDKs' default options
// read and checks that none of them reaches the wire. The second variant
// leaves the key variables unset, since the Anthropic SDK reads custom
// headers only when it finds no key in the environment.
func TestSDKsIgnoreEnvironment(t *testing.T) {
	decoy := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) { writeJSON(w, 500, `{}`) })
	shared := map[string]string{
		"ANTHROPIC_BASE_URL": decoy.URL, "ANTHROPIC_CUSTOM_HEADERS": "X-Leak: anthropic",
		"OPENAI_BASE_URL": decoy.URL, "OPENAI_ORG_ID": "org-env", "OPENAI_PROJECT_ID": "proj-env",
		"OPENAI_CUSTOM_HEADERS": "X-Leak: openai",
	}
	keys := map[string]string{
		"ANTHROPIC_API_KEY": "env-anthropic", "ANTHROPIC_AUTH_TOKEN": "env-token", "OPENAI_API_KEY": "env-openai",
	}
	for variant, vars := range []map[string]string{shared, keys} {
		for k, v := range vars {
			t.Setenv(k, v)
		}
		for _, proto := range protocols {
			t.Run(fmt.Sprintf("%s/%d", proto.name, variant), func(t *testing.T) {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) { writeJSON(w, 200, proto.reply) })
				p := newTestProvider(t, proto.name, srv.URL, func(c *Config) { c.NoStream = true })
				if _, err := complete(t, p, hello, nil); err != nil {
					t.Fatal(err)
				}
				h := srv.last(t).Header
				for _, name := range []string{"X-Leak", "Openai-Organization", "Openai-Project"} {
					if v := h.Get(name); v != "" {
						t.Errorf("header %s = %q came from the environment", name, v)
					}
				}
				for name, vs := range h {
					for _, v := range vs {
						if strings.Contains(v, "env-") {
							t.Errorf("header %s = %q came from the environment", name, v)
						}
					}
				}
				if proto.name == "anthropic" && (h.Get("X-Api-Key") != testKey || h.Get("Authorization") != "") {
					t.Errorf("auth headers X-Api-Key %q Authorization %q", h.Get("X-Api-Key"), h.Get("Authorization"))
				}
			})
		}
	}
	if decoy.hits() != 0 {
		t.Errorf("the base URL from the environment received %d requests", decoy.hits())
	}
}
