# bulkhead — build, test, benchmark and demo targets. See README.md.
GO         ?= go
BIN        := bin/bulkhead
# Flags of the reproducible agent module build; tools-wasm/modules.BuildFlags
# holds the same list and its test rebuilds the module with it.
WASM_FLAGS := -trimpath -buildvcs=false -ldflags="-s -w"

.PHONY: build test wasm bench demo clean

build:
	$(GO) build -o $(BIN) ./cmd/bulkhead

# C compiler for the example C skill: Debian's clang, lld, wasi-libc and
# libclang-rt-14-dev-wasm32 (apt-get install clang lld wasi-libc
# libclang-rt-14-dev-wasm32).
CLANG      ?= clang
WASI_FLAGS := --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Wl,--strip-all

# Rebuild the embedded agent module and the example skills (commit the
# results; `make test` needs no C compiler).
wasm:
	GOOS=wasip1 GOARCH=wasm $(GO) build $(WASM_FLAGS) -o tools-wasm/modules/agent.wasm ./tools-wasm/agent
	GOOS=wasip1 GOARCH=wasm $(GO) build $(WASM_FLAGS) -o testdata/skills/hmac-sign/execute.wasm ./tools-wasm/skill/examples/hmac-sign
	$(CLANG) $(WASI_FLAGS) -o testdata/skills/env-report/execute.wasm testdata/skills/env-report/env-report.c

# Vet and run every test. Jail tests need root or unprivileged user
# namespaces; CI runs as root.
test:
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./tools-wasm/...
	$(GO) test -count=1 -timeout 20m ./...

# Benchmarks reported in docs/benchmarks.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./wasmhost/... ./runtime/... ./nsjail/... ./tools-wasm/... ./vault/... ./egress/... ./skillrun/... ./ledger/...
	bash bench/jail-vs-bwrap.sh

# The main job end to end, offline: the bundled task replayed through the
# real WASM tools and the real jail.
demo: build
	bash scripts/demo.sh

clean:
	rm -rf bin
