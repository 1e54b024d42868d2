package embedding

// voyageRequest is the body of POST /v1/embeddings in the Voyage AI API
// (https://docs.voyageai.com/reference/embeddings-api). input_type
// "document" or "query" makes the model prepend its retrieval prompt.
type voyageRequest struct {
	Model           string   `json:"model"`
	Input           []string `json:"input"`
	InputType       string   `json:"input_type"`
	OutputDimension int      `json:"output_dimension,omitempty"`
}

func voyageProvider() provider {
	return provider{
		baseURL:  "https://api.voyageai.com/v1",
		model:    "voyage-3-lite",
		maxBatch: 128,
		needsKey: true,
		build: func(c *client, texts []string, kind Kind) (string, any, map[string]string) {
			return "embeddings",
				voyageRequest{Model: c.cfg.Model, Input: texts, InputType: kind.String(), OutputDimension: c.cfg.Dimensions},
				bearer(c.cfg.APIKey)
		},
		parse: parseData,
	}
}
