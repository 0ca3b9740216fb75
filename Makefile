# xtrace: record a command's syscalls into a sysdig scap file, replay scap
# files like sysdig. `make demo` and `make test` do all set-up themselves.

GO      ?= go
BIN     := bin/xtrace
PKGS    := ./...
FUZZTIME ?= 20s
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)

PREFIX  ?= /usr/local
DESTDIR ?=

.PHONY: all build man completions install test demo bench bench-smoke fuzz pgo lint deps generate check-generated agent check-agent clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/xtrace

# man writes the man page from the same kong model as --help.
man: build
	$(BIN) --man-page > bin/xtrace.1

completions: build
	$(BIN) --completion bash > bin/xtrace.bash
	$(BIN) --completion zsh > bin/_xtrace
	$(BIN) --completion fish > bin/xtrace.fish

# install puts the binary, its man page and the shell completions under
# $(DESTDIR)$(PREFIX).
install: man completions
	install -Dm755 $(BIN) $(DESTDIR)$(PREFIX)/bin/xtrace
	install -Dm644 bin/xtrace.1 $(DESTDIR)$(PREFIX)/share/man/man1/xtrace.1
	install -Dm644 bin/xtrace.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/xtrace
	install -Dm644 bin/_xtrace $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_xtrace
	install -Dm644 bin/xtrace.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/xtrace.fish

# deps installs what the tests need when it is missing: Go modules,
# Debian's sysdig, tshark and strace (the oracles the tests compare with),
# gcc and groff (the man page is rendered by a test), setcap (libcap2-bin),
# and DuckDB from npm for the export tests.
deps:
	$(GO) mod download
	@missing=""; for t in sysdig tshark strace gcc groff setcap; do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq sysdig tshark strace gcc groff libcap2-bin >/dev/null; \
	fi
	@# DuckDB for the export tests: @duckdb/node-api, pinned in
	@# internal/duckdbtest/package-lock.json, into its node_modules.
	@command -v npm >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; }
	@test -d internal/duckdbtest/node_modules/@duckdb/node-api || \
		(cd internal/duckdbtest && npm ci --no-audit --no-fund --silent)

# The recording tests run three times: with the default backend (auto:
# the agent for dynamically linked commands), and with each backend
# forced (the agent cannot attach or inject faults: those tests are
# ptrace's).
test: deps build check-generated check-agent
	$(GO) vet $(PKGS)
	$(GO) test -timeout 15m $(PKGS)
	XTRACE_BACKEND=ptrace $(GO) test -count=1 -timeout 15m ./cmd/xtrace
	XTRACE_BACKEND=agent $(GO) test -count=1 -timeout 15m -skip 'TestInject|TestAttach' ./cmd/xtrace

demo: build
	@scripts/demo.sh $(BIN)

# bench compares xtrace with strace (recording) and sysdig (replay) side by
# side; BENCH_SCALE=20 makes a short run.
bench: deps build
	@scripts/bench.sh

bench-smoke: deps build
	@BENCH_SCALE=5 BENCH_RUNS=1 scripts/bench.sh

fuzz:
	@GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

pgo:
	scripts/pgo.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet $(PKGS)

generate:
	$(GO) generate ./event ./decode

# check-generated fails when a committed generated table differs from what
# the generator makes of event/tables/*.tsv (stale or edited by hand).
check-generated:
	@GO=$(GO) scripts/check-generated.sh .

# agent builds the in-process recorder (agent/src) into the library that
# the agent package embeds; the built file is committed so that go build
# and go install need no C compiler. The flags make the output a function
# of the sources alone: no build id, no paths, no unwind tables, stripped.
AGENT_SO     := agent/xtrace-agent.so
AGENT_SRC    := agent/src/agent.c agent/src/gate.S
AGENT_HDR    := agent/src/ring.h agent/src/capture_gen.h
AGENT_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-fPIC -fvisibility=hidden -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -fno-ident -fcf-protection=none -ffile-prefix-map=$(CURDIR)/=
AGENT_LDFLAGS := -nostdlib -shared -s -Wl,--build-id=none -Wl,-z,defs \
	-Wl,--hash-style=gnu -Wl,-z,noexecstack

agent: $(AGENT_SO)

agent/src/capture_gen.h: event/tables/events.tsv event/tables/x86_64_syscalls.tsv event/tables/x86_64_fetch.tsv event/tables/x86_64_flow.tsv event/tables/xtrace_events.tsv internal/cmd/genagent/main.go
	$(GO) run ./internal/cmd/genagent -in event/tables -out $@

$(AGENT_SO): $(AGENT_SRC) $(AGENT_HDR)
	gcc $(AGENT_CFLAGS) $(AGENT_LDFLAGS) -o $@ $(AGENT_SRC)

# check-agent fails when the committed capture table or library is not
# what the event tables and the sources make.
check-agent:
	@$(GO) run ./internal/cmd/genagent -in event/tables -out /tmp/xtrace-capture-check.h && \
		cmp -s /tmp/xtrace-capture-check.h agent/src/capture_gen.h || \
		{ echo "agent/src/capture_gen.h is stale: run make agent"; exit 1; }
	@gcc $(AGENT_CFLAGS) $(AGENT_LDFLAGS) -o /tmp/xtrace-agent-check.so $(AGENT_SRC) && \
		cmp -s /tmp/xtrace-agent-check.so $(AGENT_SO) || \
		{ echo "$(AGENT_SO) is stale: run make agent"; exit 1; }

clean:
	rm -rf bin
