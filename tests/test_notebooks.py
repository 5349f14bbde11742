"""The notebooks as files: committed in nbdev's clean form, each declaring the project's kernel, every public
function and class of an exported module shown with `show_doc` in its notebook."""
from __future__ import annotations
import ast, importlib, json, re, subprocess
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted((ROOT / 'nbs').glob('*.ipynb'))

def committed(path: Path) -> dict | None:
    "The notebook as committed at HEAD (None outside a git checkout or for a file not committed yet)."
    rel = path.relative_to(ROOT).as_posix()
    try: out = subprocess.run(['git', 'show', f'HEAD:{rel}'], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError): return None
    return json.loads(out)

@pytest.mark.parametrize('path', NBS, ids=lambda p: p.name)
def test_committed_notebook_is_clean(path):
    "What git holds is what `nbdev_clean` (and nbdev's Jupyter save hook) writes: no execution counts, no stray metadata."
    from nbdev.clean import _nbdev_clean
    nb = committed(path)
    if nb is None: pytest.skip('not a git checkout, or not committed yet')
    cleaned = json.loads(json.dumps(nb))
    _nbdev_clean(cleaned, path=None)
    assert cleaned == nb, f"{path.name} is committed in unclean form: run `.venv/bin/nbdev_clean` (make test does) and commit it"

@pytest.mark.parametrize('path', NBS + sorted((ROOT / 'figures' / 'notebooks').glob('*.ipynb')), ids=lambda p: p.name)
def test_notebook_declares_the_project_kernel(path):
    "JupyterLab opens every notebook with the environment's kernel (`python3`, registered by tools/setup_env.sh) without asking."
    ks = json.loads(path.read_text()).get('metadata', {}).get('kernelspec', {})
    assert ks.get('name') == 'python3' and ks.get('language') == 'python', f"{path.name}: kernelspec {ks}"

def _exported(path: Path):
    nb = json.loads(path.read_text())
    src = [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code']
    mod = next((m.group(1) for s in src for m in [re.search(r'^#\|\s*default_exp\s+(\S+)', s, re.M)] if m), None)
    return mod, '\n'.join(src)

@pytest.mark.parametrize('path', [p for p in NBS if _exported(p)[0]], ids=lambda p: p.name)
def test_public_symbols_have_show_doc(path):
    "A reader of the notebook (JupyterLab, a code host) sees the signature and docstring of every public function and class."
    mod, src = _exported(path)
    m = importlib.import_module(f'gmm_adaptive.{mod}')
    shown = set(re.findall(r'show_doc\(\s*([A-Za-z_]\w*)', src))
    public = [n for n in getattr(m, '__all__', []) if callable(getattr(m, n, None)) and getattr(getattr(m, n), '__module__', None) == m.__name__]
    missing = sorted(set(public) - shown)
    assert not missing, f"{path.name}: no show_doc for {', '.join(missing)}"

def test_readme_is_rendered_from_index():
    "README.md is nbs/index.ipynb rendered (nbdev's readme_nb); edit the notebook, then `python tools/make_readme.py`."
    import sys
    sys.path.insert(0, str(ROOT / 'tools'))
    try: import make_readme
    finally: sys.path.pop(0)
    assert (ROOT / 'README.md').read_text() == make_readme.render(), "README.md differs from nbs/index.ipynb: run `python tools/make_readme.py`"
