package fakellm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// gemini is the Gemini API's own protocol
// (https://ai.google.dev/api/generate-content), served at
// /v1beta/models/MODEL:generateContent and, as server-sent events,
// :streamGenerateContent. The model and the streaming mode come from the
// path.
type gemini struct {
	model  string
	stream bool
}

func (gemini) name() string { return ProtocolGemini }

// ids: Gemini's function calls carry no id (the client assigns its own).
func (gemini) ids() (string, string) { return "resp_", "" }

// checkHeaders requires an x-goog-api-key header, else 403 as the real API
// answers unauthenticated calls.
func (gemini) checkHeaders(h http.Header) (int, error) {
	if strings.TrimSpace(h.Get("X-Goog-Api-Key")) == "" {
		return http.StatusForbidden, errors.New("Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")
	}
	return 0, nil
}

// geminiPart is a request part: text, functionCall or functionResponse.
type geminiPart struct {
	Text         string `json:"text"`
	FunctionCall *struct {
		ID   string          `json:"id"`
		Name string          `json:"name"`
		Args json.RawMessage `json:"args"`
	} `json:"functionCall"`
	FunctionResponse *struct {
		ID       string         `json:"id"`
		Name     string         `json:"name"`
		Response map[string]any `json:"response"`
	} `json:"functionResponse"`
}

type geminiContent struct {
	Role  string       `json:"role"`
	Parts []geminiPart `json:"parts"`
}

func (g gemini) parse(body []byte) (parsed, error) {
	var req struct {
		SystemInstruction *geminiContent    `json:"systemInstruction"`
		Contents          []json.RawMessage `json:"contents"`
		Tools             []struct {
			FunctionDeclarations []struct {
				Name string `json:"name"`
			} `json:"functionDeclarations"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return parsed{}, fmt.Errorf("Invalid JSON payload received. %v", err)
	}
	if len(req.Contents) == 0 {
		return parsed{}, errors.New("* GenerateContentRequest.contents: contents is not specified")
	}
	p := parsed{model: g.model, stream: g.stream}
	var raw struct {
		SystemInstruction json.RawMessage `json:"systemInstruction"`
		Tools             json.RawMessage `json:"tools"`
	}
	_ = json.Unmarshal(body, &raw)
	if len(raw.Tools) > 0 {
		p.segments = append(p.segments, canonicalSegment(raw.Tools))
	}
	if len(raw.SystemInstruction) > 0 {
		p.segments = append(p.segments, canonicalSegment(raw.SystemInstruction))
	}
	for _, t := range req.Tools {
		for _, d := range t.FunctionDeclarations {
			p.tools = append(p.tools, d.Name)
		}
	}
	if si := req.SystemInstruction; si != nil {
		var texts []string
		for _, part := range si.Parts {
			texts = append(texts, part.Text)
		}
		p.system = strings.Join(texts, "\n")
	}
	for i, rawContent := range req.Contents {
		var c geminiContent
		if err := json.Unmarshal(rawContent, &c); err != nil {
			return parsed{}, fmt.Errorf("contents[%d]: %v", i, err)
		}
		p.segments = append(p.segments, canonicalSegment(rawContent))
		m := chat.Message{}
		switch c.Role {
		case "user", "":
			m.Role = chat.RoleUser
		case "model":
			m.Role = chat.RoleAssistant
		default:
			return parsed{}, fmt.Errorf("contents[%d].role: Please use a valid role: user, model.", i)
		}
		for j, part := range c.Parts {
			switch {
			case part.FunctionCall != nil:
				m.Content = append(m.Content, chat.Block{Type: chat.BlockToolUse, ID: part.FunctionCall.ID, Name: part.FunctionCall.Name, Input: part.FunctionCall.Args})
			case part.FunctionResponse != nil:
				fr := part.FunctionResponse
				b := chat.Block{Type: chat.BlockToolResult, ToolUseID: fr.ID}
				if e, ok := fr.Response["error"]; ok {
					b.Text, b.IsError = fmt.Sprint(e), true
				} else if out, ok := fr.Response["output"]; ok {
					b.Text = fmt.Sprint(out)
				} else {
					enc, _ := json.Marshal(fr.Response)
					b.Text = string(enc)
				}
				m.Content = append(m.Content, b)
			case part.Text != "":
				m.Content = append(m.Content, chat.Block{Type: chat.BlockText, Text: part.Text})
			default:
				return parsed{}, fmt.Errorf("contents[%d].parts[%d]: empty part", i, j)
			}
		}
		p.messages = append(p.messages, m)
	}
	return p, nil
}
