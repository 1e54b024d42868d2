# bulkhead — build, test, benchmark and demo targets. See README.md.
GO         ?= go
BIN        := bin/bulkhead
# Flags of the reproducible build of the Go guest, the C guest's oracle;
# tools-wasm/stepguest's TestOracleIsFresh rebuilds it with the same list.
WASM_FLAGS := -trimpath -buildvcs=false -ldflags="-s -w"

# The C step guest (tools-wasm/stepguest/c) with Debian's clang and
# wasi-libc: a WASI command without debug sections, its stack first in
# memory (an overflow traps instead of overwriting data), files in a fixed
# order, so the build is reproducible; `make wasm-check` verifies that the
# committed modules are what the sources build.
CLANG        ?= clang
STEP_DIR     := tools-wasm/stepguest
STEP_CFLAGS  := --target=wasm32-wasi -O2 -std=c11 -Wall -Wextra -Werror -mbulk-memory -msign-ext
STEP_LDFLAGS := -Wl,-z,stack-size=65536 -Wl,--initial-memory=196608 -Wl,--stack-first -Wl,--strip-all
STEP_SRC     := $(sort $(filter-out $(STEP_DIR)/c/probe.c,$(wildcard $(STEP_DIR)/c/*.c)))
PROBE_SRC    := $(addprefix $(STEP_DIR)/c/,probe.c json.c buf.c utf8.c scan.c re_class.c re_parse.c re_prog.c unicode_tables.c)

.PHONY: build test wasm wasm-check step-wasm bench demo clean

build:
	$(GO) build -o $(BIN) ./cmd/bulkhead

# The example C skill is built with the same clang (Debian's clang, lld,
# wasi-libc and libclang-rt-14-dev-wasm32).
WASI_FLAGS := --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Wl,--strip-all

# Rebuild the embedded modules and the example skills (commit the results;
# `make test` needs no C compiler): the Go agent module, the C step guest
# with its test module, the example skills.
wasm: step-wasm
	GOOS=wasip1 GOARCH=wasm $(GO) build $(WASM_FLAGS) -o $(STEP_DIR)/testdata/agent.wasm ./tools-wasm/agent
	GOOS=wasip1 GOARCH=wasm $(GO) build $(WASM_FLAGS) -o testdata/skills/hmac-sign/execute.wasm ./tools-wasm/skill/examples/hmac-sign
	$(CLANG) $(WASI_FLAGS) -o testdata/skills/env-report/execute.wasm testdata/skills/env-report/env-report.c

step-wasm:
	$(GO) run ./$(STEP_DIR)/gen -out $(STEP_DIR)/c
	$(CLANG) $(STEP_CFLAGS) $(STEP_LDFLAGS) -o tools-wasm/modules/step.wasm $(STEP_SRC)
	$(CLANG) $(STEP_CFLAGS) $(STEP_LDFLAGS) -o $(STEP_DIR)/testdata/probe.wasm $(PROBE_SRC)

# Rebuild the step guest's modules into a temporary directory and compare
# them with the committed ones.
wasm-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	$(CLANG) $(STEP_CFLAGS) $(STEP_LDFLAGS) -o $$tmp/step.wasm $(STEP_SRC) && \
	$(CLANG) $(STEP_CFLAGS) $(STEP_LDFLAGS) -o $$tmp/probe.wasm $(PROBE_SRC) && \
	cmp $$tmp/step.wasm tools-wasm/modules/step.wasm && \
	cmp $$tmp/probe.wasm $(STEP_DIR)/testdata/probe.wasm && \
	echo "step.wasm and probe.wasm match their sources"

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
