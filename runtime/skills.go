package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bulkhead-dev/bulkhead/egress"
	"maps"
	"net"
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/skillrun"
	"github.com/bulkhead-dev/bulkhead/skills"
	"github.com/bulkhead-dev/bulkhead/vault"
)

// The skill tools the model sees when its workspace has skills enabled.
const (
	ToolSkillRead    = "skill_read"
	ToolSkillExecute = "skill_execute"
)

var (
	skillReadSpec = chat.Tool{
		Name: ToolSkillRead,
		Description: "Read a file of an enabled skill: its SKILL.md instructions (the default) or another file of its folder " +
			"(scripts/…, references/…). Paths are relative to the skill's folder, which bash sees read-only at /skills/<skillId>.",
		Parameters: json.RawMessage(`{"type":"object","properties":{` +
			`"skillId":{"type":"string","description":"The skill's id"},` +
			`"path":{"type":"string","description":"A file in the skill's folder; default SKILL.md"}},` +
			`"required":["skillId"]}`),
	}
	skillExecuteSpec = chat.Tool{
		Name: ToolSkillExecute,
		Description: "Run an executable skill (one whose folder has an entry point) with params as JSON on its standard input; " +
			"returns its standard output. Credentials the skill declares are given to it, never to you.",
		Parameters: json.RawMessage(`{"type":"object","properties":{` +
			`"skillId":{"type":"string","description":"The skill's id"},` +
			`"params":{"description":"Any JSON value, given to the skill on standard input"}},` +
			`"required":["skillId"]}`),
	}
)

// Skills returns the platform's skill catalog (<stateDir>/skills), shared
// by its workspaces, which enable skills by id.
func (p *Platform) Skills() (*skills.Catalog, error) {
	if err := p.checkOpen(); err != nil {
		return nil, err
	}
	p.skillsOnce.Do(func() {
		p.catalog, p.catalogErr = skills.Open(p.skillsDir(), skills.Options{})
	})
	return p.catalog, p.catalogErr
}

// RemoveSkill deletes skill id from the catalog; it refuses, naming the
// workspaces, while a workspace has it enabled, unless force (see
// skills.Catalog.Remove).
func (p *Platform) RemoveSkill(ctx context.Context, id string, force bool) error {
	cat, err := p.Skills()
	if err != nil {
		return err
	}
	return cat.Remove(ctx, id, skills.RemoveOptions{Force: force, EnabledIn: p.workspacesEnabling})
}

// workspacesEnabling returns the workspaces whose enabled-skills.json
// lists skill id.
func (p *Platform) workspacesEnabling(id string) ([]string, error) {
	wss, err := p.Workspaces()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, wid := range wss {
		w, err := p.Workspace(wid)
		if err != nil {
			continue // deleted meanwhile
		}
		en, err := w.enabled()
		if err != nil {
			return nil, err
		}
		if ok, err := en.IsEnabled(id); err != nil {
			return nil, fmt.Errorf("workspace %s: %w", wid, err)
		} else if ok {
			out = append(out, wid)
		}
	}
	return out, nil
}

// enabled returns the workspace's enablement list.
func (w *Workspace) enabled() (*skills.Enabled, error) {
	cat, err := w.p.Skills()
	if err != nil {
		return nil, err
	}
	return skills.OpenEnabled(w.layout().enabledSkills(), cat), nil
}

// EnableSkill makes catalog skill id visible to the workspace's runs: the
// model sees its name and description, reads it with skill_read, runs it
// with skill_execute when it has an entry point, and finds its folder
// read-only at /skills/<id> in every bash jail. Errors: ErrClosed; an id
// the catalog does not hold (skills.ErrNotFound).
func (w *Workspace) EnableSkill(ctx context.Context, id string) error {
	en, err := w.enabled()
	if err != nil {
		return err
	}
	return en.Enable(ctx, id)
}

// DisableSkill hides skill id from the workspace's runs again.
func (w *Workspace) DisableSkill(ctx context.Context, id string) error {
	en, err := w.enabled()
	if err != nil {
		return err
	}
	return en.Disable(ctx, id)
}

// EnabledSkills returns the workspace's enabled skills that the catalog
// still holds, sorted by id; ids of skills removed since are ignored.
func (w *Workspace) EnabledSkills() ([]*skills.Skill, error) {
	en, err := w.enabled()
	if err != nil {
		return nil, err
	}
	list, err := en.List()
	if err != nil {
		return nil, err
	}
	cat, _ := w.p.Skills()
	var out []*skills.Skill
	for _, id := range list {
		sk, err := cat.Get(id)
		if errors.Is(err, skills.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("skill %s: %w", id, err)
		}
		out = append(out, sk)
	}
	return out, nil
}

// skillPrompt is the part of the system prompt that lists the enabled
// skills: what the model sees of them until it reads one.
func skillPrompt(list []*skills.Skill) string {
	if len(list) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n\nSkills are enabled for this workspace. Read a skill's SKILL.md with skill_read before you use it; " +
		"its files are also at /skills/<id> (read-only) for bash; run skills marked executable with skill_execute.\n")
	for _, s := range list {
		kind := ""
		if s.Kind != skills.Instruction {
			kind = " (executable)"
		}
		fmt.Fprintf(&b, "- %s%s: %s\n", s.ID, kind, s.Description)
	}
	return b.String()
}

// skillTools adds skill_read and skill_execute for the enabled skills to
// tools; the specs are returned for the model.
func (w *Workspace) skillTools(enabled []*skills.Skill, dir string, re *runEgress, meter *jailMeter, tools map[string]hostTool) []chat.Tool {
	byID := map[string]*skills.Skill{}
	for _, s := range enabled {
		byID[s.ID] = s
	}
	lookup := func(input json.RawMessage) (*skills.Skill, skillInput, string) {
		var in skillInput
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, in, "invalid arguments: " + err.Error()
		}
		s := byID[in.SkillID]
		if s == nil {
			return nil, in, fmt.Sprintf("no enabled skill %q; enabled: %s", in.SkillID, strings.Join(slices.Sorted(maps.Keys(byID)), ", "))
		}
		return s, in, ""
	}
	tools[ToolSkillRead] = func(_ context.Context, _ ToolContext, input json.RawMessage) (string, bool) {
		s, in, problem := lookup(input)
		if problem != "" {
			return problem, true
		}
		cat, _ := w.p.Skills()
		data, err := cat.ReadFile(s.ID, in.Path)
		if err != nil {
			return fmt.Sprintf("skill_read %s %s: %v", s.ID, in.Path, err), true
		}
		return string(data), false
	}
	specs := []chat.Tool{skillReadSpec}
	if slices.ContainsFunc(enabled, func(s *skills.Skill) bool { return s.Kind != skills.Instruction }) {
		tools[ToolSkillExecute] = func(ctx context.Context, _ ToolContext, input json.RawMessage) (string, bool) {
			s, in, problem := lookup(input)
			if problem != "" {
				return problem, true
			}
			return w.executeSkill(ctx, s, in.Params, dir, re, meter)
		}
		specs = append(specs, skillExecuteSpec)
	}
	return specs
}

// skillInput are the arguments of skill_read and skill_execute.
type skillInput struct {
	SkillID string          `json:"skillId"`
	Path    string          `json:"path"`
	Params  json.RawMessage `json:"params"`
}

// executeSkill runs skill s with params, injecting the credential entries
// it declares (placeholders for entries bound to hosts, which the egress
// proxy swaps on the way to them; raw values, masked in the output,
// otherwise), with the network of its frontmatter's network: list, and
// returns the tool result.
func (w *Workspace) executeSkill(ctx context.Context, s *skills.Skill, params json.RawMessage, dir string, re *runEgress, meter *jailMeter) (string, bool) {
	if s.Kind == skills.Instruction {
		return fmt.Sprintf("skill %s has no entry point: read it with skill_read and follow its instructions", s.ID), true
	}
	secrets := egress.NewSecrets()
	defer secrets.Close()
	creds, env, err := w.skillCredentials(s, secrets)
	if err != nil {
		return "skill could not run: " + err.Error(), true
	}
	ex, err := w.p.skillExecutor(ctx)
	if err != nil {
		clearValues(creds)
		return "skill could not run: " + err.Error(), true
	}
	req := skillrun.Request{
		Skill: s, Params: params, Credentials: creds, Env: env, Workspace: dir,
		ProtectedPaths: w.p.protectedPaths(), Cgroup: w.p.cgroup,
	}
	if len(s.Network) > 0 && s.Kind == skills.Native && re != nil {
		policy, err := egress.ParsePolicy(s.Network)
		if err != nil {
			clearValues(creds)
			return fmt.Sprintf("skill %s: network: %v", s.ID, err), true
		}
		grant := egress.Grant{Skill: s.ID, Policy: policy, Secrets: secrets}
		req.Egress = func(ctx context.Context, l net.Listener) { re.prun.Serve(ctx, l, grant) }
		req.EgressCA = re.ca
	}
	res, err := ex.Execute(ctx, req)
	if err != nil {
		return "skill could not run: " + err.Error(), true
	}
	if res.Jail != nil {
		meter.add(*res.Jail)
	}
	return res.ToolResult()
}

// skillCredentials decrypts the entries skill s declares: entries bound to
// hosts become placeholders (in env, registered in secrets) when the skill
// has a network to use them on, the others raw values in creds. A declared
// entry that is missing is an error that names it; values never appear in
// errors.
func (w *Workspace) skillCredentials(s *skills.Skill, secrets *egress.Secrets) (creds map[string][]byte, env map[string]string, err error) {
	creds, env = map[string][]byte{}, map[string]string{}
	if len(s.Credentials) == 0 {
		return creds, env, nil
	}
	v, err := w.Credentials()
	if err != nil {
		return nil, nil, fmt.Errorf("skill %s declares credentials: %w", s.ID, err)
	}
	placeholders := len(s.Network) > 0 && s.Kind == skills.Native
	for _, name := range s.Credentials {
		e, err := v.Get(name)
		if errors.Is(err, vault.ErrNotFound) {
			clearValues(creds)
			return nil, nil, fmt.Errorf("skill %s declares credential %q, which workspace %s does not have (bulkhead cred set %s KEY=- --workspace-id %s)", s.ID, name, w.id, name, w.id)
		}
		if err != nil {
			clearValues(creds)
			return nil, nil, fmt.Errorf("skill %s: credential %q: %w", s.ID, name, err)
		}
		for k, val := range e.Values {
			if placeholders && len(e.Hosts) > 0 {
				ph, err := secrets.Add(name, val, e.Hosts)
				clear(val)
				if err != nil {
					clearValues(creds)
					return nil, nil, fmt.Errorf("skill %s: credential %q: %w", s.ID, name, err)
				}
				env[k] = ph
				continue
			}
			creds[k] = val
		}
	}
	return creds, env, nil
}

// clearValues zeroes every value of m.
func clearValues(m map[string][]byte) {
	for _, v := range m {
		clear(v)
	}
}

// skillsNeedNetwork reports whether an enabled native skill declares a
// network: list (WASM skills have no sockets).
func skillsNeedNetwork(list []*skills.Skill) bool {
	return slices.ContainsFunc(list, func(s *skills.Skill) bool { return s.Kind == skills.Native && len(s.Network) > 0 })
}
