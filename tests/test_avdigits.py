"""The AV-digits benchmark notebook end to end on real FSDD recordings: a 200-recording subset (2 speakers, takes 0-9),
one seed, a few epochs, 2 worker processes. Skips cleanly without ../shared/data/fsdd (it is never committed here)."""
from __future__ import annotations
import json, shutil
from pathlib import Path
import pandas as pd
import pytest

pm = pytest.importorskip('papermill')
ROOT = Path(__file__).resolve().parents[1]
FSDD = ROOT.parent / 'shared' / 'data' / 'fsdd' / 'recordings'


@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    if not FSDD.is_dir(): pytest.skip(f"no FSDD recordings at {FSDD}")
    base = tmp_path_factory.mktemp('avdigits')
    rec = base / 'recordings'; rec.mkdir()
    for f in sorted(FSDD.glob('*.wav')):
        d, spk, take = f.stem.split('_')
        if spk in ('george', 'jackson') and int(take) < 10: shutil.copy(f, rec / f.name)
    from gmm_adaptive.data_avdigits import prepare_avdigits
    m = prepare_avdigits(rec, progress=False)
    assert m['n_recordings'] == 200, m['n_recordings']
    out = base / 'executed.ipynb'
    pm.execute_notebook(str(ROOT / 'nbs' / 'benchmark_avdigits.ipynb'), str(out), cwd=str(ROOT), kernel_name='python3',
                        progress_bar=False, parameters=dict(
                            data_root=str(rec), seeds=[0], n_epochs=4, n_warmup_epochs=2, n_rounds=2, n_jobs=2,
                            overrides={'model.width': 8}, results_dir=str(base / 'results'), figures_dir=str(base / 'figures')))
    return base


def test_benchmark_writes_table_and_suppression(bench):
    f = bench / 'figures'
    t = pd.read_csv(f / 'avdigits_table1.csv').set_index('method')
    for lab in ('Concat', 'Ours', 'Audio alone', 'Visual alone', 'Warm-up only (control)'):
        assert t.loc[lab, 'n_seeds'] == 1 and 0 <= t.loc[lab, 'ours_mean'] <= 100, lab
    assert t['paper'].isna().all()                                   # no paper number is set beside AV-digits
    md = (f / 'avdigits_table1.md').read_text()
    assert 'AV-digits' in md and 'Suppression' in md and 'Under Concat the audio modality' in md and 'linear probe' in md and 'Paired differences' in md
    s = pd.read_csv(f / 'avdigits_suppression.csv')
    assert set(s['modality']) == {'audio', 'visual'} and set(s['joint model']) >= {'Concat'}
    assert (f / 'avdigits_suppression.png').stat().st_size > 0
    meta = json.loads((f / 'avdigits_table1.json').read_text())
    assert meta['dataset'] == 'avdigits' and all(len(r['config_hash']) == 64 for r in meta['runs'])


def test_benchmark_needs_data_root(tmp_path):
    with pytest.raises(Exception, match='data_root=None'):
        pm.execute_notebook(str(ROOT / 'nbs' / 'benchmark_avdigits.ipynb'), str(tmp_path / 'x.ipynb'), cwd=str(ROOT),
                            kernel_name='python3', progress_bar=False, parameters=dict(results_dir=str(tmp_path / 'r'), figures_dir=str(tmp_path / 'f')))
