#!/usr/bin/env bash
# Sourced by the check scripts: `python_tools REQUIREMENTS STAMP` makes .venv (with
# $PYTHON, python3 by default) and installs REQUIREMENTS into it, again only when the
# file differs from its copy at STAMP.

python_tools() {
    local requirements=$1 stamp=$2 venv=.venv python="${PYTHON:-python3}"
    if [[ ! -x "$venv/bin/python" ]]; then
        echo "+ $python -m venv $venv"
        "$python" -m venv "$venv"
    fi
    if [[ ! -f "$stamp" ]] || ! cmp -s "$requirements" "$stamp"; then
        echo "+ $venv/bin/pip install -q -r $requirements"
        "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
        cp "$requirements" "$stamp"
    fi
}
