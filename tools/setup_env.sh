#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment in .venv with the pinned versions of constraints.txt,
# install the package in editable mode with its dev tools, and register a Jupyter kernel for papermill/nbdev.
# Idempotent: a stamp file records what was installed; nothing is reinstalled while constraints, settings and
# setup.py are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 10) else "gmm-adaptive needs Python >= 3.10; set PYTHON=/path/to/python3.11")'
stamp_key=$(cat constraints.txt settings.ini setup.py pyproject.toml tools/setup_env.sh | sha256sum | cut -c1-16)
stamp=.venv/.installed-$stamp_key
if [ -f "$stamp" ]; then exit 0; fi
echo "setting up .venv (pinned by constraints.txt; first time takes a few minutes) ..."
[ -x .venv/bin/python ] || "$PY" -m venv .venv
quiet() { "$@" 2> >(grep -v -e "^WARNING: Location 'file:" -e 'BuildBackendWarning' >&2); }   # drop this machine's mirror notices
quiet .venv/bin/python -m pip install -q --upgrade pip
quiet .venv/bin/python -m pip install -q -c constraints.txt -e '.[dev]'
.venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (gmm-adaptive)" >/dev/null
# nbdev's hooks, installed for this project only (nothing is written to ~/.jupyter): the Jupyter server of this
# environment cleans a notebook each time it saves it (nbdev.clean.clean_jupyter, switched on by `jupyter_hooks = True`
# in settings.ini), so opening or running a notebook leaves no metadata diff; git merges notebooks with nbdev_merge
# (.gitconfig, .gitattributes).
mkdir -p .venv/etc/jupyter
if ! grep -q nbdev_clean_jupyter .venv/etc/jupyter/jupyter_server_config.py 2>/dev/null; then
  cat >> .venv/etc/jupyter/jupyter_server_config.py <<'PY'
def nbdev_clean_jupyter(**kwargs):
    try: from nbdev.clean import clean_jupyter
    except ModuleNotFoundError: return
    clean_jupyter(**kwargs)

c.ContentsManager.pre_save_hook = nbdev_clean_jupyter
PY
fi
if git rev-parse --git-dir >/dev/null 2>&1; then git config --local include.path ../.gitconfig; fi
rm -f .venv/.installed-*
touch "$stamp"
echo "environment ready: $(.venv/bin/python -c 'import torch, sklearn; print("torch", torch.__version__, "| scikit-learn", sklearn.__version__)')"
