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
# One stage (Dev, Staging or Prod) for synth, deploy and watch: `make synth STAGE=Dev` builds, compiles
# handlers for, checks and writes that stage alone. Unset, synth builds every stage (and, with an
# account, the Pipeline stack); deploy and watch default to Dev.
STAGE    ?=
STAGE_CONTEXT = $(if $(STAGE),-c stage=$(STAGE))$(if $(PREVIEW), -c 'preview=$(PREVIEW)' -c previewCreated=$(PREVIEW_CREATED))
# A branch's preview stage (README "Previews"): `make synth PREVIEW=<branch>` builds it alone into
# cdk.out/assembly-Preview-<name>, dated today (UTC) in its stratus:preview-created tag; the app reads no clock.
PREVIEW  ?=
PREVIEW_CREATED ?= $(shell date -u +%F)
# previews-older lists the previews created more than DAYS days ago.
DAYS     ?= 7
# Where `make dev` listens; port 0 picks a free one.
DEV_ADDR ?= 127.0.0.1:8080
LOCAL    := bin/stratus-local
# cfn-lint where .ci/run installs it (a venv in .tmp/cfn-lint), when it is not on the PATH.
ifneq ($(wildcard .tmp/cfn-lint/bin/cfn-lint),)
export PATH := $(CURDIR)/.tmp/cfn-lint/bin:$(PATH)
endif

.PHONY: help preview preview-destroy preview-name previews-older synth test prereqs test-race flaky cfnlint compliance example e2e dev faults restore-drill snapshot lock diff drift cost diagram lint bench deploy watch clean deps web

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

# The CDK CLI ships Go template files; a go.mod makes node_modules a module
# of its own, so `go vet ./...` and `go test ./...` leave it alone.
# npm ci empties node_modules first: through a symlink (a worktree sharing another checkout's copy) it would
# empty that checkout's, so refuse and say so.
refuse_shared = if [ -L $(1) ]; then echo "$(1) is a symlink to $$(readlink $(1)): npm ci would empty that copy; \
	install here (rm $(1), then make deps) or pass -o $(1)/.package-lock.json" >&2; exit 2; fi
node_modules/.package-lock.json: package.json package-lock.json
	@$(call refuse_shared,node_modules)
	npm ci --no-audit --no-fund --loglevel=error
	echo 'module ignored/node_modules' > node_modules/go.mod

deps: node_modules/.package-lock.json ## install the pinned CDK CLI and Go modules
	$(GO) mod download

$(APP): $(GO_SRC)
	$(GO) build -o $(APP) .

WEB_SRC := $(shell find web -type f -not -path 'web/node_modules/*' -not -path 'web/dist/*' 2>/dev/null)

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	@$(call refuse_shared,web/node_modules)
	cd web && npm ci --no-audit --no-fund --loglevel=error
	echo 'module ignored/node_modules' > web/node_modules/go.mod

# The web stack deploys web/dist: every synth and the stack tests need it built.
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build

web: web/dist/index.html ## build the single-page app into web/dist

synth: deps web $(APP) ## build the app and every handler, synthesize every stack into cdk.out (offline); STAGE=Dev for one stage, PREVIEW=<branch> for a preview
	rm -rf cdk.out
	$(CDK) synth $(CDK_FLAGS) $(STAGE_CONTEXT) --quiet '**'
	$(GO) run ./cmd/synthsummary cdk.out

# `make cost` and `make diagram` price and draw the app as the pipeline deploys it: every stage and
# the Pipeline stack, which needs an account. So they synthesize for a placeholder account in
# eu-west-1 (offline: the app looks nothing up), into their own folder; the README's generated
# sections come from it, and `go test ./test` checks them against the same synthesis.
REF_ACCOUNT := 111111111111
REF_REGION  := eu-west-1
REF_OUT     := .tmp/cdk.out

$(REF_OUT)/manifest.json: node_modules/.package-lock.json web/dist/index.html $(APP) cdk.json
	rm -rf $(REF_OUT)
	$(CDK) synth $(subst --output cdk.out,--output $(REF_OUT),$(CDK_FLAGS)) --quiet -c account=$(REF_ACCOUNT) -c region=$(REF_REGION) '**'

cost: $(REF_OUT)/manifest.json ## monthly cost per stage and stack, idle and at a usage profile, every line traced to a resource and a price; refreshes the README's table (COST_FLAGS='-mau 5000' to change the profile; REF=main for the difference since a git ref)
	$(GO) run ./cmd/cost $(if $(REF),-ref "$$REF",$(if $(COST_FLAGS),$(COST_FLAGS),-readme README.md)) $(REF_OUT)

diagram: $(REF_OUT)/manifest.json ## the architecture, drawn from the synthesized app: Mermaid into the README, docs/architecture.svg
	$(GO) run ./cmd/diagram -detail Prod -svg docs/architecture.svg -readme README.md $(REF_OUT) > /dev/null

test: prereqs ## run every test: web app, constructs, stacks (snapshots, cdk-nag), cfn-lint on every template, handlers (PostgreSQL, Lambda emulator, under the race detector), browser e2e
	$(MAKE) --no-print-directory deps web
	cd web && npm run typecheck && npm test
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 40m $$($(GO) run ./cmd/flaky -list -jsii)
	$(MAKE) --no-print-directory test-race
	$(MAKE) --no-print-directory cfnlint
	$(MAKE) --no-print-directory compliance
	$(MAKE) --no-print-directory example
	$(MAKE) --no-print-directory e2e

# What make test needs from the machine, checked before anything runs: each missing tool is one
# line saying how to install it (Debian's package names; .ci/run installs them all), and make test
# stops. PostgreSQL is not needed with DATABASE_URL; as root, initdb runs as `postgres`.
prereqs: ## check what make test needs from the machine: Node, PostgreSQL (initdb, pg_ctl), Chromium, cfn-lint, a C compiler
	@missing=0; \
	need() { echo "make test: $$1" >&2; missing=1; }; \
	if ! command -v node >/dev/null; then need "Node.js is missing: apt-get install nodejs npm (20, 22 or 24)"; \
	elif ! node -e 'process.exit([20, 22, 24].includes(+process.versions.node.split(".")[0]) ? 0 : 1)'; then \
		need "Node.js $$(node --version) is not 20, 22 or 24: install one of those"; fi; \
	if [ -z "$${DATABASE_URL:-}" ]; then \
		bindir=$${PG_BINDIR:-$$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}; \
		for tool in initdb pg_ctl; do \
			[ -x "$$bindir/$$tool" ] || command -v $$tool >/dev/null || need "PostgreSQL's $$tool is missing: apt-get install postgresql (or set DATABASE_URL to a server)"; \
		done; \
		if [ "$$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then need "running as root, initdb needs the postgres account: apt-get install postgresql"; fi; \
	fi; \
	if [ -z "$${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null; then need "Chromium is missing: apt-get install chromium (or set CHROMIUM_PATH)"; fi; \
	if ! command -v cfn-lint >/dev/null; then \
		need "cfn-lint is missing: apt-get install python3-venv; python3 -m venv .tmp/cfn-lint && .tmp/cfn-lint/bin/pip install cfn-lint==$$(sed -n 's/^const Version = \"\(.*\)\"$$/\1/p' internal/analysis/cfnlint/cfnlint.go) (.ci/run does this; make finds it there)"; fi; \
	if ! command -v gcc >/dev/null; then need "a C compiler is missing (cgo: the migration check, the race detector): apt-get install gcc libc6-dev"; fi; \
	exit $$missing

# The packages whose tests need no jsii (handlers, local stack, analysis: cmd/flaky -list) under
# the race detector, once each. make test runs them here instead of without it.
test-race: ## the tests of every package that needs no jsii (handlers, local stack, analysis), under go test -race
	$(GO) test -race -count=1 -timeout 30m $$($(GO) run ./cmd/flaky -list)

# The flake hunt: every test of those packages N times (go test -count=N -shuffle=on) and the web
# unit suite N times, while cmd/cpuload keeps every CPU busy; FLAKY_FLAGS=-e2e adds the browser suite.
N ?= 20
flaky: prereqs ## run the suites N times under CPU load (make flaky N=5); lists each test that failed at least once, with its count, and fails if any did
	$(MAKE) --no-print-directory deps web/node_modules/.package-lock.json
	$(GO) run ./cmd/flaky -n $(N) $(FLAKY_FLAGS)

# cfn-lint (a Python tool, pinned in internal/analysis/cfnlint.Version) on every
# template of the assembly `make cost` prices: every stage and the Pipeline
# stack, synthesized for the placeholder account. Where cfn-lint is missing it
# fails at once, in one line saying how to install it.
compliance: deps web ## cdk-nag's HIPAA Security, NIST 800-53 rev 5 and PCI DSS 3.2.1 packs over every stage: a table of what they find; fails when a fixed finding is back
	$(GO) run ./cmd/compliance

cfnlint: deps web ## cfn-lint on every template of every stage and the pipeline: fails on an error, lists the warnings; exceptions with reasons in test/cfn-lint.exceptions.json
	@command -v cfn-lint >/dev/null || $(GO) run ./cmd/cfnlint $(REF_OUT)
	$(MAKE) --no-print-directory $(REF_OUT)/manifest.json
	$(GO) run ./cmd/cfnlint -exceptions test/cfn-lint.exceptions.json $(REF_OUT)

# A module of its own, so the root's `go test ./...` skips it: a team's app
# built from the constructs, synthesized offline under both cdk-nag packs.
example: ## the example module (examples/team-app): vet, build, synthesize, check cdk-nag and each construct's resources
	cd examples/team-app && $(GO) vet ./... && $(GO) test -count=1 -timeout 20m ./...

$(LOCAL): $(GO_SRC)
	$(GO) build -o $(LOCAL) ./lambdas/cmd/stratus-local

# The browser suite runs under each stage's synthesized settings (Prod requires MFA, Dev and Staging offer
# it; Staging and Prod put the site behind the web ACL): the stages of the assembly `make cost` prices,
# which `make test` has synthesized by then. E2E_STAGES=Prod runs one.
E2E_STAGES ?= Dev Staging Prod
e2e: web $(LOCAL) $(REF_OUT)/manifest.json ## browser end-to-end tests: headless Chromium against the local stack under each stage's settings (E2E_STAGES='Dev Staging Prod'); screenshots in test/screenshots
	for stage in $(E2E_STAGES); do \
		echo "e2e under $$stage's synthesized settings ($(REF_OUT)/assembly-$$stage)"; \
		(cd web && STAGE=$$stage STRATUS_ASSEMBLY=$(CURDIR)/$(REF_OUT)/assembly-$$stage STRATUS_LOCAL_BIN=$(CURDIR)/$(LOCAL) npm run e2e) || exit 1; \
	done

dev: synth ## run one stage locally, with its synthesized settings: `make dev STAGE=Prod` (default Dev); restarts on Go changes
	$(GO) build -o $(LOCAL) ./lambdas/cmd/stratus-local
	$(LOCAL) -watch -assembly cdk.out/assembly-$(STAGE) -addr $(DEV_ADDR)

# The short form (one kill of each) runs in `make test` as lambdas/cmd/faults' TestShortFaultSuite.
faults: $(LOCAL) ## fault suite: concurrent idempotent writes through 3 kill -9s of the local server and 2 of its PostgreSQL; fails on any loss
	$(GO) build -o bin/faults ./lambdas/cmd/faults
	bin/faults -bin $(LOCAL)

# The short form (60 items, 15 uploads) runs in `make test` as lambdas/cmd/restoredrill's TestShortRestoreDrill.
restore-drill: $(LOCAL) ## rehearse a restore locally: items and uploads through the API, pg_dump + object copy, cluster and store deleted, restored, every acknowledged one checked; fails on any loss
	$(GO) build -o bin/restoredrill ./lambdas/cmd/restoredrill
	bin/restoredrill -bin $(LOCAL)

snapshot: deps web ## refresh the golden templates in test/testdata and the README's stage and emulation tables
	$(GO) test -count=1 ./test -update
	$(GO) test -count=1 -run ReadmeEmulationTable ./lambdas/internal/local/mapping -update

# The locks (test/*.lock.json) are acknowledgements: rewritten only on purpose,
# with a reason that lands in them, never by `make snapshot`. REASON and REF are
# read from the environment (make exports command-line variables) so that any
# quoting in them reaches the command intact.
lock: deps web ## after an intended change, rewrite the locks with a reason: make lock REASON="why it is safe"
	@if [ -z "$${REASON:-}" ]; then echo 'make lock needs a reason: make lock REASON="why this change is safe"' >&2; exit 2; fi
	$(GO) build -o bin/stratuslock ./cmd/stratuslock
	bin/stratuslock -reason "$$REASON"

diff: deps web ## what changes since a git ref, per stage and stack; fails on a lock violation: make diff REF=main
	@if [ -z "$${REF:-}" ]; then echo 'make diff needs a git ref: make diff REF=main' >&2; exit 2; fi
	$(GO) build -o bin/stratusdiff ./cmd/stratusdiff
	bin/stratusdiff -ref "$$REF"

# The drift gate the pipeline runs before Staging's and Prod's deploy, from a workstation, with the
# caller's AWS credentials (DRIFT_FLAGS='-role-arn arn:aws:iam::ACCOUNT:role/…' to check as a role).
# The stage's stack names and regions come from cdk.out, synthesized for the stage when it lacks it.
drift: ## CloudFormation drift detection on a deployed stage: make drift STAGE=Prod; exits 1 when a stateful or IAM resource drifted
	@if [ -z '$(STAGE)' ]; then echo 'make drift needs a stage: make drift STAGE=Prod' >&2; exit 2; fi
	@[ -f cdk.out/assembly-$(STAGE)/manifest.json ] || $(MAKE) --no-print-directory synth STAGE=$(STAGE)
	$(GO) run ./cmd/drift -assembly cdk.out $(DRIFT_FLAGS) $(STAGE)

lint: ## gofmt and go vet (the example module too)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd examples/team-app && $(GO) vet ./...

bench: deps web $(APP) ## benchmarks: handlers against local PostgreSQL, bootstrap init, the local server under load, make dev's restart, cdk synth against its floor
	$(GO) test -run '^$$' -bench . -benchmem -count=1 $$($(GO) list ./lambdas/... | grep -v -e /local/devstack -e /cmd/stratus-local)
	# The local server at 1, 8 and 32 clients: long enough for the queue's backlog to matter.
	$(GO) test -run '^$$' -bench LocalServer -benchtime 5s -count=1 ./lambdas/internal/local/devstack
	# make dev's inner loop: a handler's Go file saved -> the rebuilt server answers /v1/health, 7 times.
	$(GO) test -run '^$$' -bench 'DevRestart|Fingerprint' -benchtime 7x -count=1 -timeout 30m ./lambdas/cmd/stratus-local
	# cdk synth of the whole app and of one stage, with and without validation, against an empty app,
	# then where the time goes (SYNTHBENCH_FLAGS='-rounds 9' for steadier medians).
	$(GO) run ./cmd/synthbench $(SYNTHBENCH_FLAGS)

# dev, deploy and watch act on one stage (default Dev); their prerequisites (synth) see the same STAGE.
dev deploy watch: STAGE := $(or $(STAGE),Dev)

deploy: synth ## deploy a stage, synthesized alone, e.g. `make deploy STAGE=Dev` (needs AWS credentials and a bootstrapped account)
	$(CDK) deploy $(CDK_FLAGS) --app cdk.out '$(STAGE)/*'

# `cdk watch` re-runs the app on every change that cdk.json's "watch" section covers (the app's and the
# handlers' sources and the migrations, no build output): the app command rebuilds bin/stratus first,
# so a change to the stacks is seen too. Hotswap bypasses CloudFormation, so it is for Dev only:
# the pipeline deploys Staging and Prod.
watch: deps web $(APP) ## on every save, hotswap Dev's changed Lambda code and settings (`cdk watch --hotswap`; needs AWS credentials)
	@if [ '$(STAGE)' = Staging ] || [ '$(STAGE)' = Prod ]; then \
		echo 'make watch hotswaps Dev only: $(STAGE) is deployed by the pipeline, and a hotswap would drift it from its templates' >&2; exit 2; fi
	$(CDK) watch $(CDK_FLAGS) --hotswap --app 'make --no-print-directory -s $(APP) && $(APP)' -c stage=$(STAGE) '$(STAGE)/*'

# Previews (README "Previews"): a branch's own short-lived stage, derived from Dev, deployed from a
# workstation (never by the pipeline), destroyed with nothing left behind.
preview preview-destroy: PREVIEW = $(NAME)
# A redeploy keeps the preview's creation date: the one its Data stack's tag holds, if it is deployed.
preview: PREVIEW_CREATED = $(or $(shell aws cloudformation describe-stacks --stack-name "$$($(GO) run ./cmd/previews -name '$(NAME)' 2>/dev/null)-Data" \
	--query "Stacks[0].Tags[?Key=='stratus:preview-created'].Value" --output text 2>/dev/null | grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}$$'),$(shell date -u +%F))

preview-name:
	@if [ -z '$(NAME)' ]; then echo 'needs a branch name: make preview NAME=feature/x (make preview-destroy NAME=feature/x)' >&2; exit 2; fi
	@$(GO) run ./cmd/previews -name '$(NAME)' >/dev/null

preview: preview-name synth ## deploy the preview stage of a branch: make preview NAME=feature/x (needs AWS credentials and a bootstrapped account)
	$(CDK) deploy $(CDK_FLAGS) --app cdk.out --require-approval never "$$($(GO) run ./cmd/previews -name '$(NAME)')/*"

# cdk destroy deletes every resource (the preview retains nothing); the log groups Lambda creates on its
# own for CDK's provider functions and the rotation function, which no template holds, go after it: their
# functions' names are read from the stacks (and the rotation's nested stack) before they are deleted.
preview-destroy: preview-name synth ## destroy a branch's preview, leaving nothing behind: make preview-destroy NAME=feature/x (needs AWS credentials)
	stage=$$($(GO) run ./cmd/previews -name '$(NAME)'); fns=; \
	for stack in $$stage-Data $$stage-App $$stage-Web; do \
		aws cloudformation describe-stacks --stack-name $$stack >/dev/null 2>&1 || continue; \
		for s in $$stack $$(aws cloudformation list-stack-resources --stack-name $$stack --output text \
				--query "StackResourceSummaries[?ResourceType=='AWS::CloudFormation::Stack'].PhysicalResourceId"); do \
			fns="$$fns $$(aws cloudformation list-stack-resources --stack-name $$s --output text \
				--query "StackResourceSummaries[?ResourceType=='AWS::Lambda::Function'].PhysicalResourceId")"; \
		done; \
	done; \
	$(CDK) destroy $(CDK_FLAGS) --app cdk.out --force "$$stage/*"; \
	for fn in $$fns; do [ "$$fn" = None ] || aws logs delete-log-group --log-group-name "/aws/lambda/$$fn" 2>/dev/null || true; done

previews-older: ## list the previews created more than DAYS days ago (default 7), by their stratus:preview-created tag (needs AWS credentials)
	aws cloudformation describe-stacks --output json | $(GO) run ./cmd/previews -older-than $(DAYS)

clean: ## remove build output, the local stack's data (.tmp/dev) and the assembly make cost and make diagram read (.tmp/cdk.out)
	rm -rf cdk.out bin web/dist .tmp/dev $(REF_OUT)
