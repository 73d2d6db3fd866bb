# The todo service: two Rust Lambda functions on DynamoDB.
#
#   make dev      run the whole app locally on http://127.0.0.1:3001 (no Docker)
#   make test     formatting, lints, template and contract checks, unit/API/platform tests,
#                 browser tests, the contract fuzzed against the local platform
#   make check    the template (cfn-lint, sam validate, the SAM transform, the alarms' test),
#                 deploy/github-oidc.yml, the workflows (actionlint, zizmor), the manifests
#   make bench    cold start, latency, throughput and memory figures (medians)
#   make build    cargo lambda build --release --arm64 -> target/lambda/{user,rule}/bootstrap.zip
#   make deploy   sam build + sam deploy --guided + upload web/ to S3/CloudFront
#                 (creates the JWT key secret when missing; passes its public keys)
#   make image    container images of both functions (Containerfile, FROM scratch; podman)
#   make manifests  Knative and Kubernetes manifests (containers/manifests) from template.yml
#   make soak     the seeded fault test for 5 minutes (SOAK_SECONDS=, SEED= to replay a run)
#
# Everything a target needs is installed on first use: npm packages under
# web/tests and api, Python tools (and moto, the Secrets Manager emulator) in .venv,
# Debian's chromium and podman via apt. The DynamoDB emulator (dynoxide) is a binary
# of the workspace.

CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
ARCH ?= arm64
# Images run here (x86-64) by default; IMAGE_ARCH=arm64 builds them for Lambda on arm64.
IMAGE_ARCH ?= x86-64
WEB_TEST_DEPS := web/tests/node_modules/.package-lock.json
API_LINT_DEPS := api/node_modules/.package-lock.json
LAMBDA_TOOLS := $(VENV)/.lambda-tools-stamp
API_FUZZ_TOOLS := $(VENV)/.api-fuzz-stamp
# Every build names the whole workspace: cargo unifies features over the packages it
# is asked for, so `-p user -p rule` and `cargo test --workspace` would build the
# same crates twice with different feature sets.
WORKSPACE_BINS := --workspace --bins

.PHONY: test check lint fmt unit-test web-test api-lint api-fuzz build deploy clean-data help \
	image manifests

help:
	@sed -n '2,19p' Makefile

include local/local.mk
include bench/peers/peers.mk

$(WEB_TEST_DEPS): web/tests/package.json web/tests/package-lock.json
	npm ci --prefix web/tests --no-audit --no-fund
	touch $@

$(API_LINT_DEPS): api/package.json api/package-lock.json
	npm ci --prefix api --no-audit --no-fund
	touch $@

## test: everything CI checks.
test: lint check api-lint unit-test web-test api-fuzz

## lint: rustfmt, clippy and rustdoc (every doc link resolves), warnings are errors.
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --document-private-items

## check: cfn-lint, sam validate and the SAM transform on template.yml; events are valid;
## the alarms gate the canary and watch published metrics (scripts/test_alarms.py);
## cfn-lint on deploy/github-oidc.yml; actionlint and zizmor on .github/workflows;
## the Knative and Kubernetes manifests validate.
check:
	bash scripts/check-template.sh
	bash scripts/check-workflows.sh
	bash containers/check-manifests.sh

## api-lint: the contract, api/openapi.yaml, passes Redocly's recommended-strict rules.
api-lint: $(API_LINT_DEPS)
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
		api/node_modules/.bin/redocly lint --config api/redocly.yaml api/openapi.yaml

## unit-test: unit tests, the functions' API tests and the platform's tests, on dynoxide and moto.
unit-test: $(SECRETS_EMULATOR_DEPS)
	$(CARGO) test --workspace

## web-test: the frontend in Debian's chromium, against the local platform.
web-test: $(SECRETS_EMULATOR_DEPS) $(WEB_TEST_DEPS)
	bash scripts/ensure-chromium.sh
	$(CARGO) build $(WORKSPACE_BINS)
	node web/tests/run.mjs

## api-fuzz: schemathesis against the local platform with the contract (about 90 s):
## no 5xx, no answer outside the contract, no broken resource.
api-fuzz: $(SECRETS_EMULATOR_DEPS) $(API_FUZZ_TOOLS)
	$(CARGO) build $(WORKSPACE_BINS)
	$(VENV)/bin/python scripts/fuzz-api.py

$(API_FUZZ_TOOLS): scripts/api-fuzz-requirements.txt scripts/python-requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r scripts/api-fuzz-requirements.txt
	touch $@

fmt:
	$(CARGO) fmt --all

$(LAMBDA_TOOLS): scripts/lambda-tools-requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r scripts/lambda-tools-requirements.txt
	touch $@

## build: release bootstrap zips for Lambda (ARCH=arm64 by default, ARCH=x86-64 also works).
build: $(LAMBDA_TOOLS)
	rustup target list --installed | grep -q '^$(if $(filter arm64,$(ARCH)),aarch64,x86_64)-unknown-linux-gnu$$' \
		|| rustup target add $(if $(filter arm64,$(ARCH)),aarch64,x86_64)-unknown-linux-gnu
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(CARGO) lambda build --release --$(ARCH) \
		--output-format zip --bin user --bin rule
	@ls -l target/lambda/user/bootstrap.zip target/lambda/rule/bootstrap.zip

## deploy: the JWT key secret (once), sam build, sam deploy --guided with the secret's
## public keys and signing kid (scripts/jwt-keys.py parameters), then upload web/.
deploy: $(LAMBDA_TOOLS)
	bash scripts/check-template.sh
	$(VENV)/bin/python scripts/jwt-keys.py ensure
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" SAM_CLI_BETA_RUST_CARGO_LAMBDA=1 $(VENV)/bin/sam build --beta-features --language-extensions
	$(VENV)/bin/sam deploy --guided --no-fail-on-empty-changeset \
		--parameter-overrides "$$($(VENV)/bin/python scripts/jwt-keys.py parameters)"
	$(VENV)/bin/python scripts/upload-web.py

## image: the functions' container images (static musl binaries, FROM scratch), with their sizes.
image:
	bash containers/build-images.sh --arch $(IMAGE_ARCH)

## manifests: write containers/manifests from template.yml (a test fails when they drift).
manifests:
	$(CARGO) run --quiet -p todo-containers --bin manifests

## clean-data: forget the local database and keys in .data/.
clean-data:
	rm -rf .data
