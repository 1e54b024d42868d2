package skills

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParsePublicShapes(t *testing.T) {
	tests := []struct {
		dir   string
		check func(t *testing.T, fm *Frontmatter, body string)
	}{
		{"pdf-tools", func(t *testing.T, fm *Frontmatter, body string) {
			if fm.License != "Proprietary. LICENSE.txt has complete terms" || !strings.HasPrefix(fm.Description, "Use this skill whenever") {
				t.Errorf("got %+v", fm)
			}
			if !strings.HasPrefix(body, "\n# PDF tools\n") {
				t.Errorf("body = %q", body[:20])
			}
		}},
		{"api-guide", func(t *testing.T, fm *Frontmatter, body string) {
			if !strings.Contains(fm.Description, "— endpoints") || !strings.Contains(fm.Description, "\nTRIGGER") {
				t.Errorf("block description = %q", fm.Description)
			}
			if want := []string{"Bash(curl:*)", "Read", "Bash(git add:*)"}; !reflect.DeepEqual(fm.AllowedTools, want) {
				t.Errorf("allowed-tools = %q, want %q", fm.AllowedTools, want)
			}
			want := map[string]string{"author": "bulkhead-tests", "version": "1.0", "tags": `["http","reference"]`}
			if !reflect.DeepEqual(fm.Metadata, want) {
				t.Errorf("metadata = %q", fm.Metadata)
			}
			if fm.Compatibility == "" {
				t.Error("compatibility lost")
			}
		}},
		{"deck-maker", func(t *testing.T, fm *Frontmatter, body string) {
			if !strings.Contains(fm.Description, `"deck,"`) {
				t.Errorf("quoted description = %q", fm.Description)
			}
			if !reflect.DeepEqual(fm.AllowedTools, []string{"Read", "Write"}) {
				t.Errorf("allowed-tools = %q", fm.AllowedTools)
			}
			if fm.Extra["argument-hint"] != "[file]" || fm.Extra["version"] != "0.3.0" {
				t.Errorf("extra = %v", fm.Extra)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/public", tt.dir, "SKILL.md"))
			if err != nil {
				t.Fatal(err)
			}
			fm, body, err := Parse("SKILL.md", data, ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if fm.Name != tt.dir || fm.Timeout != DefaultTimeout || fm.Workspace != WorkspaceNone {
				t.Errorf("name %q timeout %v workspace %q", fm.Name, fm.Timeout, fm.Workspace)
			}
			tt.check(t, fm, body)
		})
	}
}

func TestParseExtensions(t *testing.T) {
	src := "---\nname: gh-issues\ndescription: File GitHub issues.\ncredentials: [github, jira.prod]\ntimeout: 120\nnetwork:\n  - api.github.com\n  - \"*.atlassian.net:443\"\nworkspace: read\n---\nbody\n"
	fm, body, err := Parse("SKILL.md", []byte(src), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fm.Credentials, []string{"github", "jira.prod"}) || fm.Timeout != 120*time.Second ||
		!reflect.DeepEqual(fm.Network, []string{"api.github.com", "*.atlassian.net:443"}) || fm.Workspace != WorkspaceRead || body != "body\n" {
		t.Fatalf("got %+v body %q", fm, body)
	}
}

func TestParseLineEndingsAndBOM(t *testing.T) {
	src := "\uFEFF---\r\nname: crlf-skill\r\ndescription: Written on Windows.\r\n--- \r\n# Title\r\n"
	fm, body, err := Parse("SKILL.md", []byte(src), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fm.Name != "crlf-skill" || fm.Description != "Written on Windows." || body != "# Title\r\n" {
		t.Fatalf("got %q %q body %q", fm.Name, fm.Description, body)
	}
}

func TestParseNoBody(t *testing.T) {
	fm, body, err := Parse("SKILL.md", []byte("---\nname: a\ndescription: b\n---"), ParseOptions{})
	if err != nil || fm.Name != "a" || body != "" {
		t.Fatalf("%v %v %q", fm, err, body)
	}
}

func TestParseErrors(t *testing.T) {
	long := strings.Repeat("é", MaxDescriptionLength+1)
	tests := []struct {
		name  string
		src   string
		field string
		line  int
		text  string
	}{
		{"no frontmatter", "# Just markdown\n", "", 1, `"---"`},
		{"empty file", "", "", 1, `"---"`},
		{"not closed", "---\nname: a\ndescription: b\n", "", 4, "not closed"},
		{"empty", "---\n---\n", "", 1, "empty"},
		{"not a mapping", "---\n- a\n- b\n---\n", "", 2, "mapping"},
		{"yaml syntax", "---\nname: a\ndescription: use when: x\n---\n", "", 3, "YAML"},
		{"missing name", "---\ndescription: b\n---\n", "name", 2, "missing"},
		{"missing description", "---\nname: ab\n---\n", "description", 2, "missing"},
		{"upper case", "---\nname: PDF-Tools\ndescription: b\n---\n", "name", 2, "a-z"},
		{"leading hyphen", "---\nname: -pdf\ndescription: b\n---\n", "name", 2, "hyphen"},
		{"trailing hyphen", "---\nname: pdf-\ndescription: b\n---\n", "name", 2, "hyphen"},
		{"double hyphen", "---\nname: pdf--tools\ndescription: b\n---\n", "name", 2, "hyphen"},
		{"underscore", "---\nname: pdf_tools\ndescription: b\n---\n", "name", 2, "hyphen"},
		{"too long name", "---\nname: " + strings.Repeat("a", 65) + "\ndescription: b\n---\n", "name", 2, "1-64"},
		{"empty name", "---\nname: \"\"\ndescription: b\n---\n", "name", 2, "1-64"},
		{"null name", "---\nname:\ndescription: b\n---\n", "name", 2, "string"},
		{"list name", "---\nname: [a]\ndescription: b\n---\n", "name", 2, "string"},
		{"blank description", "---\nname: a\ndescription: \"  \"\n---\n", "description", 3, "empty"},
		{"long description", "---\nname: a\ndescription: " + long + "\n---\n", "description", 3, "1025 characters"},
		{"long compatibility", "---\nname: a\ndescription: b\ncompatibility: " + strings.Repeat("x", 501) + "\n---\n", "compatibility", 4, "501"},
		{"repeated key", "---\nname: a\ndescription: b\nname: c\n---\n", "name", 4, "first on line 2"},
		{"credentials not a list", "---\nname: a\ndescription: b\ncredentials: github\n---\n", "credentials", 4, "list"},
		{"credential bad id", "---\nname: a\ndescription: b\ncredentials: [ok, ../vault]\n---\n", "credentials[1]", 4, "invalid credential id"},
		{"credential twice", "---\nname: a\ndescription: b\ncredentials:\n  - gh\n  - gh\n---\n", "credentials[1]", 6, "twice"},
		{"timeout zero", "---\nname: a\ndescription: b\ntimeout: 0\n---\n", "timeout", 4, "1 to 600"},
		{"timeout negative", "---\nname: a\ndescription: b\ntimeout: -5\n---\n", "timeout", 4, "1 to 600"},
		{"timeout too long", "---\nname: a\ndescription: b\ntimeout: 601\n---\n", "timeout", 4, "1 to 600"},
		{"timeout text", "---\nname: a\ndescription: b\ntimeout: 30s\n---\n", "timeout", 4, "whole number"},
		{"timeout float", "---\nname: a\ndescription: b\ntimeout: 1.5\n---\n", "timeout", 4, "whole number"},
		{"workspace bogus", "---\nname: a\ndescription: b\nworkspace: all\n---\n", "workspace", 4, "none, read or write"},
		{"network scalar", "---\nname: a\ndescription: b\nnetwork: api.github.com\n---\n", "network", 4, "list"},
		{"network empty item", "---\nname: a\ndescription: b\nnetwork: [\"\"]\n---\n", "network[0]", 4, "empty"},
		{"metadata list", "---\nname: a\ndescription: b\nmetadata: [a]\n---\n", "metadata", 4, "mapping"},
		{"metadata repeated", "---\nname: a\ndescription: b\nmetadata:\n  k: 1\n  k: 2\n---\n", "metadata.k", 6, "repeated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse("x/SKILL.md", []byte(tt.src), ParseOptions{})
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field || fe.Line != tt.line || fe.File != "x/SKILL.md" || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v (field %q line %d), want field %q line %d containing %q", err, fe.Field, fe.Line, tt.field, tt.line, tt.text)
			}
		})
	}
}

func TestParseFrontmatterLimit(t *testing.T) {
	src := "---\nname: a\ndescription: b\n# " + strings.Repeat("x", MaxFrontmatterBytes) + "\n---\n"
	_, _, err := Parse("SKILL.md", []byte(src), ParseOptions{})
	if err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseOptions(t *testing.T) {
	src := "---\nname: a\ndescription: " + strings.Repeat("d", 1068) + "\ntimeout: 3600\n---\n"
	if _, _, err := Parse("SKILL.md", []byte(src), ParseOptions{}); err == nil {
		t.Fatal("defaults accepted a 1068-character description and a one-hour timeout")
	}
	fm, _, err := Parse("SKILL.md", []byte(src), ParseOptions{MaxDescription: 2048, MaxTimeout: time.Hour})
	if err != nil || fm.Timeout != time.Hour {
		t.Fatalf("raised limits: %v %v", fm, err)
	}
}

func TestSplitTools(t *testing.T) {
	got := splitTools("Bash(git add:*),Read  Write,\tBash(a, b) Edit")
	want := []string{"Bash(git add:*)", "Read", "Write", "Bash(a, b)", "Edit"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestValidateNameMatchesIDRule(t *testing.T) {
	for _, n := range []string{"a", "pdf", "a-b-c", "x9", strings.Repeat("z", 64)} {
		if err := ValidateName(n); err != nil {
			t.Errorf("ValidateName(%q) = %v", n, err)
		}
	}
}

// A "billion laughs" of YAML aliases is stopped by the YAML library's
// aliasing limit, not expanded.
func TestParseAliasBomb(t *testing.T) {
	src := "---\nname: a\ndescription: b\nl0: &a0 [x,x,x,x,x,x,x,x,x,x]\n"
	for i := 1; i < 10; i++ {
		prev := fmt.Sprintf("*a%d", i-1)
		src += fmt.Sprintf("l%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(prev+",", 10), ","))
	}
	_, _, err := Parse("SKILL.md", []byte(src+"---\n"), ParseOptions{})
	if err == nil || !strings.Contains(err.Error(), "aliasing") {
		t.Fatalf("err = %v", err)
	}
}
