# Targets for maintainers and CI. `make` alone lists them.
GO      ?= go
ADDR    ?= 127.0.0.1:8080
# Built binaries go here (ignored by git), not to the top of the repository.
BIN     ?= .bin
GOLANGCI_LINT_VERSION ?= v2.15.0
ACTIONLINT_VERSION ?= v1.7.12
# Spectral runs through npx, pinned (the CLI and the rulesets it loads), so
# nothing is installed globally; --prefer-offline uses the npx cache when warm.
FUZZTIME   ?= 30s
BENCHCOUNT ?= 6
BENCHOUT   ?= bench.txt
BENCHSTAT  ?= $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
SPECTRAL ?= SCARF_ANALYTICS=false npx --yes --prefer-offline -p @stoplight/spectral-cli@6.16.3 -p @stoplight/spectral-rulesets@1.23.1 spectral

.DEFAULT_GOAL := help
.PHONY: help generate check test contract mock live record lint lint-spec coverage breaking changelog fuzz bench

# The variables that help shows with their values in place of $(NAME).
HELP_VARS := ADDR BIN FUZZTIME BENCHCOUNT BENCHOUT GOLANGCI_LINT_VERSION

help: ## list the targets
	@$(foreach v,$(HELP_VARS),$(v)='$($(v))') awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / { \
		text = $$2; \
		while (match(text, /\$$\([A-Z_]+\)/)) { \
			name = substr(text, RSTART + 2, RLENGTH - 3); \
			value = (name in ENVIRON) ? ENVIRON[name] : "<" name ">"; \
			text = substr(text, 1, RSTART - 1) value substr(text, RSTART + RLENGTH); \
		} \
		printf "  %-12s %s\n", $$1, text }' $(MAKEFILE_LIST)

generate: ## regenerate gen/scm from openapi/scm.yaml
	$(GO) generate ./...

check: ## generated code current, go.mod tidy, gofmt, go vet and golangci-lint clean
	$(GO) test -count=1 -run '^(TestGeneratedCodeIsCurrent|TestGeneratorMatchesCommand)$$' ./gen/scm
	$(GO) mod tidy -diff
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(MAKE) --no-print-directory lint
	$(GO) run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION) .github/workflows/contract.yml

test: ## run every test with the race detector
	$(GO) test -race ./...

contract: ## run the contract suite against the built-in mock and the recordings
	$(GO) test -race -count=1 ./contract/...

mock: ## build the mock into $(BIN)/ and serve it on $(ADDR) until interrupted
	$(GO) build -o $(BIN)/scm-mock ./contract/cmd/scm-mock
	exec $(BIN)/scm-mock -addr $(ADDR)

live: ## run the contract checks against the live service (credentials from the environment)
	$(GO) test -count=1 -v -run '^TestLive$$' ./contract -live

record: ## like live, and add the exchanges to contract/testdata/recordings
	$(GO) test -count=1 -v -run '^TestLive$$' ./contract -live -record

COVERAGE_FORMAT ?= markdown
COVERAGE_FLAGS  ?=
coverage: ## report which recordings back each documented response, inferred statements and drift (COVERAGE_FORMAT=json, COVERAGE_FLAGS=-strict)
	@$(GO) run ./contract/cmd/scm-coverage -format $(COVERAGE_FORMAT) $(COVERAGE_FLAGS)

lint: ## run golangci-lint $(GOLANGCI_LINT_VERSION) with .golangci.yml, built by the Go toolchain
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION) run

lint-spec: ## lint openapi/scm.yaml with Spectral (.spectral.yaml); any finding fails
	$(SPECTRAL) lint --ruleset .spectral.yaml --fail-severity=hint openapi/scm.yaml

breaking: ## fail if openapi/scm.yaml breaks callers of the release in openapi/released
	$(GO) test -count=1 -run '^TestNoBreakingChanges$$' ./openapi

changelog: ## print every change since the release in openapi/released
	$(GO) run ./openapi/internal/compat/changelog

fuzz: ## run each fuzz target for $(FUZZTIME); crashers land in testdata/fuzz
	$(GO) test -run '^$$' -fuzz '^FuzzParseCancelCert$$' -fuzztime $(FUZZTIME) ./gen/scm
	$(GO) test -run '^$$' -fuzz '^FuzzSign$$' -fuzztime $(FUZZTIME) ./gen/scm
	$(GO) test -run '^$$' -fuzz '^FuzzCanonicalMatchesReference$$' -fuzztime $(FUZZTIME) ./gen/scm
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeJSON$$' -fuzztime $(FUZZTIME) ./gen/scm
	$(GO) test -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime $(FUZZTIME) ./contract
	$(GO) test -run '^$$' -fuzz '^FuzzMock$$' -fuzztime $(FUZZTIME) ./contract
	$(GO) test -run '^$$' -fuzz '^FuzzRedact$$' -fuzztime $(FUZZTIME) ./contract
	$(GO) test -run '^$$' -fuzz '^FuzzVerdict$$' -fuzztime $(FUZZTIME) ./contract

bench: ## run the benchmarks $(BENCHCOUNT) times into $(BENCHOUT); compare client with baseline
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) ./gen/scm ./contract > $(BENCHOUT)
	$(BENCHSTAT) $(BENCHOUT)
	$(BENCHSTAT) -col /impl -filter '.name:CancelCert /impl:/.+/' $(BENCHOUT)
	$(BENCHSTAT) -filter '.name:CancelCert /paired:/.+/' $(BENCHOUT)
	$(BENCHSTAT) -col /impl -filter '.name:BuildRequest' $(BENCHOUT)
