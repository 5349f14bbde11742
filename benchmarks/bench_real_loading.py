"""Benchmark: training-batch loading from the project's prepared cache vs the OGM-GE per-item pipeline, CREMA-D layout.

Usage (generates a full-resolution CREMA-D-layout folder: 480x360 30-fps FLV + 16 kHz WAV, 2.1-3.1 s clips):

    .venv/bin/python benchmarks/bench_real_loading.py [--n-clips 300] [--n-load 224] [--workers 2] [--batch-size 16] [--root DIR]
    .venv/bin/python benchmarks/bench_real_loading.py --quick        # toy sizes: checks the script runs (tests/)

`--root` points at an existing CREMA-D checkout instead (its first --n-clips clips are used).

The reference is the OGM-GE pipeline (GeWu-Lab/OGM-GE_CVPR2022, read for facts: its CREMA-D preprocessing and the
dataset's `__getitem__`), rebuilt here:
- preprocessing, ONCE (timed and reported, not part of samples/s): every video's first frame of each second is
  written as a full-resolution JPEG (`<root>/Image-01-FPS/<clip>/NNNNN.jpg`; PyAV decodes, PIL encodes at quality
  95, as OpenCV's default); the WAVs stay as they are.
- per item: `librosa.load(wav, sr=22050)` (a resample from 16 kHz, every time), the waveform tiled 3x and cut to
  3 s, clipped to [-1, 1], STFT (n_fft 512, hop 353), `log(|S| + 1e-7)`; `n_frames` of the clip's JPEGs chosen at
  random (sorted), opened with PIL, and torchvision's RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor +
  Normalize(ImageNet) applied to each.
The cache path is the project's: `prepare_cremad` (timed: clips/s) and `gmm_adaptive.data.make_loaders` over the
cremad splits, in two rows per setting:
- loader: what the workers hand over (bytes/sample and samples/s);
- loader + batch transform: where the splits carry a `batch_transform` (the augmentation run batched on the device),
  the loader that applies it (`make_loaders(..., device=...)` or `AVLoaders.to(device)`), on CUDA if there is one;
  where they carry none, the workers already hand transformed batches and this row equals the loader row.
Samples/s: one warm-up epoch (imports, worker start-up), then the best of `--repeats` timed epochs (other processes
on a shared machine only ever slow a run down), training batches of `--batch-size`, shuffled, at 224 px.
"""
from __future__ import annotations
import argparse, inspect, os, shutil, sys, tempfile, time
from multiprocessing import get_context
from pathlib import Path
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import device_info, print_table, write_results   # noqa: E402

SPEEDUP_GOAL = 30.0       # cache >= 30x the reference's samples/s at 1 frame on 2 cores
FEED_GOAL = 5000.0        # a loader that can feed >= 5,000 samples/s to one GPU
PROJECT_CORES = 16        # the GPU machine the projection is for
JPEG_DIR = 'Image-01-FPS'


def extract_jpegs(video: str, out_dir: str) -> int:
    "OGM-GE's CREMA-D preprocessing: the first frame of each second of `video` as a full-size JPEG in `out_dir`; returns how many."
    import av
    from PIL import Image
    os.makedirs(out_dir, exist_ok=True)
    n = 0
    with av.open(video) as c:
        st = c.streams.video[0]
        fps = int(round(float(st.average_rate or st.guessed_rate or 30)))
        for count, fr in enumerate(c.decode(video=0)):
            if count % fps == 0:
                Image.fromarray(fr.to_ndarray(format='rgb24')).save(os.path.join(out_dir, f"{count:05d}.jpg"), quality=95)
                n += 1
    return n


def _extract(args): return extract_jpegs(*args)
def _warm(_): import av, PIL.Image; return 0


class OGMGEReference(Dataset):
    "Per-item pipeline of the OGM-GE CREMA-D dataset: librosa + STFT on the WAV, PIL on pre-extracted JPEGs, torchvision train transforms."
    def __init__(self, items, n_frames: int, image_size: int = 224):
        from torchvision import transforms as T
        self.items, self.n_frames = items, n_frames          # items: (wav path, JPEG folder, label)
        self.transform = T.Compose([T.RandomResizedCrop(image_size), T.RandomHorizontalFlip(), T.ToTensor(),
                                    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    def __len__(self): return len(self.items)
    def __getitem__(self, index):
        import librosa
        from PIL import Image
        wav, jpg_dir, label = self.items[index]
        y, _ = librosa.load(wav, sr=22050)
        y = np.clip(np.tile(y, 3)[:22050 * 3], -1.0, 1.0)
        spec = np.log(np.abs(librosa.stft(y, n_fft=512, hop_length=353)) + 1e-7)
        files = sorted(os.listdir(jpg_dir))
        pick = np.sort(np.random.choice(len(files), size=self.n_frames, replace=len(files) < self.n_frames))
        frames = torch.stack([self.transform(Image.open(os.path.join(jpg_dir, files[i])).convert('RGB')) for i in pick])
        return torch.from_numpy(spec)[None], frames, label, index


def batch_bytes(batch) -> int:
    "Bytes of the tensors of one batch (what crosses from the workers to the main process)."
    return sum(t.numel() * t.element_size() for t in batch if torch.is_tensor(t))


def timed_epochs(loader, repeats: int, dev) -> tuple[float, float]:
    "(best samples/s over `repeats` epochs after one warm-up epoch, bytes per sample handed over)."
    nbytes, n_seen = 0, 0
    for b in loader: nbytes += batch_bytes(b); n_seen += len(b[0])
    best = 0.0
    for _ in range(repeats):
        n, t0 = 0, time.perf_counter()
        for b in loader: n += len(b[0])
        if dev.type == 'cuda': torch.cuda.synchronize(dev)
        best = max(best, n / (time.perf_counter() - t0))
    return best, nbytes / max(n_seen, 1)


def workers_loader(train):
    "The DataLoader under the project's training loader (a wrapper that moves and transforms batches keeps it as `.loader`): what the workers hand over."
    return getattr(train, 'loader', train)


def transformed_loader(splits, batch_size: int, workers: int, dev):
    "The training loader that applies the splits' `batch_transform` on `dev`, or None where the splits have none."
    from gmm_adaptive.data import make_loaders
    if getattr(splits, 'batch_transform', None) is None: return None
    if 'device' in inspect.signature(make_loaders).parameters:
        return make_loaders(splits, batch_size, seed=0, num_workers=workers, device=dev).train
    dls = make_loaders(splits, batch_size, seed=0, num_workers=workers)
    if hasattr(dls, 'to'):
        moved = dls.to(dev)
        return (moved if moved is not None else dls).train
    raise RuntimeError("the splits have a batch_transform but neither make_loaders(device=...) nor AVLoaders.to(device) exists; "
                       "update benchmarks/bench_real_loading.py to the loader's API.")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('--n-clips', type=int, default=300, help='clips to generate (n/6 per emotion), prepare and extract')
    ap.add_argument('--n-load', type=int, default=224, help='training samples per timed epoch (cache and reference alike)')
    ap.add_argument('--workers', type=int, default=2, help='DataLoader workers of the multi-worker rows, and prepare/extraction processes')
    ap.add_argument('--batch-size', type=int, default=16)
    ap.add_argument('--repeats', type=int, default=3, help='timed epochs per row (the best counts)')
    ap.add_argument('--torch-threads', type=int, default=1, help='torch threads in the main process (DataLoader workers use 1)')
    ap.add_argument('--device', default='auto', help="where a batch transform runs: 'auto' (CUDA if available), 'cpu', 'cuda'")
    ap.add_argument('--root', default=None, help='an existing CREMA-D checkout (default: generate one)')
    ap.add_argument('--keep', action='store_true', help='keep the generated folder')
    ap.add_argument('--quick', action='store_true', help='toy sizes that only check the script runs: 12 clips, 8 samples, 0 and 1 worker')
    ap.add_argument('--out', default=None, help='results JSON path (default: benchmarks/results/bench_real_loading-<device>.json)')
    a = ap.parse_args(argv)
    if a.quick: a.n_clips, a.n_load, a.batch_size, a.repeats, a.workers = 12, 8, 4, 1, 1
    if a.workers < 1: ap.error('--workers must be >= 1 (the 0-worker rows are always measured)')
    torch.set_num_threads(a.torch_threads)
    from gmm_adaptive.config import dataset_config, select_device
    from gmm_adaptive.data import build_splits, make_loaders
    from gmm_adaptive.data_cremad import prepare_cremad, scan_cremad
    from gmm_adaptive.testing import make_fake_cremad
    dev = select_device(a.device)
    info = device_info(dev)
    info['loader_device'] = str(dev)

    work = Path(tempfile.mkdtemp(prefix='bench_real_'))
    try:
        if a.root: root = Path(a.root)
        else:
            root = work / 'CREMA-D'; t0 = time.perf_counter()
            make_fake_cremad(root, n_per_class=max(1, a.n_clips // 6), seconds=2.6)
            print(f"generated {len(list((root / 'AudioWAV').iterdir()))} clips (480x360 30-fps FLV + 16 kHz WAV, 2.1-3.1 s) "
                  f"in {time.perf_counter() - t0:.1f} s under {root}", flush=True)
        specs = scan_cremad(root)[0][:a.n_clips]
        rows, res = [], {'prepare': {}, 'extract': {}, 'loading': {}}

        # preprocessing, once per pipeline: the project's cache, OGM-GE's JPEGs (both timed at 1 and --workers processes)
        cache = work / 'cache'
        for w in sorted({1, a.workers}):
            shutil.rmtree(cache, ignore_errors=True)
            t0 = time.perf_counter()
            m = prepare_cremad(root, out=cache, workers=w, progress=False)
            dt = time.perf_counter() - t0
            res['prepare'][w] = m['n_clips'] / dt
            rows.append((f"prepare cremad (cache), {w} process(es)", f"{m['n_clips'] / dt:.1f} clips/s", '',
                         f"{m['n_clips']} clips in {dt:.1f} s; once per dataset"))
        jpg_root = (work if a.root else root) / JPEG_DIR
        jobs = [(s.video, str(jpg_root / s.name)) for s in specs]
        for w in sorted({1, a.workers}):
            shutil.rmtree(jpg_root, ignore_errors=True)
            if w == 1:
                t0 = time.perf_counter(); counts = [extract_jpegs(*j) for j in jobs]; dt = time.perf_counter() - t0
            else:
                with get_context('spawn').Pool(w) as pool:
                    pool.map(_warm, range(w))            # process start-up and imports are not extraction time
                    t0 = time.perf_counter(); counts = pool.map(_extract, jobs, chunksize=1); dt = time.perf_counter() - t0
            res['extract'][w] = len(jobs) / dt
            rows.append((f"extract JPEGs 1 fps (reference), {w} process(es)", f"{len(jobs) / dt:.1f} clips/s", '',
                         f"{sum(counts)} JPEGs of {len(jobs)} clips in {dt:.1f} s; once per dataset"))
        jpeg_mb = sum(p.stat().st_size for p in jpg_root.rglob('*.jpg')) / 2**20
        cache_mb = sum(p.stat().st_size for p in cache.iterdir() if p.is_file()) / 2**20
        res.update(cache_mb_per_clip=cache_mb / m['n_clips'], jpeg_mb_per_clip=jpeg_mb / len(jobs))

        # loading: {reference, cache (loader), cache (loader + batch transform)} x {1, 3 frames} x {0, 1, --workers workers}
        by_name = {s.name: s for s in specs}
        for nf in (1, 3):
            sp = build_splits(dataset_config('cremad', root=str(cache), n_frames=nf, image_size=224,
                                                val_fraction=min(0.5, max(0.01, 1.5 / len(specs)))))   # >= 1 val clip
            sp.train.rows, sp.train_eval.rows = sp.train.rows[:a.n_load], sp.train_eval.rows[:a.n_load]
            res['samples_per_epoch'] = len(sp.train)         # at most the training part of the clips
            names = [str(n) for n in sp.train.names]
            ref = OGMGEReference([(by_name[n].audio, str(jpg_root / n), int(by_name[n].label)) for n in names], nf)
            for w in sorted({0, 1, a.workers}):
                kw = dict(batch_size=a.batch_size, shuffle=True, num_workers=w, persistent_workers=w > 0,
                          generator=torch.Generator().manual_seed(0))
                c_sps, c_bps = timed_epochs(workers_loader(make_loaders(sp, a.batch_size, seed=0, num_workers=w).train), a.repeats,
                                            torch.device('cpu'))
                key = f"{nf}f_{w}w"
                if w == 1 and a.workers != 1:                    # the 1-worker cache rate feeds the projection only
                    res['loading'][key] = dict(n_frames=nf, workers=w, cache_loader=c_sps, cache_bytes_per_sample=c_bps)
                    continue
                r_sps, r_bps = timed_epochs(DataLoader(ref, **kw), a.repeats, torch.device('cpu'))
                tl = transformed_loader(sp, a.batch_size, w, dev)
                t_sps = timed_epochs(tl, a.repeats, dev)[0] if tl is not None else c_sps
                res['loading'][key] = dict(n_frames=nf, workers=w, reference=r_sps, cache_loader=c_sps, cache_transformed=t_sps,
                                           reference_bytes_per_sample=r_bps, cache_bytes_per_sample=c_bps,
                                           batch_transform=tl is not None)
                rows.append((f"reference, {nf} frame(s), {w} worker(s)", f"{r_sps:.1f} samples/s", '1.0x',
                             f"{r_bps / 2**10:.0f} KiB/sample handed over"))
                rows.append((f"cache loader, {nf} frame(s), {w} worker(s)", f"{c_sps:.1f} samples/s", f"{c_sps / r_sps:.1f}x",
                             f"{c_bps / 2**10:.0f} KiB/sample handed over"))
                rows.append((f"cache loader + batch transform, {nf} frame(s), {w} worker(s)", f"{t_sps:.1f} samples/s",
                             f"{t_sps / r_sps:.1f}x", f"transform on {dev}" if tl is not None else 'no batch_transform: transformed in the workers'))
                print(f"  {nf} frame(s), {w} worker(s): reference {r_sps:.1f}, cache {c_sps:.1f}, + transform {t_sps:.1f} samples/s", flush=True)

        L = res['loading']
        w2 = a.workers
        speedup = L[f'1f_{w2}w']['cache_transformed'] / L[f'1f_{w2}w']['reference']
        speedup0 = L['1f_0w']['cache_transformed'] / L['1f_0w']['reference']
        per_worker_1 = L['1f_1w']['cache_loader']
        per_worker_2 = L[f'1f_{w2}w']['cache_loader'] / w2
        scaling = per_worker_2 / per_worker_1
        proj = per_worker_2 * (PROJECT_CORES - 1)
        loader_only = L[f'1f_{w2}w']['cache_loader'] / L[f'1f_{w2}w']['reference']
        loader_only0 = L['1f_0w']['cache_loader'] / L['1f_0w']['reference']
        ws = sorted({0, 1, w2})
        best_ref = max(L[f'1f_{w}w']['reference'] for w in ws if 'reference' in L[f'1f_{w}w'])   # the 1-worker row times the cache only
        best_cache = max(L[f'1f_{w}w']['cache_loader'] for w in ws)
        best_w = max(ws, key=lambda w: L[f'1f_{w}w']['cache_loader'])
        best_ratio = best_cache / best_ref
        res['goals'] = dict(speedup_1frame=speedup, speedup_1frame_0workers=speedup0, speedup_goal=SPEEDUP_GOAL,
                            speedup_1frame_loader_only=loader_only, speedup_1frame_loader_only_0workers=loader_only0,
                            best_reference_1frame=best_ref, best_cache_loader_1frame=best_cache, best_cache_workers=best_w,
                            speedup_1frame_best_vs_best=best_ratio,
                            per_worker_1=per_worker_1, per_worker_n=per_worker_2, scaling_efficiency=scaling,
                            projected_16_cores=proj, feed_goal=FEED_GOAL)
        cores = info['cpu_cores']
        notes = [
            f"Device: {info['name']} ({cores} core(s), shared), torch {info['torch']}, main-process torch threads {info['torch_threads']}; "
            f"batch {a.batch_size}, {res['samples_per_epoch']} samples/epoch, best of {a.repeats} after a warm-up epoch.",
            f"Stored per clip: cache {cache_mb / m['n_clips']:.2f} MB (float16 spectrogram + uint8 224-px frames); "
            f"reference JPEGs {jpeg_mb / len(jobs):.2f} MB (+ the WAV)"
            + (" - the generated videos are flat colour, so their JPEGs decode faster than real faces: the reference's "
               "rate is an upper bound and the ratios are conservative." if not a.root else '.'),
            f"Goal 1: cache >= {SPEEDUP_GOAL:g}x the reference at 1 frame on {cores} cores, each at its best worker count here "
            f"(the setting a user would pick): cache loader {best_cache:,.0f} samples/s ({best_w} workers) vs reference {best_ref:,.0f} "
            f"= {best_ratio:.1f}x -> {'met' if best_ratio >= SPEEDUP_GOAL else 'NOT met'}. At equal workers: {loader_only0:.1f}x (0), "
            f"{loader_only:.1f}x ({w2}); the cache's workers are limited by handing batches to the main process, the "
            f"reference's by decoding, so workers help the reference and not the cache on {cores} cores. "
            f"With the batch transform on this CPU too (a machine without a GPU): {speedup0:.1f}x (0 workers), {speedup:.1f}x ({w2}).",
            f"Goal 2: feed >= {FEED_GOAL:,.0f} samples/s to a GPU: measured here at 1 frame, {best_cache:,.0f} samples/s "
            f"({best_w} workers) -> {'met' if best_cache >= FEED_GOAL else 'NOT met'} (measured); with the loading overlapped in "
            f"workers: {per_worker_1:,.0f} samples/s with 1, {L[f'1f_{w2}w']['cache_loader']:,.0f} with {w2} ({scaling:.0%} per-worker scaling).",
            f"  Projected for {PROJECT_CORES} cores: per-worker rate at {w2} workers ({per_worker_2:.0f}/s) x {PROJECT_CORES - 1} workers "
            f"(one core left to the main process) = {proj:,.0f} samples/s (linear in workers: an upper bound, since the main "
            f"process's receiving of batches is what limits the workers here; the transform runs on the GPU).",
        ]
        print_table('bench_real_loading', ('row', 'rate', 'vs reference', 'note'), rows, notes)
        path = write_results('bench_real_loading', info, {'args': vars(a), **res}, a.out)
        print(f"results: {path}")
    finally:
        if not a.keep: shutil.rmtree(work, ignore_errors=True)
        else: print(f"kept {work}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
