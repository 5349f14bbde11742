"End-to-end tests of the `gmm-adaptive train` console script, run as a user runs it (a subprocess)."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent / 'gmm-adaptive'
TINY = ['--method', 'gmm', '--epochs', '5', '--warmup-epochs', '1', '--rounds', '2', '--no-progress',
        '--set', 'data.n_train=120', '--set', 'data.n_val=60', '--set', 'data.n_test=60',
        '--set', 'model.width=8', '--set', 'model.feature_dim=16', '--device', 'cpu']

def cli(*args, **kw):
    return subprocess.run([str(BIN), 'train', *args], capture_output=True, text=True, timeout=300, **kw)

def test_train_prints_rounds_metrics_and_reuses_a_finished_run(tmp_path):
    r = cli(*TINY, '--results-dir', str(tmp_path))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for s in ('warm-up 1 + 2 rounds x 2', 'round 1/2 (epoch 1): ', 'round 2/2 (epoch 3): ', 'final (epoch 5)',
              'test accuracy, checkpoint selected on validation', 'test accuracy, last epoch',
              'best over epochs (selected on test, optimistic)', 'wall time', 'run directory'):
        assert s in out, (s, out)
    run_dir = Path(out.strip().splitlines()[-1].split('run directory ')[-1])
    assert {'config.json', 'history.csv', 'gmm_rounds.json', 'gaps.npz', 'metrics.json', 'last.pt', 'best.pt', 'done.json'} <= {p.name for p in run_dir.iterdir()}
    m = json.loads((run_dir / 'metrics.json').read_text())
    assert 0 <= m['test_acc'] <= 1 and m['n_epochs'] == 5
    before = (run_dir / 'history.csv').stat().st_mtime_ns
    again = cli(*TINY, '--results-dir', str(tmp_path))
    assert again.returncode == 0 and 'already finished' in again.stdout
    assert f"{100 * m['test_acc']:6.2f}" in again.stdout
    assert (run_dir / 'history.csv').stat().st_mtime_ns == before

def test_interrupted_run_resumes_to_the_same_metrics(tmp_path):
    args = [*TINY[:2], '--epochs', '9', '--warmup-epochs', '1', '--rounds', '2', *TINY[8:]]
    ref = cli(*args, '--results-dir', str(tmp_path / 'ref'))
    assert ref.returncode == 0, ref.stderr
    p = subprocess.Popen([str(BIN), 'train', *args, '--results-dir', str(tmp_path / 'cut')], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    while time.time() < deadline:   # interrupt once at least three epochs are checkpointed
        hist = list((tmp_path / 'cut').glob('*/history.csv'))
        if hist and len(hist[0].read_text().splitlines()) >= 4: break
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130 and 'run the same command again to resume' in err, (p.returncode, err)
    run_dir = next((tmp_path / 'cut').iterdir())
    assert not (run_dir / 'done.json').exists() and (run_dir / 'last.pt').exists()
    resumed = cli(*args, '--results-dir', str(tmp_path / 'cut'))
    assert resumed.returncode == 0, resumed.stderr
    a = json.loads(next((tmp_path / 'ref').glob('*/metrics.json')).read_text())
    b = json.loads((run_dir / 'metrics.json').read_text())
    for k in ('test_acc', 'test_acc_last', 'test_acc_best_test', 'selected_epoch', 'test_acc_visual', 'auroc_flags_warmup'):
        assert a[k] == b[k], (k, a[k], b[k])

@pytest.mark.parametrize('args,msg', [(['--method', 'gmn'], "method='gmn' is not known"),
                                      (['--epochs', '-1'], 'n_epochs=-1 is out of range'),
                                      (['--fusion', 'film'], "fusion='film' has no additive")])
def test_bad_input_exits_2_naming_the_parameter(tmp_path, args, msg):
    r = cli(*args, '--results-dir', str(tmp_path))
    assert r.returncode == 2 and msg in r.stderr, r.stderr
    assert not any(tmp_path.iterdir()), 'nothing is written for a rejected config'

def test_help_lists_the_options():
    r = subprocess.run([str(BIN), 'train', '--help'], capture_output=True, text=True)
    assert r.returncode == 0 and '--results-dir' in r.stdout and '--set' in r.stdout
