"""Benchmark: samples/s of a full training step of the `paper` model, FLOPs, share of peak, every method vs Concat.

Usage:

    .venv/bin/python benchmarks/bench_train_step.py                       # the paper's sizes: 224 px, batch 64, every method
    .venv/bin/python benchmarks/bench_train_step.py --image-size 64 --batch-size 8 --steps 3 --warmup-steps 1 \
        --rounds 3 --gap-samples 64 --torch-threads 1                       # a shared 2-core CPU in ~6 minutes
    .venv/bin/python benchmarks/bench_train_step.py --quick               # toy sizes: checks the script runs (tests/)

What it measures, on whatever device runs it (CUDA if there is one; `--device cpu` to force the CPU):

- step: forward, loss, backward and SGD step of `gmm_adaptive.model.build_model` under the `paper` profile's configs
  (two torchvision ResNet-18 encoders, 1 frame, a CREMA-D-shaped spectrogram [1, 257, 188], 6 classes, batch 64,
  AMP on CUDA as the profile says), driven by the project's `Trainer` with each method's own callbacks, on one
  synthetic batch that already sits on the device (so the data path is not in it: see bench_real_loading.py).
  Each method is placed at its first adaptive epoch (`MethodConfig.warmup_length`; e.g. gmm after its warm-up), which
  runs with a one-batch training loader (its epoch-start work, e.g. gmm's gap pass + GMM fit, and the counted first
  step); the next epoch runs the rest of `--warmup-steps` untimed and `--steps` timed; `--rounds - 1` more epochs of
  `--steps` go over all methods in turn, and each method's fastest step counts.
- FLOPs per sample (forward; training step) counted with `torch.utils.flop_counter.FlopCounterMode` over one
  step of each method, and the encoder forward passes per step (forward hooks): a method whose algorithm needs more
  passes shows it here, with its own one-line description saying why.
- share of peak: achieved FLOP/s over the device's dense peak (bf16 with AMP on CUDA, else fp32) from PEAK_TFLOPS by
  the GPU's name; unknown for a CPU unless `--peak-tflops` gives it.
- gmm: the gap pass (eval-mode pass over the training set) per sample and the GMM fit on 6,000 gaps; their share of
  an adaptive epoch, amortised over a round (paper profile: one gap pass per round of 20 epochs). Goal <= 10%.
- projected CREMA-D epoch (6,000 samples, 1 frame) from the measured samples/s. Goal on one H100: <= 2 s.
- checkpoint: `atomic_torch_save` of the full `trainer.state_dict()` (two ResNet-18s + SGD momentum + records).

Timings on CUDA are bracketed by `torch.cuda.synchronize()`. On a CPU the paper's 224 px take minutes per method;
pass a smaller `--image-size` (64) and few `--steps`, and read the per-method ratios, not the absolute rates.
"""
from __future__ import annotations
import argparse, math, os, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import device_info, print_table, write_results   # noqa: E402

# Dense peak TFLOP/s (no sparsity) by GPU name, from the vendors' data sheets; fp32 is the plain (non-TF32) rate.
# The first key contained in the lower-cased device name wins, so the longer names come first.
PEAK_TFLOPS = {
    'h100 pcie': {'bf16': 756.0, 'fp16': 756.0, 'fp32': 51.0},
    'h100 nvl': {'bf16': 835.0, 'fp16': 835.0, 'fp32': 60.0},
    'h200': {'bf16': 989.0, 'fp16': 989.0, 'fp32': 67.0},
    'h100': {'bf16': 989.0, 'fp16': 989.0, 'fp32': 67.0},     # SXM
    'a100': {'bf16': 312.0, 'fp16': 312.0, 'fp32': 19.5},
}
CREMAD_EPOCH = 6000          # training samples of a CREMA-D-size epoch
EPOCH_GOAL_S = 2.0           # goal: one such epoch of training in <= 2 s on one H100
SHARE_GOAL = 0.10            # goal: gap pass + GMM fit <= 10% of an adaptive epoch
METHOD_RATIO_GOAL = 1.5      # goal: every method within 1.5x of Concat's step, except those needing more passes


def peak_tflops(info: dict, dtype: str, given: float | None) -> tuple[float | None, str]:
    "(peak TFLOP/s, where it came from) for the device that ran: `--peak-tflops`, else the table by GPU name, else unknown."
    if given: return given, 'given by --peak-tflops'
    name = (info.get('gpu') or '').lower()
    for k, v in PEAK_TFLOPS.items():
        if k in name: return v[dtype], f"{k.upper()} dense {dtype} data-sheet peak"
    return None, ('unknown for a CPU (pass --peak-tflops)' if not info.get('gpu') else f"{info['gpu']!r} is not in PEAK_TFLOPS")


class DeviceBatches:
    "A loader stand-in: the same device batch `n` times (distinct sample indices), so no input pipeline is timed."
    def __init__(self, audio, visual, y, n: int):
        self.audio, self.visual, self.y, self.n = audio, visual, y, n
    def __len__(self): return self.n
    def __iter__(self):
        b = len(self.y)
        for k in range(self.n):
            yield self.audio, self.visual, self.y, torch.arange(k * b, (k + 1) * b, device=self.y.device)


class SyntheticItems(torch.utils.data.Dataset):
    "Items of the synthetic batch (CPU), so that `AVSplits` has datasets of the right length and shapes."
    def __init__(self, audio, visual, y, n: int): self.audio, self.visual, self.y, self.n = audio, visual, y, n
    def __len__(self): return self.n
    def __getitem__(self, i):
        j = i % len(self.y)
        return self.audio[j], self.visual[j], int(self.y[j]), i


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize(dev)


def make_clocks(dev):
    """Two callbacks, first and last in order: the time spent in each epoch's `before_epoch` (the method's epoch-start
    work, `marks['epoch_start']`), the timed steps (from batch `marks['timed_from']` of the timed epoch to the end of
    its training), and the FLOPs and encoder forward calls of the first step (untimed, counted with `FlopCounterMode`,
    so no extra step is spent on counting)."""
    from torch.utils.flop_counter import FlopCounterMode
    from gmm_adaptive.trainer import Callback
    marks, calls, hooks = {'epoch_start': [], 'timed_from': None, 'step_times': []}, {'audio': 0, 'visual': 0}, []
    def stop():
        if 'fc' in marks:
            marks['fc'].__exit__(None, None, None)
            marks['flops'], marks['encoder_forwards'] = float(marks.pop('fc').get_total_flops()), dict(calls)
            for h in hooks: h.remove()
    class First(Callback):
        order = -10**9
        def before_epoch(self): sync(dev); marks['epoch0'] = time.perf_counter()
        def before_batch(self):
            if self.trainer.batch_idx == 0 and 'flops' not in marks and 'fc' not in marks:
                enc = self.trainer.model.encoders
                hooks.extend(enc[k].register_forward_hook(lambda m, i, o, k=k: calls.__setitem__(k, calls[k] + 1)) for k in calls)
                marks['fc'] = FlopCounterMode(display=False); marks['fc'].__enter__()
            else: stop()                               # batch 0 was cancelled (no after_batch)
            if self.trainer.batch_idx == marks['timed_from']: sync(dev); marks['steps0'] = time.perf_counter()
            if marks['timed_from'] is not None and self.trainer.batch_idx >= marks['timed_from']:
                sync(dev); marks['step0'] = time.perf_counter()
        def after_train(self): sync(dev); marks['steps1'] = time.perf_counter(); stop()
    class Last(Callback):
        order = 10**9
        def before_epoch(self): sync(dev); marks['epoch_start'].append(time.perf_counter() - marks['epoch0'])
        def after_batch(self):
            stop()
            if 'step0' in marks: sync(dev); marks['step_times'].append(time.perf_counter() - marks.pop('step0'))
    return marks, [First(), Last()]


def forward_flops(model, audio, visual) -> float:
    from torch.utils.flop_counter import FlopCounterMode
    with torch.no_grad(), FlopCounterMode(display=False) as fc: model(audio, visual)
    return float(fc.get_total_flops())


def bench_method(name: str, a, dev, batch, n_batches: int):
    """Build the method's paper-profile trainer and put it at its first adaptive epoch; run that epoch with ONE training
    batch (the method's epoch-start work, e.g. gmm's gap pass + GMM fit or G-Blending's branch copies, and the counted
    first step), then the next epoch with `n_batches - 1` batches, the last `--steps` of them timed."""
    from gmm_adaptive.config import seed_everything
    from gmm_adaptive.data import AVLoaders, AVSplits, AbsentInput
    from gmm_adaptive.model import build_model
    from gmm_adaptive.profiles import profile_config
    from gmm_adaptive.trainer import Trainer
    audio, visual, y = batch
    over = {'train.batch_size': a.batch_size, 'train.device': str(dev), 'train.progress': False}
    if not a.amp: over['train.amp'] = False
    cfg = profile_config('paper', dataset='cremad', method=name, data_root='unused-by-this-benchmark', **over)
    n_items = n_batches * a.batch_size
    cpu = [t.cpu() for t in batch]
    splits = AVSplits(train=SyntheticItems(*cpu, n_items), train_eval=SyntheticItems(*cpu, n_items),
                      val=SyntheticItems(*cpu, a.batch_size), test=SyntheticItems(*cpu, a.batch_size),
                      n_classes=6, class_names=tuple('ABCDEF'),
                      absent_audio=AbsentInput(torch.zeros_like(cpu[0][0])), absent_visual=AbsentInput(torch.zeros(3, 1, 1)))
    gap_batches = max(n_batches, math.ceil(a.gap_samples / a.batch_size))   # every training index has a cached posterior
    loaders = AVLoaders(train=DeviceBatches(audio, visual, y, n_batches), train_eval=DeviceBatches(audio, visual, y, gap_batches),
                        val=DeviceBatches(audio, visual, y, 1), test=DeviceBatches(audio, visual, y, 1), splits=splits)
    seed_everything(0)
    marks, clocks = make_clocks(dev)
    t = Trainer(build_model(cfg.model, 6), loaders, cfg, [*cfg.method.callbacks(cfg), *clocks], device=dev)
    start = cfg.method.warmup_length(cfg)            # the first epoch of the method's own mechanism (0: from the start)
    t('before_fit')
    t.epoch, loaders.train.n = start, 1                 # epoch-start work scales with the loaders: one batch keeps it short
    t.one_epoch()
    t.epoch, loaders.train.n, marks['timed_from'] = start + 1, n_batches - 1, a.warmup_steps - 1
    t.one_epoch()
    res = {'epoch': start, 'epoch_start_s': marks['epoch_start'][0], 'next_epoch_start_s': marks['epoch_start'][1],
           'step_s': min(marks['step_times']), 'step_s_mean': (marks['steps1'] - marks['steps0']) / a.steps,
           'flops': marks['flops'], 'encoder_forwards': marks['encoder_forwards'],
           'describe': cfg.method.describe(), 'relative_cost_attr': getattr(type(cfg.method), 'relative_cost', None)}

    def again() -> float:
        "One more epoch of `--steps` batches, all timed; its fastest step (the rounds of `--rounds`)."
        marks['step_times'].clear()
        t.epoch, loaders.train.n, marks['timed_from'] = t.epoch + 1, a.steps, 0
        t.one_epoch()
        return min(marks['step_times'])
    return t, cfg, res, again


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('--batch-size', type=int, default=64, help='samples per step (paper profile: 64)')
    ap.add_argument('--steps', type=int, default=20, help='timed steps per method (after the warm-up steps)')
    ap.add_argument('--warmup-steps', type=int, default=3, help='untimed steps first (allocator, cuDNN autotuning)')
    ap.add_argument('--rounds', type=int, default=2, help='rounds over all methods (each keeps its fastest step; load on a shared machine drifts)')
    ap.add_argument('--image-size', type=int, default=224, help='frame side in pixels (paper: 224; 64 keeps a CPU run in minutes)')
    ap.add_argument('--spec-size', default=None, help="spectrogram 'F,T' (default: CREMA-D's, from MediaSettings: 257,188)")
    ap.add_argument('--gap-samples', type=int, default=2048, help='samples of the timed gap pass (gmm)')
    ap.add_argument('--methods', default='all', help="comma-separated method names, or 'all' (every registered method)")
    ap.add_argument('--device', default='auto', help="'auto' (CUDA if available), 'cpu', 'cuda', 'cuda:N'")
    ap.add_argument('--no-amp', dest='amp', action='store_false', help='switch off the profile\'s AMP on CUDA')
    ap.add_argument('--peak-tflops', type=float, default=None, help='the device\'s peak TFLOP/s, where it is not in the table (CPUs)')
    ap.add_argument('--torch-threads', type=int, default=None, help='torch threads (default: torch\'s own)')
    ap.add_argument('--quick', action='store_true', help='toy sizes that only check the script runs: 32 px, 64x48 spectrogram, batch 4, 1 step, concat+gmm')
    ap.add_argument('--out', default=None, help='results JSON path (default: benchmarks/results/bench_train_step-<device>.json)')
    a = ap.parse_args(argv)
    if a.quick:
        a.image_size, a.batch_size, a.steps, a.warmup_steps, a.gap_samples, a.rounds = 32, 4, 1, 1, 8, 1
        a.spec_size = a.spec_size or '64,48'
        if a.methods == 'all': a.methods = 'concat,gmm'
    for k in ('batch_size', 'steps', 'image_size', 'gap_samples', 'rounds'):
        if getattr(a, k) < 1: ap.error(f"--{k.replace('_', '-')} must be >= 1")
    if a.warmup_steps < 1: ap.error('--warmup-steps must be >= 1 (the first step is the one whose FLOPs are counted)')
    if a.batch_size < 2: ap.error('--batch-size must be >= 2 (BatchNorm needs two samples)')
    if a.torch_threads: torch.set_num_threads(a.torch_threads)
    from gmm_adaptive.config import method_names, select_device
    from gmm_adaptive.decode import MediaSettings
    from gmm_adaptive.gap_gmm import fit_gap_gmm
    from gmm_adaptive.provenance import atomic_torch_save
    dev = select_device(a.device)
    if dev.type == 'cuda': torch.backends.cudnn.benchmark = True
    info = device_info(dev)
    names = list(method_names()) if a.methods == 'all' else [m.strip() for m in a.methods.split(',') if m.strip()]
    if 'concat' not in names: names.insert(0, 'concat')     # the reference of every ratio
    names.sort(key=lambda m: m != 'concat')

    g = torch.Generator().manual_seed(0)
    F_, T_ = MediaSettings().spec_shape if not a.spec_size else map(int, a.spec_size.split(','))   # CREMA-D: (257, 188)
    audio = torch.randn(a.batch_size, 1, F_, T_, generator=g).to(dev)
    visual = torch.randn(a.batch_size, 1, 3, a.image_size, a.image_size, generator=g).to(dev)
    y = (torch.arange(a.batch_size) % 6).to(dev)
    batch = (audio, visual, y)
    n_batches = a.warmup_steps + a.steps
    print(f"bench_train_step on {info['name']} ({dev}), torch {info['torch']}, {info['torch_threads']} thread(s): batch {a.batch_size}, "
          f"{a.image_size} px, 1 frame, spectrogram [1, {F_}, {T_}], {a.warmup_steps} warm-up + {a.steps} timed steps per method", flush=True)

    results, t_gmm, cfg_gmm, agains = {}, None, None, {}
    for m in names:
        t0 = time.perf_counter()
        t, cfg, r, again = bench_method(m, a, dev, batch, n_batches)
        results[m] = r
        print(f"  {m}: {r['step_s'] * 1e3:.1f} ms/step ({time.perf_counter() - t0:.1f} s)", flush=True)
        if hasattr(cfg.method, 'epochs_per_round'): t_gmm, cfg_gmm = t, cfg    # the gmm method: gap-pass share below
        if a.rounds > 1: agains[m] = again                   # keeps the trainer for the next rounds
        else: del t, again
        if dev.type == 'cuda': torch.cuda.empty_cache()
    # further rounds over every method in turn: a shared machine's load drifts, and each method keeps its fastest step
    for k in range(1, a.rounds):
        for m, again in agains.items():
            results[m]['step_s'] = min(results[m]['step_s'], again())
        print(f"  round {k + 1}: " + ', '.join(f"{m} {r['step_s'] * 1e3:.0f}" for m, r in results.items()) + ' ms/step', flush=True)
    del agains

    # model FLOPs of the plain model (training mode, as in the step) and of concat's step
    from gmm_adaptive.model import build_model
    from gmm_adaptive.profiles import profile_config
    cfg_c = profile_config('paper', dataset='cremad', method='concat', data_root='unused')
    model = build_model(cfg_c.model, 6).to(dev)
    fwd_flops = forward_flops(model, audio, visual) / a.batch_size
    del model
    c = results['concat']
    step_flops = c['flops'] / a.batch_size
    amp_on = a.amp and dev.type == 'cuda' and cfg_c.train.amp
    dtype = 'bf16' if amp_on else 'fp32'
    peak, peak_src = peak_tflops(info, dtype, a.peak_tflops)
    sps = a.batch_size / c['step_s']
    achieved = step_flops * sps / 1e12
    epoch_s = CREMAD_EPOCH / sps

    # gmm: gap pass per sample, GMM fit on a CREMA-D-size set of gaps, amortised over a round
    gmm = None
    if t_gmm is not None:
        dl = t_gmm.dls.train_eval
        t_gmm.collect(dl, max_batches=1)                     # warm-up of the eval path
        gap_per_sample = float('inf')
        for _ in range(2):                                   # the faster of two passes
            sync(dev); t0 = time.perf_counter()
            t_gmm.collect(dl)
            sync(dev); gap_per_sample = min(gap_per_sample, (time.perf_counter() - t0) / (len(dl) * a.batch_size))
        rng = np.random.default_rng(0)
        gaps = np.where(rng.random(CREMAD_EPOCH) < 0.85, rng.normal(0.05, 0.1, CREMAD_EPOCH), rng.normal(0.6, 0.15, CREMAD_EPOCH))
        mc = cfg_gmm.method
        t0 = time.perf_counter()
        fit = fit_gap_gmm(gaps, seed=0, n_init=mc.gmm_n_init, min_weight=mc.gmm_min_weight, min_mean_sep=mc.gmm_min_mean_sep,
                          unimodal_rule=mc.gmm_unimodal_rule)
        fit.posterior(gaps)
        fit_s = time.perf_counter() - t0
        E = mc.epochs_per_round(cfg_gmm.train.n_epochs)
        gmm_epoch = CREMAD_EPOCH * results['gmm']['step_s'] / a.batch_size if 'gmm' in results else epoch_s
        per_round = gap_per_sample * CREMAD_EPOCH + fit_s
        share = (per_round / E) / (gmm_epoch + per_round / E)
        gmm = {'gap_pass_s_per_sample': gap_per_sample, 'gap_pass_s_cremad': gap_per_sample * CREMAD_EPOCH, 'gmm_fit_s': fit_s,
               'epochs_per_round': E, 'adaptive_epoch_s_cremad': gmm_epoch, 'share_of_adaptive_epoch': share}

    # checkpoint of the full trainer state (two ResNet-18s, SGD momentum, the GMM if measured, records), saved in this thread;
    # runs write it from a background thread (RunRecorder): bench_checkpoint.py measures what that leaves on the training thread
    t_ck = t_gmm if t_gmm is not None else bench_method('concat', a, dev, batch, a.warmup_steps + 1)[0]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / 'state.pt'; sync(dev); t0 = time.perf_counter()
        atomic_torch_save(p, t_ck.state_dict()); ckpt_s, ckpt_mb = time.perf_counter() - t0, p.stat().st_size / 2**20

    # the table
    rows = []
    fmt_ratio = lambda x: f"{x:.2f}x"
    rows.append(('concat step (paper model)', f"{sps:,.0f} samples/s", f"{c['step_s'] * 1e3:.1f} ms/step of {a.batch_size}",
                 f"{a.image_size} px, AMP {'bf16' if amp_on else 'off'}"))
    rows.append(('FLOPs per sample', f"{fwd_flops / 1e9:.2f} GFLOP fwd", f"{step_flops / 1e9:.2f} GFLOP step",
                 f"step/fwd {step_flops / fwd_flops:.2f} (FlopCounterMode)"))
    rows.append(('achieved / peak', f"{achieved:.2f} TFLOP/s", f"peak {peak:g} TFLOP/s" if peak else 'peak unknown',
                 (f"{achieved / peak:.1%} of {peak_src}" if peak else peak_src)))
    rows.append((f'projected epoch, {CREMAD_EPOCH:,} samples', f"{epoch_s:.2f} s", f"goal <= {EPOCH_GOAL_S:g} s on one H100",
                 'met' if epoch_s <= EPOCH_GOAL_S else 'not met on this device'))
    if gmm:
        rows.append(('gmm gap pass + GMM fit', f"{gmm['share_of_adaptive_epoch']:.1%} of an adaptive epoch",
                     f"gap {gmm['gap_pass_s_per_sample'] * 1e3:.3f} ms/sample, fit {gmm['gmm_fit_s']:.2f} s",
                     f"once per {gmm['epochs_per_round']} epochs; goal <= {SHARE_GOAL:.0%}: {'met' if gmm['share_of_adaptive_epoch'] <= SHARE_GOAL else 'not met'}"))
    rows.append(('checkpoint save (trainer state)', f"{ckpt_s:.2f} s", f"{ckpt_mb:.0f} MB",
                 f"{ckpt_s / epoch_s:.1%} of a projected epoch if written in the training thread (runs write it in the "
                 f"background: bench_checkpoint.py)"))
    extra_pass = {}
    for m, r in results.items():
        ratio, fl = r['step_s'] / c['step_s'], r['flops'] / c['flops']
        fw = r['encoder_forwards']
        es = max(r['epoch_start_s'], r['next_epoch_start_s']) / c['step_s']     # epoch-start work in concat steps
        why = [w for w, on in (('FLOPs', fl > 1.2), ('encoder passes', max(fw.values()) > 1), ('epoch-start work', es > 2)) if on]
        more = bool(why)
        if more: extra_pass[m] = f"[{', '.join(why)}] {r['describe']}"
        verdict = 'ref' if m == 'concat' else (f"<= {METHOD_RATIO_GOAL:g}x" if ratio <= METHOD_RATIO_GOAL else
                                               ('over, needs more passes' if more else f"over {METHOD_RATIO_GOAL:g}x"))
        rows.append((f"method {m} (epoch {r['epoch']})", f"{a.batch_size / r['step_s']:,.0f} samples/s",
                     f"step {fmt_ratio(ratio)} concat, FLOPs {fmt_ratio(fl)}",
                     f"enc fwd a{fw['audio']}/v{fw['visual']}, epoch start {es:.1f} steps; {verdict}"))
    notes = [f"Device: {info['name']}; torch {info['torch']}; {info['torch_threads']} torch thread(s); {info['cpu_cores']} CPU core(s).",
             f"Steps: {a.warmup_steps} warm-up + {a.steps} timed per method, then {a.rounds - 1} more round(s) of {a.steps} over all methods in turn, "
             "on one synthetic device batch; each method's fastest step counts (others' jobs only ever slow a step down)"
             + ('' if dev.type == 'cuda' else f" (CPU: few steps and {a.image_size} px; compare ratios, not absolute rates)") + '.',
             "Method rows: step time vs concat at the method's first adaptive epoch; 'enc fwd' = encoder forward passes per step;",
             "  'epoch start' = the method's before_epoch work at that epoch or the next, in concat steps, with a 1-batch training",
             "  loader (G-Blending's copies train on it) and a train_eval of max(--gap-samples, the epoch) (gmm's gap pass reads it).",
             f"Goals: epoch of {CREMAD_EPOCH:,} in <= {EPOCH_GOAL_S:g} s on one H100; gap pass + fit <= {SHARE_GOAL:.0%}; "
             f"every method <= {METHOD_RATIO_GOAL:g}x concat except those needing more passes."]
    if extra_pass:
        notes.append("Methods whose algorithm needs more passes (step FLOPs > 1.2x concat, > 1 forward per encoder, or epoch-start work > 2 steps),"
                     " with the method's own description:")
        notes += [f"  {m}: {d}" for m, d in extra_pass.items()]
    print_table('bench_train_step', ('row', 'rate', 'detail', 'note'), rows, notes)
    payload = {'args': vars(a), 'amp': amp_on, 'flops_per_sample': {'forward': fwd_flops, 'train_step': step_flops},
               'concat_samples_per_s': sps, 'achieved_tflops': achieved, 'peak_tflops': peak, 'peak_source': peak_src,
               'share_of_peak': achieved / peak if peak else None, 'projected_epoch_s': epoch_s, 'epoch_goal_s': EPOCH_GOAL_S,
               'gmm': gmm, 'checkpoint': {'save_s': ckpt_s, 'size_mb': ckpt_mb},
               'methods': {m: {**r, 'ratio_to_concat': r['step_s'] / c['step_s'], 'flops_ratio': r['flops'] / c['flops'],
                               'needs_more_passes': m in extra_pass} for m, r in results.items()}}
    path = write_results('bench_train_step', info, payload, a.out)
    print(f"results: {path}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
