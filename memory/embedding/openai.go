package embedding

import (
	"encoding/json"
	"fmt"
)

// openAIRequest is the body of POST /embeddings in the OpenAI API
// (https://platform.openai.com/docs/api-reference/embeddings/create), which
// Mistral's API mirrors (https://docs.mistral.ai/api/#tag/embeddings).
type openAIRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	Dimensions     int      `json:"dimensions,omitempty"`
	EncodingFormat string   `json:"encoding_format,omitempty"`
}

// dataResponse is the answer shape shared by OpenAI, Mistral and Voyage:
// one {index, embedding} object per input.
type dataResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
}

func openAIProvider() provider {
	return provider{
		baseURL:  "https://api.openai.com/v1",
		model:    "text-embedding-3-small",
		maxBatch: 128,
		needsKey: true,
		build: func(c *client, texts []string, _ Kind) (string, any, map[string]string) {
			return "embeddings",
				openAIRequest{Model: c.cfg.Model, Input: texts, Dimensions: c.cfg.Dimensions, EncodingFormat: "float"},
				bearer(c.cfg.APIKey)
		},
		parse: parseData,
	}
}

func mistralProvider() provider {
	return provider{
		baseURL:  "https://api.mistral.ai/v1",
		model:    "mistral-embed",
		maxBatch: 64,
		needsKey: true,
		build: func(c *client, texts []string, _ Kind) (string, any, map[string]string) {
			return "embeddings", openAIRequest{Model: c.cfg.Model, Input: texts}, bearer(c.cfg.APIKey)
		},
		parse: parseData,
	}
}

// parseData decodes a dataResponse into vectors ordered by index.
func parseData(body []byte) ([][]float32, error) {
	var r dataResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	out := make([][]float32, len(r.Data))
	for _, d := range r.Data {
		if d.Index < 0 || d.Index >= len(out) || out[d.Index] != nil {
			return nil, fmt.Errorf("bad or repeated index %d", d.Index)
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

func bearer(key string) map[string]string {
	if key == "" {
		return nil
	}
	return map[string]string{"Authorization": "Bearer " + key}
}
