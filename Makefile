# etlbench: the two commands a fresh machine needs are `make run` and `make test`.
SHELL := /bin/bash
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
export GOFLAGS ?= -buildvcs=false
export PATH := $(dir $(GO)):$(PATH)
BIN := bin/etlbench
ETLBENCH_BIN := $(CURDIR)/$(BIN)
export ETLBENCH_BIN
TEST_TIMEOUT ?= 25m
SCENARIO ?= scenarios/quick.yaml

.PHONY: all deps build run test test-short bench lint fuzz clean profile

all: build

# deps installs what the build and tests need (Go modules; Debian packages
# for the optional peers such as wrk) and is idempotent.
deps:
	@bash deploy/deps.sh

build: deps
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./bench

run: build
	@bash deploy/run.sh $(SCENARIO)

# test: everything, with the race detector; then the stress test at its full
# size (1,000 connections x 100,000 objects, about 5 min; without -race,
# whose client-side cost would measure the detector; STRESS=short skips it),
# then every fuzz target briefly. The tests leave the page cache as it is
# (ETLBENCH_PAGE_CACHE=leave; the runner test that judges the fill asks for it).
STRESS ?= full
test: build lint
	ETLBENCH_PAGE_CACHE=leave $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...
	@if [ "$(STRESS)" = full ]; then \
	  echo "stress test at full size: 1,000 connections x 100,000 objects"; \
	  ETLBENCH_STRESS=1 $(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run '^TestStress$$' ./etlcore/e2e/; fi
	@FUZZTIME=3s GO=$(GO) bash deploy/fuzz.sh

# fuzz runs every fuzz target for FUZZTIME (default 30s here).
fuzz:
	@FUZZTIME=$${FUZZTIME:-30s} GO=$(GO) bash deploy/fuzz.sh

test-short: build
	$(GO) test -short -timeout $(TEST_TIMEOUT) ./...

bench: build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

# profile: pprof CPU and allocation profiles of a target and its transformer
# under `etlbench load` (plain GET and inline echo per mode) in results/profile/.
profile: build
	@GO=$(GO) bash deploy/profile.sh

# lint: gofmt, go vet, and no non-test function above cyclomatic
# complexity 25 (gocyclo, a tool dependency in go.mod).
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool gocyclo -over 25 -ignore '_test\.go$$' .

clean:
	rm -rf bin results/latest .etlbench

# Kubernetes (issue 7): the etlbench:dev image and a local kind cluster
# (control plane + 3 workers) built offline when the standard node image
# cannot be had (deploy/kind/*.sh; the README's Kubernetes section).
.PHONY: image kind-up kind-down
image: build
	@bash deploy/kind/image.sh

kind-up: image
	@bash deploy/kind/up.sh

kind-down:
	@bash deploy/kind/down.sh
