package embedding

import (
	"encoding/json"
	"strings"
)

// ollamaRequest is the body of POST /api/embed in the Ollama API
// (https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings).
type ollamaRequest struct {
	Model string   `json:"model"`
	Input []string `json:"input"`
}

type ollamaResponse struct {
	Embeddings [][]float32 `json:"embeddings"`
}

func ollamaProvider() provider {
	return provider{
		baseURL:  "http://localhost:11434",
		model:    "nomic-embed-text",
		maxBatch: 64,
		build: func(c *client, texts []string, kind Kind) (string, any, map[string]string) {
			return "api/embed", ollamaRequest{Model: c.cfg.Model, Input: nomicPrefix(c.cfg.Model, texts, kind)}, bearer(c.cfg.APIKey)
		},
		parse: func(body []byte) ([][]float32, error) {
			var r ollamaResponse
			if err := json.Unmarshal(body, &r); err != nil {
				return nil, err
			}
			return r.Embeddings, nil
		},
	}
}

// nomicPrefix adds the task prefixes nomic-embed-text was trained with
// ("search_document: ", "search_query: ";
// https://huggingface.co/nomic-ai/nomic-embed-text-v1.5) when model is a
// Nomic embedding model, and returns texts unchanged otherwise.
func nomicPrefix(model string, texts []string, kind Kind) []string {
	if !strings.HasPrefix(model, "nomic-embed-text") {
		return texts
	}
	prefix := "search_document: "
	if kind == Query {
		prefix = "search_query: "
	}
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = prefix + t
	}
	return out
}
