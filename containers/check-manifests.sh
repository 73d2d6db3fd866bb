#!/usr/bin/env bash
# Validates containers/manifests offline (no cluster, no network beyond PyPI on the
# first run, to fill .venv):
#   1. kubernetes-validate --strict: the ConfigMap, Deployments, Services,
#      HorizontalPodAutoscalers and the Ingress against the Kubernetes API schemas;
#   2. containers/validate_knative.py: the Knative Services against Knative Serving's
#      CRD schemas (strict) and the rules of Knative's admission webhook.
# That the files are what template.yml generates is a test (containers/tests/manifests.rs).
#
# Run from the repository root: bash containers/check-manifests.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
REQUIREMENTS=containers/python-requirements.txt
STAMP="$VENV/.containers-requirements-stamp"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/python" ]]; then
  "$PYTHON" -m venv "$VENV"
fi
if [[ ! -f "$STAMP" ]] || ! cmp -s "$REQUIREMENTS" "$STAMP"; then
  echo "+ $VENV/bin/pip install -q -r $REQUIREMENTS"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" "$STAMP"
fi

shopt -s nullglob
core=(containers/manifests/config.yaml containers/manifests/kubernetes/*.yaml)
knative=(containers/manifests/knative/*.yaml)
if ((${#core[@]} < 2 || ${#knative[@]} == 0)); then
  echo "containers/manifests is incomplete: run make manifests" >&2
  exit 1
fi
echo "+ kubernetes-validate --strict ${core[*]}"
"$VENV/bin/kubernetes-validate" --strict --quiet "${core[@]}"
echo "ok: ${#core[@]} Kubernetes manifest files"
echo "+ validate_knative.py ${knative[*]}"
"$VENV/bin/python" containers/validate_knative.py "${knative[@]}"
