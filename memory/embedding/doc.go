// Package embedding turns text into embedding vectors through the HTTP APIs of
// hosted and local embedding providers, for package memory's vector stage.
//
// # Providers
//
// Each provider is called through its documented HTTP API:
//
//   - openai: POST {base}/embeddings, default base https://api.openai.com/v1,
//     model text-embedding-3-small, key OPENAI_API_KEY
//     (https://platform.openai.com/docs/api-reference/embeddings/create).
//   - gemini: POST {base}/models/{model}:batchEmbedContents, default base
//     https://generativelanguage.googleapis.com/v1beta, model
//     gemini-embedding-001, key GEMINI_API_KEY or GOOGLE_API_KEY
//     (https://ai.google.dev/api/embeddings).
//   - voyage: POST {base}/embeddings, default base https://api.voyageai.com/v1,
//     model voyage-3-lite, key VOYAGE_API_KEY
//     (https://docs.voyageai.com/reference/embeddings-api).
//   - mistral: POST {base}/embeddings, default base https://api.mistral.ai/v1,
//     model mistral-embed, key MISTRAL_API_KEY
//     (https://docs.mistral.ai/api/#tag/embeddings).
//   - ollama: POST {base}/api/embed, default base http://localhost:11434,
//     model nomic-embed-text, no key
//     (https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings).
//
// # Outbound requests
//
// Every request goes through one http.Client whose dialer resolves the host,
// refuses loopback, private, link-local, shared (CGNAT), metadata and other
// special-purpose addresses, and connects to the address it checked, so a
// second DNS answer cannot redirect the connection (see Guard). Addresses are
// allowed only when the operator configured the base URL (Config.Trusted), or
// for Ollama's built-in localhost default. Redirects are refused and
// proxies from the environment are not used.
//
// Requests that fail with 429 or 5xx, or with a transport error, are retried
// with exponential backoff and full jitter ("Exponential Backoff And Jitter",
// AWS Architecture Blog, 2015), honouring Retry-After; the response body is
// read up to a size limit.
package embedding
