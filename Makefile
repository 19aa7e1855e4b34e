# Targets for maintainers and CI. `make` alone lists them.
GO      ?= go
ADDR    ?= 127.0.0.1:8080
ACTIONLINT_VERSION ?= v1.7.12
# Spectral runs through npx, pinned (the CLI and the rulesets it loads), so
# nothing is installed globally; --prefer-offline uses the npx cache when warm.
FUZZTIME   ?= 30s
BENCHCOUNT ?= 6
BENCHOUT   ?= bench.txt
BENCHSTAT  ?= $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
SPECTRAL ?= SCARF_ANALYTICS=false npx --yes --prefer-offline -p @stoplight/spectral-cli@6.16.3 -p @stoplight/spectral-rulesets@1.23.1 spectral

.DEFAULT_GOAL := help
.PHONY: help generate check test contract mock live record lint-spec breaking changelog fuzz bench

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

generate: ## regenerate gen/scm from openapi/scm.yaml
	$(GO) generate ./...

check: ## generated code current, go.mod tidy, gofmt and go vet clean
	$(GO) test -count=1 -run '^TestGeneratedCodeIsCurrent$$' ./gen/scm
	$(GO) mod tidy -diff
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION) .github/workflows/contract.yml

test: ## run every test with the race detector
	$(GO) test -race ./...

contract: ## run the contract suite against the built-in mock and the recordings
	$(GO) test -race -count=1 ./contract/...

mock: ## serve the mock on $(ADDR) until interrupted
	$(GO) run ./contract/cmd/scm-mock -addr $(ADDR)

live: ## run the contract checks against the live service (credentials from the environment)
	$(GO) test -count=1 -v -run '^TestLive$$' ./contract -live

record: ## like live, and add the exchanges to contract/testdata/recordings
	$(GO) test -count=1 -v -run '^TestLive$$' ./contract -live -record

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
	$(GO) test -run '^$$' -fuzz '^FuzzVerdict$$' -fuzztime $(FUZZTIME) ./contract

bench: ## run the benchmarks $(BENCHCOUNT) times into $(BENCHOUT); compare client with baseline
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) ./gen/scm ./contract > $(BENCHOUT)
	$(BENCHSTAT) $(BENCHOUT)
	$(BENCHSTAT) -col /impl -filter '.name:CancelCert' $(BENCHOUT)
	$(BENCHSTAT) -col /impl -filter '.name:BuildRequest' $(BENCHOUT)
