# bulkhead — build, test, benchmark and demo targets. See README.md.
GO         ?= go
BIN        := bin/bulkhead
# Flags of the reproducible agent module build; tools-wasm/modules.BuildFlags
# holds the same list and its test rebuilds the module with it.
WASM_FLAGS := -trimpath -buildvcs=false -ldflags="-s -w"

.PHONY: build test wasm bench demo clean

build:
	$(GO) build -o $(BIN) ./cmd/bulkhead

# Rebuild the embedded agent module (commit the result).
wasm:
	GOOS=wasip1 GOARCH=wasm $(GO) build $(WASM_FLAGS) -o tools-wasm/modules/agent.wasm ./tools-wasm/agent

# Vet and run every test. Jail tests need root or unprivileged user
# namespaces; CI runs as root.
test:
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./tools-wasm/...
	$(GO) test -count=1 -timeout 20m ./...

# Benchmarks reported in docs/benchmarks.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./wasmhost/... ./runtime/... ./nsjail/... ./tools-wasm/... ./vault/... ./egress/...
	bash bench/jail-vs-bwrap.sh

# The main job end to end, offline: the bundled task replayed through the
# real WASM tools and the real jail.
demo: build
	bash scripts/demo.sh

clean:
	rm -rf bin
