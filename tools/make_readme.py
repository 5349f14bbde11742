#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb, the package's home page (nbdev's `readme_nb`).

nbdev's own `nbdev_readme` renders through Quarto, which cannot be installed on the machines this project runs
on (docs/environment.md), so this script does the same small job: markdown cells as they are, code cells that are
not `#| hide` as Python blocks followed by their outputs (Markdown outputs as Markdown, text in a block), and links
made relative to the repository root instead of nbs/.

    python tools/make_readme.py           # write README.md
    python tools/make_readme.py --check   # exit 1 if README.md is not what index.ipynb renders to
"""
from __future__ import annotations
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def _text(x) -> str: return ''.join(x) if isinstance(x, list) else (x or '')

def _from_root(md: str) -> str:
    "Links written for nbs/ (`../figures/x.png`) as the README at the root needs them (`figures/x.png`)."
    return re.sub(r'(\]\(|src=")\.\./', r'\1', md)

def _outputs(cell) -> list:
    parts = []
    for o in cell.get('outputs', []):
        data = o.get('data', {})
        if 'text/markdown' in data: parts.append(_text(data['text/markdown']).strip())
        elif o.get('output_type') == 'stream': parts.append('```\n' + _text(o.get('text')).rstrip() + '\n```')
        elif 'text/plain' in data: parts.append('```\n' + _text(data['text/plain']).rstrip() + '\n```')
    return parts

def render(nb_path: Path = ROOT / 'nbs' / 'index.ipynb') -> str:
    "README.md's text: the notebook's cells in order, hidden cells left out."
    nb, parts = json.loads(nb_path.read_text()), []
    for c in nb['cells']:
        src = _text(c['source']).strip()
        if c['cell_type'] == 'markdown': parts.append(src)
        elif c['cell_type'] == 'code' and not re.match(r'#\|\s*hide\b', src):
            shown = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
            if shown: parts.append('```python\n' + shown + '\n```')
            parts += _outputs(c)
    return _from_root('\n\n'.join(p for p in parts if p)) + '\n'

def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text, out = render(), ROOT / 'README.md'
    if '--check' in argv:
        if out.read_text() != text:
            print("README.md is not what nbs/index.ipynb renders to: edit nbs/index.ipynb, run it, then `python tools/make_readme.py`.")
            return 1
        return 0
    out.write_text(text)
    return 0

if __name__ == '__main__':
    sys.exit(main())
