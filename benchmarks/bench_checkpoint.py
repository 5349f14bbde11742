"""Benchmark: what a per-epoch checkpoint of the paper's model costs the training thread, written in the thread or in the background.

Usage:

    .venv/bin/python benchmarks/bench_checkpoint.py [--device auto] [--repeats 5] [--dir DIR] [--json OUT.json]

Builds the `paper` profile's model (two ResNet-18 encoders from torchvision, `build_model` with encoder='resnet18')
in a `Trainer` with its SGD optimizer, takes one optimizer step so the momentum buffers exist (the full state a run
saves: about 180 MB), and times `RunRecorder.save` (what `epoch_complete` calls: `history.csv`, records, `last.pt`
and, as here, a new `best.pt`) `--repeats` times each way:

- `sync`: `RunRecorder(background=False)`, the files written in the training thread (what every epoch paid before);
- `background`: the default, the state copied to the CPU in the training thread (`cpu_copy`) and written by a
  background thread; the time on the training thread is the copy, plus any wait for the previous write (none here:
  each timed save waits for the last one to finish first, as a ~2 s epoch between saves would).

Prints one table (median and min seconds on the training thread, and the background writer's seconds) and writes the
numbers with the device name to `--json` (default: benchmarks/results/bench_checkpoint-<device>.json, as the other
benchmarks: `_common.write_results`). `--dir` is where the
files are written (default: a temporary folder; use the disk your results_dir is on).
"""
from __future__ import annotations
import argparse, statistics, sys, tempfile, time
from pathlib import Path
import torch
import torch.nn.functional as F


def paper_trainer(device):
    "A Trainer of the paper profile's model and optimizer on `device`, after one step (momentum buffers filled)."
    from gmm_adaptive.config import seed_everything
    from gmm_adaptive.profiles import profile_config
    from gmm_adaptive.data import build_splits, make_loaders
    from gmm_adaptive.model import build_model
    from gmm_adaptive.trainer import Trainer
    cfg = profile_config('paper', method='concat', **{'train.device': str(device), 'train.progress': False, 'train.num_workers': 0,
                                                      'data.n_train': 96, 'data.n_val': 24, 'data.n_test': 24})
    seed_everything(0); sp = build_splits(cfg.data)
    t = Trainer(build_model(cfg.model, sp.n_classes), make_loaders(sp, 8, 0), cfg, device=device)
    audio, visual, y, _ = next(iter(t.dls.train))
    out = t.model(audio[:4].to(device), visual[:4].to(device))
    F.cross_entropy(out.z.float(), y[:4].to(device)).backward(); t.opt.step(); t.opt.zero_grad(set_to_none=True)
    t.history = [{'epoch': 0, 'val_acc': 0.5, 'val_ce': 1.0}]
    t.row, t.epoch = dict(t.history[0]), 0
    return t, cfg


def time_saves(t, run_dir: Path, background: bool, repeats: int) -> dict:
    "Seconds on the training thread per `after_epoch` + `save` (a new best each time), and the writer's seconds."
    from gmm_adaptive.records import RunRecorder
    rec = RunRecorder(run_dir, background=background); rec.trainer = t
    train_s, write_s = [], []
    for _ in range(repeats):
        rec.best_key = None                                   # every epoch a new best: best.pt is written too (the worst case)
        if t.device.type == 'cuda': torch.cuda.synchronize()
        w0 = rec.write_s; t0 = time.perf_counter()
        rec.after_epoch(); rec.save()
        train_s.append(time.perf_counter() - t0)
        rec.writer.join(); write_s.append(rec.write_s - w0)   # outside the timed part: the next epoch's training runs meanwhile
    size = sum(p.stat().st_size for p in run_dir.glob('*.pt'))
    return {'train_thread_s_median': statistics.median(train_s), 'train_thread_s_min': min(train_s),
            'writer_s_median': statistics.median(write_s), 'files_mb': round(size / 2**20, 1), 'repeats': repeats}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default='auto', help="auto, cpu, cuda, cuda:N")
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--dir', default=None, help='folder the checkpoints are written to (default: a temporary one)')
    ap.add_argument('--json', default=None, help='where to write the results (default: benchmarks/results/bench_checkpoint-<device>.json)')
    a = ap.parse_args(argv)
    from gmm_adaptive.config import select_device
    device = select_device(a.device)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import device_info, write_results
    info = device_info(device); name = f"{info['name']} ({info['torch_threads']} torch threads)"
    t, cfg = paper_trainer(device)
    n_params = sum(p.numel() for p in t.model.parameters())
    rows = {}
    with tempfile.TemporaryDirectory(dir=a.dir) as d:
        for mode in ('sync', 'background'):
            (Path(d) / mode).mkdir()
            rows[mode] = time_saves(t, Path(d) / mode, mode == 'background', a.repeats)
    print(f"checkpoint of the paper model ({n_params / 1e6:.1f} M parameters + SGD momentum) on {name}; "
          f"{a.repeats} saves each, last.pt + best.pt + history per save")
    print(f"{'mode':<12}{'train thread s (median)':>26}{'(min)':>9}{'writer s (median)':>20}{'files MB':>10}")
    for mode, r in rows.items():
        print(f"{mode:<12}{r['train_thread_s_median']:>26.3f}{r['train_thread_s_min']:>9.3f}{r['writer_s_median']:>20.3f}{r['files_mb']:>10.1f}")
    out = write_results('bench_checkpoint', info, {'n_parameters': n_params, 'command': ' '.join(sys.argv), 'results': rows}, a.json)
    print(f"wrote {out}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
