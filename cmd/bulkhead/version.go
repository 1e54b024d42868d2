package main

import "github.com/bulkhead-dev/bulkhead/internal/buildinfo"

// version describes this build for --version and the init event of
// `run --output-format stream-json` (see buildinfo.Version).
func version() string { return buildinfo.Version() }
