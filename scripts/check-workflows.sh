#!/usr/bin/env bash
# Checks .github/workflows offline (beyond PyPI on the first run, to fill .venv):
#
#   1. actionlint       syntax, expressions, job graph, runner labels, action inputs,
#                       and shellcheck on every `run:` script
#   2. zizmor --offline security: pinned actions (full commit SHAs), no persisted
#                       checkout credentials, minimal permissions, no template
#                       injection, no cache poisoning in the release workflow
#
# Run from anywhere: bash scripts/check-workflows.sh (make check runs it).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
REQUIREMENTS=scripts/workflow-tools-requirements.txt
STAMP="$VENV/.workflow-tools-stamp"

# shellcheck source=scripts/python-tools.sh
source scripts/python-tools.sh
python_tools "$REQUIREMENTS" "$STAMP"

failed=0
echo "+ actionlint"
if PATH="$PWD/$VENV/bin:$PATH" "$VENV/bin/actionlint"; then echo "ok: actionlint"; else echo "FAILED: actionlint"; failed=1; fi
echo "+ zizmor --offline .github/workflows"
if "$VENV/bin/zizmor" --offline --no-progress .github/workflows; then
    echo "ok: zizmor"
else
    echo "FAILED: zizmor"
    failed=1
fi
((failed == 0))
