"""Shared helpers of the benchmark scripts: which device ran, where the results JSON goes, one printed table.

Benchmarks are plain scripts (not part of the package): they print ONE table of rows measured side by side in the
same run, and write `benchmarks/results/<script>-<device-slug>.json` with the device name, the torch version and the
thread count, so that numbers from different machines are never mixed up.
"""
from __future__ import annotations
import json, os, platform, re, time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / 'results'


def cpu_model() -> str:
    "The CPU's model name (from /proc/cpuinfo where there is one, else `platform.processor()`)."
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.lower().startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine() or 'unknown CPU'


def device_info(device=None) -> dict:
    "What ran the benchmark: device kind and name, CPU model, cores, torch version and threads (a dict for the JSON)."
    import torch
    dev = torch.device(device) if device is not None else torch.device('cpu')
    info = {'device': dev.type, 'cpu': cpu_model(), 'cpu_cores': os.cpu_count(), 'torch': torch.__version__,
            'torch_threads': torch.get_num_threads(), 'python': platform.python_version(),
            'date_utc': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
            'load_avg_1m_at_start': round(os.getloadavg()[0], 2) if hasattr(os, 'getloadavg') else None}   # a shared machine: other jobs
    if dev.type == 'cuda':
        i = dev.index if dev.index is not None else torch.cuda.current_device()
        info.update(gpu=torch.cuda.get_device_name(i), cuda=torch.version.cuda,
                    gpu_memory_gib=round(torch.cuda.get_device_properties(i).total_memory / 2**30, 1))
    info['name'] = info.get('gpu') or info['cpu']
    return info


def device_slug(info: dict) -> str:
    "A file-name-safe name of the device: the GPU's name, or `cpu-<model>-<cores>c` (e.g. `nvidia-h200`, `cpu-intel-xeon-processor-2c`)."
    if info.get('gpu'): s = info['gpu']
    else: s = f"cpu-{re.sub(r'[(][^)]*[)]', '', info['cpu'])}-{info['cpu_cores']}c"
    s = re.sub(r'[^a-z0-9]+', '-', s.lower()).strip('-')
    return re.sub(r'-+', '-', s)[:60] or 'unknown'


def write_results(script: str, info: dict, payload: dict, out: str | None = None) -> Path:
    "Write `{'script', 'device_info', **payload}` to `out` or `benchmarks/results/<script>-<device-slug>.json`; return the path."
    path = Path(out) if out else RESULTS / f"{script}-{device_slug(info)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({'script': script, 'device_info': info, **payload}, indent=1, default=float) + '\n')
    return path


def print_table(title: str, header: tuple, rows: list, notes: list = ()) -> None:
    "Print one table: a title, a header and left-aligned text columns, then the notes (goals, how things were projected)."
    cols = [header, *[tuple(str(c) for c in r) for r in rows]]
    widths = [max(len(r[k]) for r in cols) for k in range(len(header))]
    line = lambda r: '  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
    print(f"\n{title}\n" + line(header) + '\n' + '  '.join('-' * w for w in widths))
    for r in cols[1:]: print(line(r))
    for n in notes: print(n)
