#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment in .venv with the pinned versions of constraints.txt,
# install the package in editable mode with its dev tools, and register a Jupyter kernel for papermill/nbdev.
# Idempotent: a stamp file records what was installed; nothing is reinstalled while constraints, settings and
# setup.py are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 10) else "gmm-adaptive needs Python >= 3.10; set PYTHON=/path/to/python3.11")'
stamp_key=$(cat constraints.txt settings.ini setup.py pyproject.toml | sha256sum | cut -c1-16)
stamp=.venv/.installed-$stamp_key
if [ -f "$stamp" ]; then exit 0; fi
echo "setting up .venv (pinned by constraints.txt; first time takes a few minutes) ..."
[ -x .venv/bin/python ] || "$PY" -m venv .venv
quiet() { "$@" 2> >(grep -v -e "^WARNING: Location 'file:" -e 'BuildBackendWarning' >&2); }   # drop this machine's mirror notices
quiet .venv/bin/python -m pip install -q --upgrade pip
quiet .venv/bin/python -m pip install -q -c constraints.txt -e '.[dev]'
.venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (gmm-adaptive)" >/dev/null
rm -f .venv/.installed-*
touch "$stamp"
echo "environment ready: $(.venv/bin/python -c 'import torch, sklearn; print("torch", torch.__version__, "| scikit-learn", sklearn.__version__)')"
