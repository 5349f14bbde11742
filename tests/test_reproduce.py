"""The six reproduce notebooks through papermill, with tiny parameters (CPU, about 3 minutes in all).

Checks what the notebooks write: the expected rows and columns, no NaN where a result is expected, values in
range, the "reported, not rerun" marking of methods the package does not implement, runs shared between
notebooks, a second run that loads the records instead of training, and bad parameters failing before training.
"""
from __future__ import annotations
import ast, json, math, subprocess, sys, time
from pathlib import Path
import numpy as np
import pandas as pd
import pytest

pm = pytest.importorskip('papermill')
ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
ORDER = ('reproduce_table1', 'reproduce_table2', 'reproduce_table3',
         'reproduce_fig2_gmm_fit', 'reproduce_fig3_gmm_evolution', 'reproduce_fig4_unimodal_acc')
TINY = {'seeds': [0], 'n_epochs': 4, 'n_warmup_epochs': 2, 'n_rounds': 2, 'n_jobs': 1,
        'overrides': {'data.n_train': 240, 'data.n_val': 120, 'data.n_test': 120, 'model.width': 16}}
PAPER_T1 = ['Concat', 'G-Blending', 'OGM-GE', 'Greedy', 'PMR', 'AGM', 'MLA', 'D&R', 'OPM&OGM', 'Ours']
EXTRA_T1 = ['mmcosine', 'mmpareto', 'ogm', 'opm', 'Audio alone', 'Visual alone']   # rows we rerun that are not rows of the paper's table
CONTROLS_T1 = ['Concat + unimodal CE (control)', 'Warm-up only (control)']
RERUN_T1 = PAPER_T1 + EXTRA_T1 + CONTROLS_T1
ACC_COLS = ['ours_mean', 'ours_audio_mean', 'ours_visual_mean', 'ours_last_mean', 'ours_best_test_mean',
            # end-of-run numbers of the val-selected checkpoint (end_eval): linear probes and missing-modality accuracies
            'ours_probe_audio_mean', 'ours_probe_visual_mean', 'ours_no_audio_mean', 'ours_no_audio_zero_mean',
            'ours_no_visual_mean', 'ours_no_visual_zero_mean']


def execute(name, out_dir, **params):
    "Run nbs/<name>.ipynb with papermill from the project root; return the executed notebook's path."
    out = Path(out_dir) / f'{name}.ipynb'
    pm.execute_notebook(str(NBS / f'{name}.ipynb'), str(out), parameters=params, cwd=str(ROOT),
                        kernel_name='python3', progress_bar=False)
    return out


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    "All six notebooks run once, in the README's order, on one tiny results_dir (table 1 with 2 worker processes)."
    base = tmp_path_factory.mktemp('reproduce')
    res, fig, out = base / 'results', base / 'figures', base / 'executed'
    out.mkdir()
    times = {}
    for name in ORDER:
        t0 = time.time()
        execute(name, out, **{**TINY, 'results_dir': str(res), 'figures_dir': str(fig), **({'n_jobs': 2} if name == 'reproduce_table1' else {})})
        times[name] = time.time() - t0
    return {'base': base, 'results': res, 'figures': fig, 'executed': out, 'times': times}


def read_table(tiny, stem):
    f = tiny['figures']
    assert (f / f'{stem}.csv').exists() and (f / f'{stem}.md').exists() and (f / f'{stem}.json').exists(), sorted(p.name for p in f.iterdir())
    return pd.read_csv(f / f'{stem}.csv'), (f / f'{stem}.md').read_text(), json.loads((f / f'{stem}.json').read_text())


def check_results(df, first_col, rerun):
    "Rerun rows: one seed, every accuracy a finite percentage; the paper columns as documented."
    d = df.set_index(first_col)
    for lab in rerun:
        assert d.loc[lab, 'n_seeds'] == 1, lab
        vals = d.loc[lab, ACC_COLS].astype(float)
        assert vals.notna().all() and ((vals >= 0) & (vals <= 100)).all(), (lab, vals)
        assert d.loc[lab, 'ours_std'] == 0.0
        assert d.loc[lab, 'status'].startswith('rerun')
    for col in ('status', 'config', 'paper_dataset'): assert df[col].notna().all()
    assert set(df['paper_dataset']) == {'cremad'}


def test_notebooks_are_papermill_ready():
    "Each notebook: python3 kernelspec, a tagged parameters cell whose defaults are the embedded data, smoke profile, 3 seeds."
    for name in ORDER:
        nb = json.loads((NBS / f'{name}.ipynb').read_text())
        assert nb['metadata']['kernelspec']['name'] == 'python3', name
        params = pm.inspect_notebook(str(NBS / f'{name}.ipynb'))
        defaults = {k: ast.literal_eval(v['default']) for k, v in params.items()}
        assert (defaults['dataset'], defaults['profile'], defaults['seeds'], defaults['device']) == \
               ('synthetic', 'smoke', [0, 1, 2], 'auto'), (name, defaults)
        assert defaults['results_dir'] is None and defaults['figures_dir'] is None   # None: results/ and figures/ of the project
        for k in ('data_root', 'results_dir', 'figures_dir', 'n_epochs', 'n_rounds', 'alpha', 'beta', 'gamma', 'overrides'):
            assert k in params, (name, k)
    assert 'adam_lr' in pm.inspect_notebook(str(NBS / 'reproduce_table3.ipynb'))


def test_table1(tiny):
    "Every row of the paper's Table 1 is rerun (none 'reported, not rerun'), then the other methods, then the controls."
    df, md, meta = read_table(tiny, 'table1_main')
    assert list(df['method']) == RERUN_T1
    for c in ('method', 'ours_mean', 'ours_std', 'n_seeds', 'paper', 'diff', 'status', 'ours_audio_mean', 'ours_visual_mean', 'cost_vs_concat'):
        assert c in df.columns, c
    check_results(df, 'method', RERUN_T1)
    d = df.set_index('method')
    assert 'reported, not rerun' not in md and (d.loc[PAPER_T1, 'paper'].notna()).all()
    assert all(d.loc[m, 'status'] == "rerun (not in the paper's Table 1)" for m in EXTRA_T1)
    assert d.loc['Concat', 'cost_vs_concat'] == 1.0 and (d['cost_vs_concat'] > 0).all()
    assert 'Methods: ' in md and 'pmr: ' in md and 'gmm: ' in md         # every method's coefficients beside the numbers
    assert '### Beyond the paper: linear probes and missing modalities' in md and '| Ours | ' in md.split('### Beyond the paper')[1]
    assert d.loc['Ours', 'paper'] == 80.65 and math.isclose(d.loc['Ours', 'diff'], d.loc['Ours', 'ours_mean'] - 80.65, abs_tol=1e-3)
    assert "NOT the paper's datasets" in md and 'profile smoke' in md and 'seeds 0' in md
    assert 'control, not in the paper' in d.loc['Warm-up only (control)', 'status']
    assert len(meta['runs']) == len(RERUN_T1) and all(len(r['config_hash']) == 64 for r in meta['runs'])
    assert meta['device'] == 'cpu' and 'torch' in meta['versions'] and 'commit' in meta['git']
    assert all(r['trained_now'] for r in meta['runs'])


def test_table2_shares_runs_with_tables_1_and_3(tiny):
    df, md, meta = read_table(tiny, 'table2_ablation')
    assert list(df['variant']) == ['Full', 'w/o alpha', 'w/o beta', 'w/o gamma', 'w/o GMM', 'Warm-up only (control)']
    check_results(df, 'variant', list(df['variant']))
    d = df.set_index('variant')
    assert d.loc['w/o alpha', 'paper'] == 76.88 and d.loc['Full', 'ours_delta_ref'] == 0.0
    assert 'alpha=0.0' in d.loc['w/o alpha', 'config'] and 'use_gmm=False' in d.loc['w/o GMM', 'config']
    t1 = pd.read_csv(tiny['figures'] / 'table1_main.csv').set_index('method')
    t3 = pd.read_csv(tiny['figures'] / 'table3_optimizer.csv').set_index('variant')
    assert d.loc['Full', 'run_names'] == t1.loc['Ours', 'run_names'] == t3.loc['SGD, reset', 'run_names']
    assert d.loc['Full', 'ours_mean'] == t1.loc['Ours', 'ours_mean']
    # the shared runs were loaded, not trained again: Full and the warm-up-only control came from Table 1
    trained = {r['row']: r['trained_now'] for r in meta['runs']}
    assert trained['Full'] is False and trained['Warm-up only (control)'] is False and trained['w/o alpha'] is True


def test_table3(tiny):
    df, md, meta = read_table(tiny, 'table3_optimizer')
    assert list(df['variant']) == ['SGD, reset', 'Adam, reset', 'SGD, shared state', 'Adam, shared state']
    check_results(df, 'variant', list(df['variant']))
    d = df.set_index('variant')
    assert 'train.optimizer=adam' in d.loc['Adam, reset', 'config'] and 'train.lr=0.001' in d.loc['Adam, reset', 'config']
    assert 'reset_optimizer=False' in d.loc['Adam, shared state', 'config']
    assert 'Adam 0.001' in md and d.loc['Adam, shared state', 'paper'] == 75.67


def test_figures(tiny):
    f = tiny['figures']
    for stem in ('fig2_gmm_fit', 'fig3_gmm_rounds', 'fig4_unimodal_acc'):
        for ext in ('png', 'pdf', 'csv', 'md', 'json'):
            assert (f / f'{stem}.{ext}').stat().st_size > 200, (stem, ext)
        assert (f / f'{stem}.png').read_bytes()[:4] == b'\x89PNG' and (f / f'{stem}.pdf').read_bytes()[:4] == b'%PDF'
        md = (f / f'{stem}.md').read_text()
        assert 'What it shows' in md and "NOT the paper's datasets" in md
    fig2 = pd.read_csv(f / 'fig2_gmm_fit.csv')
    assert list(fig2['seed']) == [0] and np.allclose(fig2['weight_balanced'] + fig2['weight_imbalanced'], 1)
    assert fig2['auroc_flags'].between(0, 1).all() and fig2['share_flagged'].between(0.05, 0.3).all()
    fig3 = pd.read_csv(f / 'fig3_gmm_rounds.csv')
    assert list(fig3['fit']) == ['round 1', 'round 2', 'final']          # 2 rounds + the fit after the last epoch
    key = ['weight_balanced', 'weight_imbalanced', 'mean_balanced', 'mean_imbalanced', 'density_at_0', 'mean_abs_gap']
    assert fig3[key].notna().all().all() and (fig3['density_at_0'] > 0).all() and fig3[['mean_balanced', 'mean_imbalanced']].abs().le(1).all().all()
    fig4 = pd.read_csv(f / 'fig4_unimodal_acc.csv')
    assert sorted(set(fig4['row'])) == ['Concat', 'Ours', 'Warm-up only (control)'] and list(fig4.loc[fig4.row == 'Ours', 'epoch']) == [0, 1, 2, 3]
    acc = fig4[['val_acc_mean', 'val_acc_audio_mean', 'val_acc_visual_mean']]
    assert acc.notna().all().all() and ((acc >= 0) & (acc <= 100)).all().all()
    assert list(fig4.loc[fig4.row == 'Ours', 'phase']) == ['warm-up', 'warm-up', 'adaptive', 'adaptive']
    assert set(fig4.loc[fig4.row == 'Concat', 'phase']) == {'no phases'}
    md4 = (f / 'fig4_unimodal_acc.md').read_text()
    assert 'the unimodal accuracy the paper reports' in md4 and 'visual head ' in md4 and 'probe -' not in md4, md4
    # the figure notebooks trained nothing: Table 1 had trained Ours and Concat
    for stem in ('fig2_gmm_fit', 'fig3_gmm_rounds', 'fig4_unimodal_acc'):
        assert not any(r['trained_now'] for r in json.loads((f / f'{stem}.json').read_text())['runs'])


def test_second_run_reuses_the_records(tiny):
    "Table 2 again (fresh figures_dir, same results_dir): every run is loaded, no run directory is touched."
    done = {p: p.stat().st_mtime_ns for p in tiny['results'].glob('*/done.json')}
    hist = {p: p.stat().st_mtime_ns for p in tiny['results'].glob('*/history.csv')}
    fig2 = tiny['base'] / 'figures_again'
    t0 = time.time()
    execute('reproduce_table2', tiny['executed'], **TINY, results_dir=str(tiny['results']), figures_dir=str(fig2))
    meta = json.loads((fig2 / 'table2_ablation.json').read_text())
    assert len(meta['runs']) == 6 and not any(r['trained_now'] for r in meta['runs'])
    assert {p: p.stat().st_mtime_ns for p in tiny['results'].glob('*/done.json')} == done
    assert {p: p.stat().st_mtime_ns for p in tiny['results'].glob('*/history.csv')} == hist
    a, b = pd.read_csv(fig2 / 'table2_ablation.csv'), pd.read_csv(tiny['figures'] / 'table2_ablation.csv')
    pd.testing.assert_frame_equal(a, b)
    assert time.time() - t0 < tiny['times']['reproduce_table2']


@pytest.mark.parametrize('params, message', [
    ({'dataset': 'kinetics'}, "dataset='kinetics' is not known"),
    ({'seed': 3}, 'unknown parameter seed'),
])
def test_bad_parameters_fail_in_the_first_cell(tmp_path, params, message):
    "A wrong value stops in the config cell with the parameter's name; nothing is trained."
    with pytest.raises(pm.PapermillExecutionError, match=message) as e:
        execute('reproduce_table2', tmp_path, **params, results_dir=str(tmp_path / 'r'), figures_dir=str(tmp_path / 'f'))
    assert e.value.exec_count <= 3      # cell 1 = the imports in the config cell ... never the training cell
    assert not (tmp_path / 'r').exists() or not any((tmp_path / 'r').iterdir())


def reproduce_all(argv, capsys):
    "tools/reproduce_all.py's main in this process: (exit code, stdout, stderr)."
    sys.path.insert(0, str(ROOT / 'tools'))
    try: import reproduce_all as tool
    finally: sys.path.pop(0)
    try: rc = tool.main(argv)
    except SystemExit as e: rc = e.code
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_dry_run_lists_the_jobs_and_trains_nothing(tmp_path, capsys):
    "--dry-run prints each notebook's runs (row, method, seed, run name with its config hash, status) and trains nothing."
    from gmm_adaptive.parameters import setup_from_parameters
    from gmm_adaptive.plans import table2_rows, plan_runs
    from gmm_adaptive.config import config_hash
    res = tmp_path / 'r'
    rc, out, err = reproduce_all(['--dry-run', '--only', 'table2', 'fig4', '--executor', 'submitit-local', '--timeout-min', '30',
                                  '-p', 'seeds', '0,1', '-p', 'results_dir', str(res),
                                  '-p', 'figures_dir', str(tmp_path / 'f')], capsys)
    assert rc == 0, out + err
    assert 'nothing is trained or submitted' in out and 'executor submitit-local {"timeout_min": 30}' in out, out
    s = setup_from_parameters({'seeds': [0, 1], 'results_dir': str(res), 'figures_dir': str(tmp_path / 'f')})
    plan = plan_runs(s, table2_rows(s))
    assert len(plan) == 12
    for p in plan:   # the notebook's own plan: every run listed, by row, with its config hash, to train
        assert p.run_name == f"{p.config.method.name}-{config_hash(p.config)[:10]}"
        assert any(line.strip().startswith(p.row.label) and f' {p.run_name} ' in line and line.endswith(' to train') for line in out.splitlines()), (p.run_name, out)
    fig4 = out[out.index('reproduce_fig4_unimodal_acc'):]
    assert fig4.count('to train (by reproduce_table2)') == 4 and fig4.count(' to train\n') == 2   # Ours and the control are Table 2's; Concat is new
    assert out.strip().splitlines()[-1] == 'total: 14 distinct runs in 2 notebook(s): 0 finished (loaded), 14 to train as 14 submitit-local job(s)'
    assert not any(res.iterdir())                 # no run directory, no submitit folder


@pytest.mark.parametrize('argv, message', [
    (['--executor', 'slrum'], "--executor slrum: executor='slrum' is not known; choose one of 'local', 'submitit-local', 'slurm'"),
    (['--partition', 'gpu'], 'executor options (partition) need --executor submitit-local or slurm'),
    (['--executor', 'submitit-local', '--partition', 'gpu'], "'partition' applies to executor='slurm' only"),
])
def test_reproduce_all_bad_executor_fails_naming_it(tmp_path, capsys, argv, message):
    "A wrong executor or option stops the tool before any notebook starts, naming the option."
    rc, out, err = reproduce_all([*argv, '--dry-run', '-p', 'results_dir', str(tmp_path / 'r')], capsys)
    assert rc == 2 and message in err and 'running' not in out, err
    assert not (tmp_path / 'r').exists()


def test_reproduce_all_tool(tiny):
    "tools/reproduce_all.py passes papermill arguments through and prints the time of each notebook and the total."
    fig = tiny['base'] / 'figures_tool'
    cmd = [sys.executable, str(ROOT / 'tools' / 'reproduce_all.py'), '--only', 'fig2', '--out-dir', str(tiny['base'] / 'tool'),
           '-p', 'seeds', '0', '-p', 'n_epochs', '4', '-p', 'n_warmup_epochs', '2', '-p', 'n_rounds', '2', '-p', 'n_jobs', '1',
           '-p', 'overrides', json.dumps(TINY['overrides']), '-p', 'results_dir', str(tiny['results']), '-p', 'figures_dir', str(fig)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'reproduce_fig2_gmm_fit' in r.stdout and ' ok' in r.stdout and 'total' in r.stdout, r.stdout
    assert (fig / 'fig2_gmm_fit.png').exists() and (tiny['base'] / 'tool' / 'reproduce_fig2_gmm_fit.ipynb').exists()
    assert not any(x['trained_now'] for x in json.loads((fig / 'fig2_gmm_fit.json').read_text())['runs'])


def test_dry_run_on_finished_runs(tiny, capsys):
    "After the notebooks, --dry-run on their results lists exactly the runs they published, every one finished."
    argv = ['--dry-run', '-p', 'seeds', '0', '-p', 'n_epochs', '4', '-p', 'n_warmup_epochs', '2', '-p', 'n_rounds', '2',
            '-p', 'overrides', json.dumps(TINY['overrides']), '-p', 'results_dir', str(tiny['results']), '-p', 'figures_dir', str(tiny['base'] / 'f_dry')]
    rc, out, err = reproduce_all(argv, capsys)
    assert rc == 0, out + err
    published = {r['run_name'] for f in tiny['figures'].glob('*.json') for r in json.loads(f.read_text()).get('runs', [])}
    listed = {line.split()[-2] for line in out.splitlines() if line.endswith(' finished')}
    jobs_to_train = [l for l in out.splitlines() if not l.startswith(('reproduce_', 'total:')) and (l.endswith(' to train') or ' to train (by ' in l)]
    assert listed == published and not jobs_to_train, out
    assert out.strip().splitlines()[-1] == f'total: {len(published)} distinct runs in 6 notebook(s): {len(published)} finished (loaded), 0 to train'
