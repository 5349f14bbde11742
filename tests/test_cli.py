"End-to-end tests of the `gmm-adaptive train` console script, run as a user runs it (a subprocess)."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent / 'gmm-adaptive'
TINY = ['--method', 'gmm', '--epochs', '5', '--set', 'method.n_warmup_epochs=1', '--set', 'method.n_rounds=2', '--no-progress',
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
    assert {'config.json', 'history.csv', 'gmm_rounds.json', 'gmm_gaps.npz', 'metrics.json', 'last.pt', 'best.pt', 'done.json'} <= {p.name for p in run_dir.iterdir()}
    m = json.loads((run_dir / 'metrics.json').read_text())
    assert 0 <= m['test_acc'] <= 1 and m['n_epochs'] == 5
    before = (run_dir / 'history.csv').stat().st_mtime_ns
    again = cli(*TINY, '--results-dir', str(tmp_path))
    assert again.returncode == 0 and 'already finished' in again.stdout
    assert f"{100 * m['test_acc']:6.2f}" in again.stdout
    assert (run_dir / 'history.csv').stat().st_mtime_ns == before
    # the imbalance report of the finished run, through the console script
    d = subprocess.run([str(BIN), 'diagnose', '--run', str(run_dir), '--split', 'test', '--device', 'cpu'], capture_output=True, text=True, timeout=300)
    assert d.returncode == 0, d.stderr
    assert 'test split (n=60)' in d.stdout and 'BIC 1 component' in d.stdout and 'AUROC against the ground-truth imbalance flags' in d.stdout
    fit = json.loads((run_dir / 'diagnose_test' / 'gmm_fit.json').read_text())
    assert abs(sum(fit['weights']) - 1) < 1e-9 and fit['decision'] in ('unimodal', 'two components')
    assert len((run_dir / 'diagnose_test' / 'samples.csv').read_text().splitlines()) == 61

# A real SIGINT, sent at a deterministic point: a callback added to the CLI's run sends SIGINT to its own process once
# epoch 3 is checkpointed (it is ordered after the run recorder). No polling, no race with the clock.
SIGINT_AT = """
import os, signal, sys
# a suite started in the background (`cmd &` in a script) inherits SIGINT ignored, and Python then installs no
# KeyboardInterrupt handler: restore it, so this test sees the interrupt however the suite was launched
signal.signal(signal.SIGINT, signal.default_int_handler)
import gmm_adaptive.records as records
from gmm_adaptive.trainer import Callback
class SigintAt(Callback):
    order = 10_000                      # after RunRecorder (1000): the epoch is on disk when the signal arrives
    def epoch_complete(self):
        if self.trainer.epoch == int(os.environ['SIGINT_AT_EPOCH']): os.kill(os.getpid(), signal.SIGINT)
_run = records.run_or_load
records.run_or_load = lambda *a, **k: _run(*a, **{**k, 'callbacks': [*k.get('callbacks', ()), SigintAt()]})
from gmm_adaptive.cli import main
sys.exit(main(sys.argv[1:]))
"""

def test_interrupted_run_resumes_to_the_same_metrics(tmp_path):
    args = [*TINY[:2], '--epochs', '9', *TINY[4:]]
    ref = cli(*args, '--results-dir', str(tmp_path / 'ref'))
    assert ref.returncode == 0, ref.stderr
    cut = subprocess.run([sys.executable, '-c', SIGINT_AT, 'train', *args, '--results-dir', str(tmp_path / 'cut')],
                         capture_output=True, text=True, timeout=300, env={**os.environ, 'SIGINT_AT_EPOCH': '3'})
    assert cut.returncode == 130 and 'run the same command again to resume' in cut.stderr, (cut.returncode, cut.stderr)
    run_dir = next((tmp_path / 'cut').iterdir())
    assert not (run_dir / 'done.json').exists() and (run_dir / 'last.pt').exists()
    assert len((run_dir / 'history.csv').read_text().splitlines()) == 1 + 3      # exactly epochs 0-2 were kept
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


def test_every_method_trains_two_epochs_from_the_cli(tmp_path, capsys):
    "`gmm-adaptive train --method M --epochs 2` on a tiny synthetic config works for every installed method."
    from gmm_adaptive.cli import main
    from gmm_adaptive.config import method_names
    tiny = ['--epochs', '2', '--no-progress', '--device', 'cpu', '--set', 'data.n_train=120', '--set', 'data.n_val=60',
            '--set', 'data.n_test=60', '--set', 'model.width=8', '--set', 'model.feature_dim=16', '--results-dir', str(tmp_path)]
    names = method_names()
    assert len(names) >= 13, names
    for m in names:
        extra = ['--set', 'method.n_warmup_epochs=1', '--set', 'method.n_rounds=1'] if m == 'gmm' else []
        code = main(['train', '--method', m, *tiny, *extra])
        out, err = capsys.readouterr()
        assert code == 0, (m, err)
        assert 'test accuracy, checkpoint selected on validation' in out, (m, out)
        run_dir = Path(out.strip().splitlines()[-1].split('run directory ')[-1])
        m_json = json.loads((run_dir / 'metrics.json').read_text())
        assert m_json['n_epochs'] == 2 and 0 <= m_json['test_acc'] <= 1, (m, m_json)


DDP_TINY = ['--epochs', '2', '--no-progress', '--device', 'cpu', '--batch-size', '32', '--set', 'data.n_train=64',
            '--set', 'data.n_val=24', '--set', 'data.n_test=24', '--set', 'model.width=4', '--set', 'model.feature_dim=8']
GMM_1_1 = ['--method', 'gmm', '--set', 'method.n_warmup_epochs=1', '--set', 'method.n_rounds=1']

def torchrun(*args, nproc=2):
    "`torchrun --standalone` (a free port of its own) with `-m gmm_adaptive`, as a user starts one run on several processes."
    return subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc-per-node', str(nproc),
                           '-m', 'gmm_adaptive', 'train', *args], capture_output=True, text=True, timeout=300)

def test_torchrun_trains_one_run_on_two_processes_and_one_process_loads_it(tmp_path):
    r = torchrun(*GMM_1_1, *DDP_TINY, '--results-dir', str(tmp_path))
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count('run directory') == 1, r.stdout              # rank 0 prints, the other rank is silent
    run_dirs = list(tmp_path.iterdir())
    assert len(run_dirs) == 1 and (run_dirs[0] / 'done.json').exists()
    assert json.loads((run_dirs[0] / 'metrics.json').read_text())['processes'] == 2
    again = cli(*GMM_1_1, *DDP_TINY, '--results-dir', str(tmp_path))   # the same config, the same run: loaded
    assert again.returncode == 0 and 'already finished' in again.stdout, again.stderr

@pytest.mark.parametrize('args,msg', [(['--method', 'ogm_ge'], "error: method='ogm_ge' is not verified for training on several processes"),
                                      (['--method', 'concat', '--batch-size', '33'], "train.batch_size=33 cannot be split equally over 2 processes")])
def test_torchrun_refuses_what_it_cannot_shard(tmp_path, args, msg):
    r = torchrun(*DDP_TINY, *args, '--results-dir', str(tmp_path))
    assert r.returncode != 0 and msg in r.stderr, r.stderr[-3000:]
    assert not any(tmp_path.iterdir()), 'nothing is written for a refused run'
