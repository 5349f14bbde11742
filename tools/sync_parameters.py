#!/usr/bin/env python
"""Write the one parameters cell (`gmm_adaptive.parameters.PARAMETERS`) into every `nbs/reproduce_*.ipynb`.

    python tools/sync_parameters.py          # rewrite the cells that differ
    python tools/sync_parameters.py --check  # exit 1 if any differs (what the parameters notebook's test checks)
"""
import sys
from pathlib import Path
from gmm_adaptive.parameters import sync_parameters_cell

ROOT = Path(__file__).resolve().parents[1]
check = '--check' in sys.argv[1:]
stale = [nb.name for nb in sorted((ROOT / 'nbs').glob('reproduce_*.ipynb')) if not sync_parameters_cell(nb, write=not check)]
print(('differs: ' if check else 'rewritten: ') + (', '.join(stale) or 'none'))
sys.exit(1 if check and stale else 0)
