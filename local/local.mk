# local/local.mk - the local platform's targets, included by the root Makefile.
#
#   make dev                                   run the whole app on http://127.0.0.1:3001
#   make invoke FN=rule EVENT=events/rule-list.json [AS=alice]
#                                              one cold invocation, like `sam local invoke`
#   make bench [BASELINE=rev]                  cold start, latency, throughput, memory figures
#   make soak [SOAK_SECONDS=300] [SEED=n]      the seeded fault test (local/tests/chaos.rs) for
#                                              minutes; prints its seed, SEED replays a run
#
# The root Makefile defines CARGO (default: cargo), PYTHON, VENV and WORKSPACE_BINS.

CARGO ?= cargo
LOCAL_TARGET ?= $(or $(CARGO_TARGET_DIR),target)
LOCAL_PORT ?= 3001
LOCAL_DATA ?= .data
LOCAL_POLICY ?= concurrency
# moto's server, the Secrets Manager emulator, in the project's .venv.
SECRETS_EMULATOR_DEPS := $(VENV)/.secrets-emulator-stamp
FN ?= rule
EVENT ?= events/rule-list.json
# GNU make predefines AS (the assembler, `as`), so `AS ?= alice` would never apply.
ifeq ($(origin AS),default)
AS := alice
endif
# Extra flags, e.g. LOCAL_ARGS='--env JWT_TTL_SECONDS=900 --min-instances 1'.
LOCAL_ARGS ?=
# `make soak`: how long the chaos lasts, and a seed to replay (random when empty).
SOAK_SECONDS ?= 300
SEED ?=

.PHONY: dev invoke bench soak

$(SECRETS_EMULATOR_DEPS): local/emulator/requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r local/emulator/requirements.txt
	touch $@

## dev: build, start the emulators (data in .data/), create the tables and serve the app on :3001.
dev: $(SECRETS_EMULATOR_DEPS)
	$(CARGO) build $(WORKSPACE_BINS)
	$(LOCAL_TARGET)/debug/local-platform dev --port $(LOCAL_PORT) --data-dir $(LOCAL_DATA) \
		--policy $(LOCAL_POLICY) --bin-dir $(LOCAL_TARGET)/debug $(LOCAL_ARGS)

## invoke: one cold invocation of FN with EVENT; {{token}} becomes a token for AS.
invoke: $(SECRETS_EMULATOR_DEPS)
	$(CARGO) build $(WORKSPACE_BINS)
	$(LOCAL_TARGET)/debug/local-platform invoke --function $(FN) --event $(EVENT) --as $(AS) \
		--data-dir $(LOCAL_DATA) --bin-dir $(LOCAL_TARGET)/debug $(LOCAL_ARGS)

## bench: release builds and images (`make image`), then the platform's figures (medians)
## and plots (docs/bench/*.svg, among them faas-vs-container.svg). BASELINE=<rev> also
## builds the functions at that commit (bench/build-baseline.sh) and measures today's
## against them; BENCH_ARGS= passes options (`--only baseline`, `--runs 9`).
## The functions are built on their own, as `make build` and `sam build` build them:
## built with the whole workspace, their dependencies get the features the platform and
## the bench turn on (1.8 MB more code, 6,000 more relocations to apply at every start).
bench: $(SECRETS_EMULATOR_DEPS) image
	$(CARGO) build --release $(WORKSPACE_BINS) --exclude user --exclude rule
	$(CARGO) build --release -p user -p rule
	$(LOCAL_TARGET)/release/bench --bin-dir $(LOCAL_TARGET)/release \
		$(if $(BASELINE),--baseline-bin-dir "$$(bash bench/build-baseline.sh $(BASELINE))") $(BENCH_ARGS)

## soak: the seeded fault test (local/tests/chaos.rs: random writes while the datastore stalls
## and instances are killed) for SOAK_SECONDS; it prints its seed, SEED=n replays that run.
soak: $(SECRETS_EMULATOR_DEPS)
	CHAOS_SECONDS=$(SOAK_SECONDS) $(if $(SEED),CHAOS_SEED=$(SEED)) \
		$(CARGO) test --workspace --test chaos -- --nocapture
