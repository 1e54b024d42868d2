package embedding

import "encoding/json"

// geminiRequest is the body of models.batchEmbedContents in the Gemini API
// (https://ai.google.dev/api/embeddings#method:-models.batchembedcontents).
type geminiRequest struct {
	Requests []geminiEmbedRequest `json:"requests"`
}

type geminiEmbedRequest struct {
	Model                string        `json:"model"`
	Content              geminiContent `json:"content"`
	TaskType             string        `json:"taskType"`
	OutputDimensionality int           `json:"outputDimensionality,omitempty"`
}

type geminiContent struct {
	Parts []geminiPart `json:"parts"`
}

type geminiPart struct {
	Text string `json:"text"`
}

type geminiResponse struct {
	Embeddings []struct {
		Values []float32 `json:"values"`
	} `json:"embeddings"`
}

func geminiProvider() provider {
	return provider{
		baseURL:  "https://generativelanguage.googleapis.com/v1beta",
		model:    "gemini-embedding-001",
		maxBatch: 100,
		needsKey: true,
		build: func(c *client, texts []string, kind Kind) (string, any, map[string]string) {
			task := "RETRIEVAL_DOCUMENT"
			if kind == Query {
				task = "RETRIEVAL_QUERY"
			}
			model := "models/" + c.cfg.Model
			req := geminiRequest{Requests: make([]geminiEmbedRequest, len(texts))}
			for i, t := range texts {
				req.Requests[i] = geminiEmbedRequest{
					Model:                model,
					Content:              geminiContent{Parts: []geminiPart{{Text: t}}},
					TaskType:             task,
					OutputDimensionality: c.cfg.Dimensions,
				}
			}
			return model + ":batchEmbedContents", req, map[string]string{"x-goog-api-key": c.cfg.APIKey}
		},
		parse: func(body []byte) ([][]float32, error) {
			var r geminiResponse
			if err := json.Unmarshal(body, &r); err != nil {
				return nil, err
			}
			out := make([][]float32, len(r.Embeddings))
			for i, e := range r.Embeddings {
				out[i] = e.Values
			}
			return out, nil
		},
	}
}
