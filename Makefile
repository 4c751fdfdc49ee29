# Targets users type. The anklume tools are called by path ($(BIN)/…), so
# nothing named `snap` or `generate` ever shadows a system command on PATH.
#
#   make sync [INFRA_SRC=…] [OUT=…]    infra.yml → Ansible tree
#   make adopt ANKLUME=/path           our binaries in an anklume checkout's scripts/
#   make test                          everything CI checks

SHELL := bash
CARGO ?= cargo
BIN ?= target/release
OUT ?= .
INFRA_SRC ?= $(if $(wildcard infra/base.yml),infra,infra.yml)
ANKLUME_BINS := generate snap snapshot-apply incus-guard code-audit
PLAYBOOK ?= ansible-playbook site.yml
KEEP ?=
G ?=
T ?=
SKIP_SNAPSHOT ?=
# Incus remote or cluster the snapshots are taken on (`incus remote list`).
REMOTE ?=
SNAPSHOT_APPLY = $(BIN)/snapshot-apply$(if $(REMOTE), --remote $(REMOTE))
MODEL ?=
ANKLUME ?=
FORCE ?=
# ember-repl is built for the CPU it is built on (llama.cpp then uses every
# SIMD feature it has), in its own target dir so the portable anklume tools
# in target/release are neither rebuilt nor replaced. EMBER_RUSTFLAGS= gives
# a portable ember-repl there instead. `make build-ember-portable` is the
# build for distribution (the Debian package): any CPU of the architecture,
# llama.cpp's best CPU kernels for it picked at run time.
EMBER_RUSTFLAGS ?= -C target-cpu=native
EMBER_TARGET_DIR ?= target/native

.PHONY: help build build-ember build-ember-portable sync sync-dry sync-clean apply apply-infra apply-limit \
	rollback rollback-list rollback-cleanup audit audit-json adopt unadopt deb test test-stress setup fmt lint \
	docker-build docker-rebuild dev repl docker-stop repl-local

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

build: ## Build the anklume tools (release; no llama.cpp)
	@$(CARGO) build --release --quiet $(addprefix -p ,$(ANKLUME_BINS))

build-ember: ## Build ember-repl for this CPU in target/native (release; compiles llama.cpp)
	@RUSTFLAGS="$${RUSTFLAGS:+$$RUSTFLAGS }$(EMBER_RUSTFLAGS)" $(CARGO) build --release --quiet \
		--target-dir $(EMBER_TARGET_DIR) -p ember-repl

build-ember-portable: ## ember-repl for any CPU, CPU kernels picked at run time (target/portable/dist)
	@scripts/build-ember-portable.sh

# ── Generator ─────────────────────────────────────────────
sync: build ## Generate/update Ansible files from infra.yml or infra/ (OUT=dir)
	@$(BIN)/generate $(INFRA_SRC) --base-dir $(OUT)

sync-dry: build ## Preview changes without writing, with a diff
	@$(BIN)/generate $(INFRA_SRC) --base-dir $(OUT) --dry-run --diff

sync-clean: build ## Remove orphan files without confirmation
	@$(BIN)/generate $(INFRA_SRC) --base-dir $(OUT) --clean-orphans

# ── Apply, wrapped in pre-apply snapshots ─────────────────
# $(1) target name, $(2) command, $(3) optional --limit group
define safe_apply
	$(if $(SKIP_SNAPSHOT),,@$(SNAPSHOT_APPLY) create $(if $(3),--limit $(3)))
	@echo "Running: $(1)"
	@$(2)
	$(if $(SKIP_SNAPSHOT),,@$(SNAPSHOT_APPLY) cleanup $(if $(KEEP),--keep $(KEEP)))
	@echo "$(1) complete"
endef

apply: build ## Apply full infrastructure + provisioning
	@if [ ! -d inventory ] || [ -z "$$(ls inventory/*.yml 2>/dev/null)" ]; then \
		echo "ERROR: No inventory files found. Run 'make sync' first to generate them from infra.yml." >&2; \
		exit 1; \
	fi
	$(call safe_apply,apply,$(PLAYBOOK))

apply-infra: build ## Apply infrastructure only (networks, projects, instances)
	$(call safe_apply,apply-infra,$(PLAYBOOK) --tags infra)

apply-limit: build ## Apply a single domain (G=<group>)
	@[ -n "$(G)" ] || { echo "ERROR: G=<group> is required, e.g. make apply-limit G=pro" >&2; exit 1; }
	$(call safe_apply,apply-limit,$(PLAYBOOK) --limit $(G),$(G))

rollback: build ## Restore most recent pre-apply snapshot (or T=<timestamp>)
	@$(SNAPSHOT_APPLY) rollback $(T)

rollback-list: build ## List available pre-apply snapshots
	@$(SNAPSHOT_APPLY) list

rollback-cleanup: build ## Remove old pre-apply snapshots (KEEP=3 default)
	@$(SNAPSHOT_APPLY) cleanup $(if $(KEEP),--keep $(KEEP))

# ── Audit ─────────────────────────────────────────────────
audit: build ## Produce codebase audit report (dead code, metrics, coverage)
	@$(BIN)/code-audit

audit-json: build ## Produce audit report as JSON (to reports/audit.json)
	@$(BIN)/code-audit --json --output reports/audit.json

# ── An anklume checkout ───────────────────────────────────
# BIN= given on the command line: copy those binaries instead of building.
ADOPT_ENV = FORCE='$(FORCE)' $(if $(filter command line,$(origin BIN)),ANKLUME_RS_BIN='$(BIN)')

adopt: ## Our binaries in place of an anklume checkout's scripts (ANKLUME=dir [FORCE=1])
	@$(ADOPT_ENV) scripts/adopt.sh adopt '$(ANKLUME)'

unadopt: ## Put an adopted checkout's scripts back, byte for byte (ANKLUME=dir)
	@$(ADOPT_ENV) scripts/adopt.sh unadopt '$(ANKLUME)'

deb: ## Debian packages anklume-rs and ember-repl in target/debian (BIN=, EMBER_BIN= skip building)
	@$(if $(filter command line,$(origin BIN)),BIN='$(BIN)') scripts/package-deb.sh

# ── Ember ─────────────────────────────────────────────────
# Docker: `make docker-build`, `make dev`, `make repl`. The checkout is mounted
# at $(EMBER_WORKDIR); MODEL=/srv/ember/models/x.gguf pins a model for one `repl`,
# and any LLAMA_CPP_* knob set on the command line or in the environment is
# passed to ember-repl.
EMBER_IMAGE ?= ember-dev
EMBER_TAG ?= latest
EMBER_CONTAINER ?= ember-dev
EMBER_DOCKERFILE ?= Dockerfile
DOCKER ?= docker
EMBER_WORKDIR ?= /srv/ember
EMBER_PORTS ?=
ENV_VARS ?=
LLAMA_KNOBS := LLAMA_CPP_MAX_TOKENS LLAMA_CPP_THREADS LLAMA_CPP_TEMPERATURE \
	LLAMA_CPP_TOP_P LLAMA_CPP_TIMEOUT LLAMA_CPP_CTX LLAMA_CPP_BATCH \
	LLAMA_CPP_MODEL_DIR LLAMA_CPP_ROPE_FREQ_BASE LLAMA_CPP_ROPE_FREQ_SCALE
REPL_ENV = $(if $(MODEL),-e 'LLAMA_CPP_MODEL=$(MODEL)') \
	$(foreach v,$(LLAMA_KNOBS),$(if $($(v)),-e '$(v)=$($(v))'))

docker-build: ## Build the Ember image (EMBER_IMAGE:EMBER_TAG)
	$(DOCKER) build --build-arg EMBER_RUSTFLAGS='$(EMBER_RUSTFLAGS)' -f $(EMBER_DOCKERFILE) -t $(EMBER_IMAGE):$(EMBER_TAG) .

docker-rebuild: ## Rebuild the Ember image without cache
	$(DOCKER) build --no-cache --build-arg EMBER_RUSTFLAGS='$(EMBER_RUSTFLAGS)' -f $(EMBER_DOCKERFILE) -t $(EMBER_IMAGE):$(EMBER_TAG) .

dev: ## Start the Ember container detached, checkout at /srv/ember (ENV_VARS="-e K=V")
	$(DOCKER) run -d --rm --name $(EMBER_CONTAINER) $(EMBER_PORTS) \
		-v "$(CURDIR):$(EMBER_WORKDIR)" -w $(EMBER_WORKDIR) $(ENV_VARS) \
		$(EMBER_IMAGE):$(EMBER_TAG)

repl: ## ember-repl inside the container, started if needed (MODEL=, LLAMA_CPP_*)
	@if ! $(DOCKER) ps --format '{{.Names}}' | grep -qx '$(EMBER_CONTAINER)'; then \
		echo "Container $(EMBER_CONTAINER) is not running; starting it (make dev)"; \
		$(MAKE) --no-print-directory dev && sleep 1; \
	fi
	$(DOCKER) exec -i $$([ -t 0 ] && echo -t) -w $(EMBER_WORKDIR) $(REPL_ENV) \
		$(EMBER_CONTAINER) ember-repl

docker-stop: ## Stop the Ember container
	-@$(DOCKER) stop $(EMBER_CONTAINER) >/dev/null 2>&1 || true

repl-local: build-ember ## ember-repl on this host (MODEL=<path.gguf> pins a model)
	@$(if $(MODEL),LLAMA_CPP_MODEL=$(MODEL)) $(EMBER_TARGET_DIR)/release/ember-repl

# ── Quality ───────────────────────────────────────────────
fmt: ## Format the code
	$(CARGO) fmt --all

setup: ## Install what the build and the tests need (idempotent; apt as root or via sudo)
	@scripts/dev-setup.sh

lint: ## fmt check, clippy -D warnings, shellcheck
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --quiet -- -D warnings
	shellcheck scripts/*.sh bench/*.sh .ci/run

test: ## Everything CI checks: set-up, lint, every test; ends with "N passed, N failed"
	@CARGO=$(CARGO) scripts/test.sh

test-stress: ## The whole suite RUNS=3 times under HOGS=2 busy loops (not in CI)
	@CARGO=$(CARGO) scripts/test-stress.sh
