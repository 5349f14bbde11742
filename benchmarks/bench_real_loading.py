"""Benchmark: `prepare cremad` throughput, and training-batch loading from the cache vs per-item raw decoding.

Usage (generates a full-resolution CREMA-D-layout folder: 480x360 30-fps FLV + 16 kHz WAV, ~2.6 s clips):

    .venv/bin/python benchmarks/bench_real_loading.py [--n-clips 120] [--n-load 64] [--workers 2] [--batch-size 16] [--root DIR]

`--root` points at an existing CREMA-D checkout instead (prepare runs over the whole checkout into a temporary
cache; its first --n-load clips are used for the loading part). Prints one table: prepare clips/s, then samples/s of
training batches (train transforms, 224 px, n_frames 1 and 3; one warm-up epoch, then the best of two timed epochs) read from the memory-mapped cache and decoded from the
raw files per item (what the OGM-GE code does in `__getitem__`: librosa on the WAV; here the frames are decoded from
the FLV too, since no pre-extracted JPEGs exist), with DataLoader workers 0 and `--workers`.
"""
from __future__ import annotations
import argparse, os, shutil, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class RawDecodeDataset(Dataset):
    "Per-item decoding from the raw files (audio: load + resample + STFT; video: decode at 1 fps), same transforms."
    def __init__(self, specs, n_frames: int, image_size: int, settings, seed: int = 0):
        self.specs, self.n_frames, self.image_size, self.settings, self.seed = specs, n_frames, image_size, settings, seed
    def __len__(self): return len(self.specs)
    def __getitem__(self, index):
        from gmm_adaptive.decode import decode_clip
        from gmm_adaptive.cached_dataset import train_view, item_seed
        spec, frames = decode_clip(self.specs[index], self.settings)
        visual = train_view(frames, self.n_frames, self.image_size, item_seed(self.seed, 0, index))
        return torch.from_numpy(spec)[None], visual, self.specs[index].label, index


def samples_per_s(ds, batch_size: int, workers: int, repeats: int = 2) -> float:
    "Best samples/s over `repeats` shuffled epochs of training batches, after a warm-up epoch (imports, worker start-up)."
    dl = DataLoader(ds, batch_size=batch_size, shuffle=True, num_workers=workers, drop_last=True,
                    generator=torch.Generator().manual_seed(0), persistent_workers=workers > 0)
    for _ in dl: pass                      # warm-up epoch
    best = 0.0
    for _ in range(repeats):               # best of: other processes on a shared machine only ever slow a run down
        n, t0 = 0, time.perf_counter()
        for a, v, y, i in dl: n += a.shape[0]
        best = max(best, n / (time.perf_counter() - t0))
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n-clips', type=int, default=120, help='clips to generate (n/6 per emotion) and prepare')
    ap.add_argument('--n-load', type=int, default=64, help='clips read per loading epoch (cache and raw alike)')
    ap.add_argument('--torch-threads', type=int, default=1, help='torch threads in the main process (DataLoader workers use 1)')
    ap.add_argument('--workers', type=int, default=os.cpu_count() or 1, help='prepare processes and DataLoader workers')
    ap.add_argument('--batch-size', type=int, default=16)
    ap.add_argument('--root', default=None, help='an existing CREMA-D checkout (default: generate one)')
    ap.add_argument('--keep', action='store_true', help='keep the generated folder')
    a = ap.parse_args(argv)
    torch.set_num_threads(a.torch_threads)
    from gmm_adaptive.config import DataConfig
    from gmm_adaptive.data import build_splits
    from gmm_adaptive.decode import MediaSettings, decode_clip
    from gmm_adaptive.data_cremad import prepare_cremad, scan_cremad
    from gmm_adaptive.testing import make_fake_cremad

    work = Path(tempfile.mkdtemp(prefix='bench_real_'))
    try:
        if a.root: root = Path(a.root)
        else:
            root = work / 'CREMA-D'; t0 = time.perf_counter()
            make_fake_cremad(root, n_per_class=max(1, a.n_clips // 6), seconds=2.6)
            print(f"generated {len(list((root / 'AudioWAV').iterdir()))} clips (480x360 30-fps FLV + 16 kHz WAV, 2.1-3.1 s) "
                  f"in {time.perf_counter() - t0:.1f} s under {root}", flush=True)
        cache = work / 'cache'
        rows = []
        specs, _, _ = scan_cremad(root)
        decode_clip(specs[0], MediaSettings())     # warm-up: imports (librosa, PyAV) happen before any timing
        for w in sorted({1, a.workers}):
            shutil.rmtree(cache, ignore_errors=True)
            t0 = time.perf_counter()
            m = prepare_cremad(root, out=cache, workers=w, progress=False)
            dt = time.perf_counter() - t0
            rows.append((f"prepare cremad, {w} process(es)", f"{m['n_clips'] / dt:8.1f} clips/s",
                         f"{m['n_clips']} clips in {dt:.1f} s (decode {m['timing']['decode_seconds']:.1f} s + assembly)"))
        size_mb = sum(p.stat().st_size for p in cache.iterdir() if p.is_file()) / 2**20
        rows.append(("cache size", f"{size_mb / m['n_clips']:8.2f} MB/clip", f"{size_mb:.0f} MB: float16 spectrograms + uint8 224-px frames"))

        specs = specs[:a.n_load]
        for nf in (1, 3):
            sp = build_splits(DataConfig(name='cremad', root=str(cache), n_frames=nf, image_size=224, val_fraction=0.01))
            sp.train.rows = sp.train.rows[:a.n_load]
            raw = RawDecodeDataset(specs, nf, 224, MediaSettings())
            for w in sorted({0, a.workers}):
                c = samples_per_s(sp.train, a.batch_size, w)
                r = samples_per_s(raw, a.batch_size, w)
                rows.append((f"train batch {a.batch_size}, n_frames {nf}, {w} loader worker(s)",
                             f"{c:8.1f} samples/s", f"raw per-item decode {r:6.1f} samples/s -> cache is {c / r:4.1f}x faster"))
        print(f"\nbench_real_loading: torch {torch.__version__}, {os.cpu_count()} CPU core(s), torch threads {torch.get_num_threads()}")
        w0 = max(len(r[0]) for r in rows)
        for r in rows: print(f"  {r[0]:<{w0}}  {r[1]}   {r[2]}")
    finally:
        if not a.keep: shutil.rmtree(work, ignore_errors=True)
        else: print(f"kept {work}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
