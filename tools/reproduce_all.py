#!/usr/bin/env python
"""Run the six reproduce notebooks with papermill, tables first (they train the runs), figures after (they load them).

    python tools/reproduce_all.py                     # embedded data, smoke profile -> figures/, runs in results/
    python tools/reproduce_all.py -p dataset cremad -p data_root /data/cremad -p profile paper -p device cuda
    python tools/reproduce_all.py --dry-run           # the job list (no training): row, method, seed, run name, status

Every argument this script does not know is passed to each `papermill` call unchanged (`-p NAME VALUE`,
`-y YAML`, `-k KERNEL`, ...). The tables and figures go to the notebooks' `figures_dir` (default: figures/ in the
project root) and the executed notebooks next to them, in `<figures_dir>/notebooks/` (or --out-dir): a reader
opens the notebook that made a table and sees it, with its outputs. Prints the wall time of each notebook and the
total.

Where the runs train (the notebooks' `executor` parameter, see nbs/64_executor.ipynb): `--executor local` (the
default: in the notebook's process or `n_jobs` worker processes), `submitit-local` (one submitit job per run on
this machine) or `slurm` (one submitit job per run on a SLURM cluster), with the options `--partition`, `--gpus`
(per job), `--timeout-min`, `--cpus`, `--mem-gb`, `--array-parallelism`, `--submitit-folder` and any other
sbatch setting of submitit as `--slurm NAME=VALUE` (e.g. `--slurm account=my_lab --slurm qos=normal`). A run
that is finished (its done.json in results_dir) is loaded, never submitted; the notebook waits for the jobs and
reads their records. On a SLURM cluster, from a login node, Table 1 on the paper's protocol is one command:

    python tools/reproduce_all.py --only table1 --executor slurm --partition gpu --gpus 1 \\
        -p profile paper -p dataset cremad -p data_root /data/cremad

and adding `--dry-run` prints the jobs it would submit (notebook, row, method, seed, run name = method and config
hash, finished or to train) without submitting or training anything.
"""
from __future__ import annotations
import argparse, json, os, shutil, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ('reproduce_table1', 'reproduce_table2', 'reproduce_table3',
             'reproduce_fig2_gmm_fit', 'reproduce_fig3_gmm_evolution', 'reproduce_fig4_unimodal_acc')
EXECUTOR_FLAGS = {   # command-line option -> (executor_options key, type)
    'partition': ('partition', str), 'gpus': ('gpus_per_node', int), 'timeout_min': ('timeout_min', int),
    'cpus': ('cpus_per_task', int), 'mem_gb': ('mem_gb', float), 'array_parallelism': ('array_parallelism', int),
    'submitit_folder': ('folder', str)}

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

def papermill_parameters(passthrough: list) -> dict:
    "The parameters papermill would inject from these arguments (-b, -f, -y, -p, -r, in papermill's order and typing)."
    import base64, yaml
    from papermill.cli import _resolve_type
    from papermill.iorw import NoDatesSafeLoader, read_yaml_file
    ap = argparse.ArgumentParser(add_help=False)
    for short, long, n in (('-p', '--parameters', 2), ('-r', '--parameters_raw', 2), ('-f', '--parameters_file', None),
                           ('-y', '--parameters_yaml', None), ('-b', '--parameters_base64', None)):
        ap.add_argument(short, long, nargs=n, action='append', default=[])
    a, _ = ap.parse_known_args(passthrough)
    out = {}
    for b in a.parameters_base64: out.update(yaml.load(base64.b64decode(b), Loader=NoDatesSafeLoader) or {})
    for f in a.parameters_file: out.update(read_yaml_file(f) or {})
    for y in a.parameters_yaml: out.update(yaml.load(y, Loader=NoDatesSafeLoader) or {})
    for name, value in a.parameters: out[name] = _resolve_type(value)
    for name, value in a.parameters_raw: out[name] = value
    return out

def executor_arguments(args, ap) -> list:
    "The papermill arguments (`-p executor ...`, `-p executor_options {...}`) of --executor and its options; checked first."
    opts = {key: typ(getattr(args, flag)) for flag, (key, typ) in EXECUTOR_FLAGS.items() if getattr(args, flag) is not None}
    for item in args.slurm or []:
        name, eq, value = item.partition('=')
        if not eq or not name: ap.error(f"--slurm {item!r}: pass NAME=VALUE, e.g. --slurm account=my_lab")
        try: value = json.loads(value)
        except ValueError: pass                  # a plain word stays a string
        opts[name if name.startswith('slurm_') else f'slurm_{name}'] = value
    if args.executor is None:
        if opts: ap.error(f"executor options ({', '.join(sorted(opts))}) need --executor submitit-local or slurm")
        return []
    from gmm_adaptive.executor import check_executor      # the notebooks' own check: a bad name or option fails here
    try: check_executor(args.executor, opts)
    except ValueError as e: ap.error(f"--executor {args.executor}: {e}")
    return ['-p', 'executor', args.executor, *(['-p', 'executor_options', json.dumps(opts)] if opts else [])]

def dry_run(names: list, passthrough: list) -> int:
    "Print each notebook's jobs (row, method, seed, run name, finished or to train) as the notebooks would plan them; train nothing."
    from gmm_adaptive.parameters import setup_from_parameters
    from gmm_adaptive.plans import NOTEBOOK_ROWS, plan_runs
    from gmm_adaptive.executor import plan_jobs
    params = papermill_parameters(passthrough)
    first, setup = {}, None
    for n in names:
        try: setup = setup_from_parameters(dict(params), extra=('adam_lr',) if n == 'reproduce_table3' else ())
        except (ValueError, FileNotFoundError, PermissionError) as e: sys.exit(f"reproduce_all --dry-run: {n}: {e}")
        jobs = plan_jobs(setup, plan_runs(setup, NOTEBOOK_ROWS[n](setup)))
        if n == names[0]:
            print(f"dry run: nothing is trained or submitted; results_dir={setup.results_dir}; executor {setup.executor}"
                  + (f" {json.dumps(setup.executor_options)}" if setup.executor_options else ''))
        print(f"\n{n}: {len(jobs)} runs, {sum(j['finished'] for j in jobs)} finished, {sum(not j['finished'] for j in jobs)} to train"
              f" -- {setup.label}")
        width = max([len(j['row']) for j in jobs] + [3])
        print(f"  {'row':{width}s}  {'method':10s} {'seed':>4s}  {'run_name (method-config hash)':30s}  status")
        for j in jobs:
            status = ('finished' if j['finished'] else
                      f"to train (by {first[j['run_name']]})" if j['run_name'] in first else 'to train')
            first.setdefault(j['run_name'], n)
            print(f"  {j['row']:{width}s}  {j['method']:10s} {j['seed']:4d}  {j['run_name']:30s}  {status}")
    done = [r for r in first if (setup.results_dir / r / 'done.json').exists()]
    todo = len(first) - len(done)
    how = f" as {todo} {setup.executor} job(s)" if setup.executor != 'local' else ''
    print(f"\ntotal: {len(first)} distinct runs in {len(names)} notebook(s): {len(done)} finished (loaded), {todo} to train{how}")
    return 0

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], epilog='Other arguments go to papermill unchanged.')
    ap.add_argument('--out-dir', default=None,
                    help='where the executed notebooks are written (default: <figures_dir>/notebooks, i.e. figures/notebooks)')
    ap.add_argument('--only', nargs='+', metavar='NAME', help='run only these notebooks (e.g. table2 fig3)')
    ap.add_argument('--log-output', action='store_true', help="stream the notebooks' output (papermill --log-output)")
    ap.add_argument('--keep-going', action='store_true', help='run the remaining notebooks after one fails')
    ap.add_argument('--dry-run', action='store_true',
                    help='print the job list (notebook, row, method, seed, run name with config hash, finished or to train); train nothing')
    ex = ap.add_argument_group('where the runs train (the notebooks\' executor and executor_options parameters)')
    ex.add_argument('--executor', metavar='NAME', help="local (default), submitit-local or slurm")
    ex.add_argument('--partition', help='SLURM partition')
    ex.add_argument('--gpus', type=int, help='GPUs per job (one run per job)')
    ex.add_argument('--timeout-min', type=int, help='time limit of each job in minutes (default 1440)')
    ex.add_argument('--cpus', type=int, help='CPU cores per SLURM job')
    ex.add_argument('--mem-gb', type=float, help='memory per SLURM job, GB')
    ex.add_argument('--array-parallelism', type=int, help='at most this many SLURM jobs at once')
    ex.add_argument('--submitit-folder', help="submitit's job files and logs (default: <results_dir>/submitit)")
    ex.add_argument('--slurm', action='append', metavar='NAME=VALUE',
                    help="any other setting of submitit's SlurmExecutor, e.g. account=my_lab, qos=normal, "
                         "additional_parameters='{\"reservation\": \"x\"}' (repeatable)")
    args, passthrough = ap.parse_known_args(argv)
    names = list(NOTEBOOKS)
    if args.only:
        names = [n for n in NOTEBOOKS if any(n == o or n == f'reproduce_{o}' or n.startswith(f'reproduce_{o}') for o in args.only)]
        if not names: ap.error(f"--only {' '.join(args.only)} matches none of {', '.join(NOTEBOOKS)}")
    passthrough = [*passthrough, *executor_arguments(args, ap)]
    if args.dry_run: return dry_run(names, passthrough)
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
