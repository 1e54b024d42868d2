// Package fakeembed is a loopback embedding server for tests: it speaks
// Ollama's embedding API (POST /api/embed, https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings),
// answers every input with a deterministic three-dimensional vector and
// records the inputs it was sent, so a test can check what was embedded
// without a model or the network.
package fakeembed
