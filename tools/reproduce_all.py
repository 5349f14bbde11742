#!/usr/bin/env python
"""Run the six reproduce notebooks with papermill, tables first (they train the runs), figures after (they load them).

    python tools/reproduce_all.py                     # embedded data, smoke profile -> figures/, runs in results/
    python tools/reproduce_all.py -p dataset cremad -p data_root /data/cremad -p profile paper -p device cuda

Every argument this script does not know is passed to each `papermill` call unchanged (`-p NAME VALUE`,
`-y YAML`, `-k KERNEL`, ...). The tables and figures go to the notebooks' `figures_dir` (default: figures/ in the
project root) and the executed notebooks next to them, in `<figures_dir>/notebooks/` (or --out-dir): a reader
opens the notebook that made a table and sees it, with its outputs. Prints the wall time of each notebook and the
total.
"""
from __future__ import annotations
import argparse, os, shutil, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ('reproduce_table1', 'reproduce_table2', 'reproduce_table3',
             'reproduce_fig2_gmm_fit', 'reproduce_fig3_gmm_evolution', 'reproduce_fig4_unimodal_acc')

def papermill_exe() -> str:
    "The papermill next to this Python (the project's virtualenv), else the one on PATH."
    here = Path(sys.executable).parent / 'papermill'
    found = str(here) if here.exists() else shutil.which('papermill')
    if not found: sys.exit("reproduce_all: papermill is not installed here; `pip install papermill` (see README).")
    return found

def figures_dir(passthrough: list) -> Path:
    "The `figures_dir` the notebooks will write to: the value of `-p figures_dir D` if given, else figures/ (relative to the root)."
    for i, a in enumerate(passthrough[:-2]):
        if a in ('-p', '--parameters') and passthrough[i + 1] == 'figures_dir':
            d = Path(passthrough[i + 2]).expanduser()
            return d if d.is_absolute() else ROOT / d
    return ROOT / 'figures'

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], epilog='Other arguments go to papermill unchanged.')
    ap.add_argument('--out-dir', default=None,
                    help='where the executed notebooks are written (default: <figures_dir>/notebooks, i.e. figures/notebooks)')
    ap.add_argument('--only', nargs='+', metavar='NAME', help='run only these notebooks (e.g. table2 fig3)')
    ap.add_argument('--log-output', action='store_true', help="stream the notebooks' output (papermill --log-output)")
    ap.add_argument('--keep-going', action='store_true', help='run the remaining notebooks after one fails')
    args, passthrough = ap.parse_known_args(argv)
    names = list(NOTEBOOKS)
    if args.only:
        names = [n for n in NOTEBOOKS if any(n == o or n == f'reproduce_{o}' or n.startswith(f'reproduce_{o}') for o in args.only)]
        if not names: ap.error(f"--only {' '.join(args.only)} matches none of {', '.join(NOTEBOOKS)}")
    out = Path(args.out_dir) if args.out_dir else figures_dir(passthrough) / 'notebooks'
    out.mkdir(parents=True, exist_ok=True)
    pm = papermill_exe()
    env = {**os.environ, 'PATH': f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    print(f"running {len(names)} notebook(s) from {ROOT}; executed copies -> {out}"
          + (f"; papermill arguments: {' '.join(passthrough)}" if passthrough else ' (defaults: embedded data, smoke profile)'), flush=True)
    t_all, times, failed = time.time(), {}, []
    for n in names:
        cmd = [pm, str(ROOT / 'nbs' / f'{n}.ipynb'), str(out / f'{n}.ipynb'), '--cwd', str(ROOT), '--no-progress-bar',
               *(['--log-output'] if args.log_output else []), *passthrough]
        t0 = time.time()
        rc = subprocess.call(cmd, cwd=ROOT, env=env)
        times[n] = time.time() - t0
        print(f"{n:32s} {times[n]:7.1f} s  {'ok' if rc == 0 else 'FAILED (exit %d; see %s)' % (rc, out / (n + '.ipynb'))}", flush=True)
        if rc:
            failed.append(n)
            if not args.keep_going: break
    total = time.time() - t_all
    print(f"{'total':32s} {total:7.1f} s  ({total / 60:.1f} min, {len(names) - len(failed)} of {len(names)} notebooks ok)", flush=True)
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(main())
