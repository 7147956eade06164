# Stratus: every target installs what it needs and can be run on a fresh clone.
# `make synth` and `make test` are the README's quick start.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# jsii warns on every start that Node 20 is deprecated; it would drown the output.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# Node 20 is past its end of life for jsii, which prints a louder banner unless told which major to accept.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# Synth is offline: never ask EC2 instance metadata for credentials or a region.
export AWS_EC2_METADATA_DISABLED := true
export CDK_DISABLE_CLI_TELEMETRY := true

GO       ?= go
CDK      := node_modules/.bin/cdk
CDK_FLAGS := --no-notices --no-version-reporting --output cdk.out
APP      := bin/stratus
GO_SRC   := $(shell find . -name '*.go' -not -path './node_modules/*' -not -path './web/*' -not -path './cdk.out/*') go.mod go.sum
STAGE    ?= Dev
# Where `make dev` listens; port 0 picks a free one.
DEV_ADDR ?= 127.0.0.1:8080
LOCAL    := bin/stratus-local

.PHONY: help synth test example e2e dev snapshot migrations-lock lint bench deploy clean deps web

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The CDK CLI ships Go template files; a go.mod makes node_modules a module
# of its own, so `go vet ./...` and `go test ./...` leave it alone.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	echo 'module ignored/node_modules' > node_modules/go.mod

deps: node_modules/.package-lock.json ## install the pinned CDK CLI and Go modules
	$(GO) mod download

$(APP): $(GO_SRC)
	$(GO) build -o $(APP) .

WEB_SRC := $(shell find web -type f -not -path 'web/node_modules/*' -not -path 'web/dist/*' 2>/dev/null)

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	echo 'module ignored/node_modules' > web/node_modules/go.mod

# The web stack deploys web/dist: every synth and the stack tests need it built.
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build

web: web/dist/index.html ## build the single-page app into web/dist

synth: deps web $(APP) ## build the app and every handler, synthesize every stack into cdk.out (offline)
	rm -rf cdk.out
	$(CDK) synth $(CDK_FLAGS) --quiet '**'
	$(GO) run ./cmd/synthsummary cdk.out

test: deps web ## run every test: web app, constructs, stacks (snapshots, cdk-nag), handlers (PostgreSQL, Lambda emulator), browser e2e
	cd web && npm run typecheck && npm test
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 40m ./...
	$(MAKE) --no-print-directory example
	$(MAKE) --no-print-directory e2e

# A module of its own, so the root's `go test ./...` skips it: a team's app
# built from the constructs, synthesized offline under both cdk-nag packs.
example: ## the example module (examples/team-app): vet, build, synthesize, check cdk-nag and each construct's resources
	cd examples/team-app && $(GO) vet ./... && $(GO) test -count=1 -timeout 20m ./...

$(LOCAL): $(GO_SRC)
	$(GO) build -o $(LOCAL) ./lambdas/cmd/stratus-local

e2e: web $(LOCAL) ## browser end-to-end tests: headless Chromium against the local stack; screenshots in test/screenshots
	cd web && STRATUS_LOCAL_BIN=$(CURDIR)/$(LOCAL) npm run e2e

dev: web ## run the whole app locally (web app, API, sign-in, PostgreSQL, events, uploads); restarts on Go changes
	$(GO) build -o $(LOCAL) ./lambdas/cmd/stratus-local
	$(LOCAL) -watch -addr $(DEV_ADDR)

snapshot: deps web ## refresh the golden templates in test/testdata
	$(GO) test -count=1 ./test -update

# Recording a migration as shipped is an acknowledgement: it needs a reason, which the lock keeps.
# The reason reaches the command through the environment, so quotes in it cannot break the shell line.
migrations-lock: export MIGRATIONS_LOCK_REASON := $(REASON)
migrations-lock: ## record new or edited SQL migrations in test/migrations.lock.json, e.g. `make migrations-lock REASON="release 1.4: notes column"`
	@if [ -z "$${MIGRATIONS_LOCK_REASON//[[:space:]]/}" ]; then echo 'make migrations-lock needs REASON="why these migrations ship" (it is written into the lock)' >&2; exit 2; fi
	$(GO) run ./cmd/migrationlock -reason "$$MIGRATIONS_LOCK_REASON"

lint: ## gofmt and go vet (the example module too)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd examples/team-app && $(GO) vet ./...

bench: deps ## benchmarks: handlers end to end against local PostgreSQL, bootstrap init time
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./lambdas/...

deploy: synth ## deploy a stage, e.g. `make deploy STAGE=Dev` (needs AWS credentials and a bootstrapped account)
	$(CDK) deploy $(CDK_FLAGS) --app cdk.out '$(STAGE)/*'

clean: ## remove build output and the local stack's data (.tmp/dev)
	rm -rf cdk.out bin web/dist .tmp/dev
