#!/usr/bin/env bash
# The release pipeline's steps (.github/workflows/release.yml), runnable by hand too.
#
#   release.sh build    check the template, then `sam build` once: the arm64 bootstrap
#                       binaries (cargo-lambda, as `make deploy` builds them) and the
#                       built template, in .aws-sam/build (the workflow's artifact)
#   release.sh deploy   deploy .aws-sam/build to $STACK_NAME, as `make deploy` does but
#                       without prompts: the JWT key secret (created when missing), sam
#                       deploy with its public keys and signing kid, then web/ uploaded
#                       after the API (scripts/upload-web.py). On a stack that exists,
#                       CloudFormation waits for the canary: if an alarm fires,
#                       CodeDeploy moves the live alias back and the deploy fails.
#   release.sh smoke    scripts/smoke-test.py against $STACK_NAME's API
#
# deploy and smoke read: STACK_NAME (required), SAM_ARTIFACT_BUCKET (required for
# deploy), CFN_EXECUTION_ROLE_ARN (optional: the role CloudFormation deploys with),
# JWT_KEY_SECRET_NAME (default $STACK_NAME/jwt-keys), EXTRA_PARAMETERS (more
# Key=Value template parameters, space-separated), and AWS credentials and region from
# the environment. deploy/github-oidc.yml makes the roles and the bucket.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
PYTHON="${PYTHON:-python3}"
export SAM_CLI_TELEMETRY=0

python_tools() {
    # sam and boto3 (scripts/python-requirements.txt), the same stamp as check-template.sh.
    local requirements=scripts/python-requirements.txt stamp="$VENV/.requirements-stamp"
    [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
    if [[ ! -f "$stamp" ]] || ! cmp -s "$requirements" "$stamp"; then
        "$VENV/bin/pip" install -q --disable-pip-version-check -r "$requirements"
        cp "$requirements" "$stamp"
    fi
}

build() {
    bash scripts/check-template.sh
    # cargo-lambda and zig (scripts/lambda-tools-requirements.txt) and the arm64 target.
    make "$VENV/.lambda-tools-stamp"
    rustup target list --installed | grep -q '^aarch64-unknown-linux-gnu$' \
        || rustup target add aarch64-unknown-linux-gnu
    PATH="$PWD/$VENV/bin:$PATH" SAM_CLI_BETA_RUST_CARGO_LAMBDA=1 \
        "$VENV/bin/sam" build --beta-features --language-extensions
    ls -l .aws-sam/build/UserFunction/bootstrap .aws-sam/build/RuleFunction/bootstrap
}

deploy() {
    : "${STACK_NAME:?set STACK_NAME}" "${SAM_ARTIFACT_BUCKET:?set SAM_ARTIFACT_BUCKET}"
    [[ -f .aws-sam/build/template.yaml ]] || { echo "no .aws-sam/build: run release.sh build first" >&2; exit 1; }
    python_tools
    export JWT_KEY_SECRET_NAME="${JWT_KEY_SECRET_NAME:-$STACK_NAME/jwt-keys}"
    "$VENV/bin/python" scripts/jwt-keys.py ensure
    local parameters role=()
    parameters="$("$VENV/bin/python" scripts/jwt-keys.py parameters)"
    [[ -z "${CFN_EXECUTION_ROLE_ARN:-}" ]] || role=(--role-arn "$CFN_EXECUTION_ROLE_ARN")
    # shellcheck disable=SC2086 # the parameters are space-separated Key=Value words
    "$VENV/bin/sam" deploy \
        --template-file .aws-sam/build/template.yaml \
        --stack-name "$STACK_NAME" \
        --s3-bucket "$SAM_ARTIFACT_BUCKET" --s3-prefix "$STACK_NAME" \
        --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
        "${role[@]}" \
        --no-confirm-changeset --no-fail-on-empty-changeset \
        --parameter-overrides $parameters ${EXTRA_PARAMETERS:-}
    "$VENV/bin/python" scripts/upload-web.py "$STACK_NAME"
}

smoke() {
    : "${STACK_NAME:?set STACK_NAME}"
    python_tools
    "$VENV/bin/python" scripts/smoke-test.py "$STACK_NAME"
}

case "${1:-}" in
    build) build ;;
    deploy) deploy ;;
    smoke) smoke ;;
    *) echo "usage: $0 build|deploy|smoke" >&2; exit 2 ;;
esac
