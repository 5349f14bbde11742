"""The benchmark scripts (benchmarks/) run end to end at toy sizes (`--quick`), so that they cannot rot.

They are measured, not tested: speed goals live in the scripts' printouts, never here. These tests only check that
each script finishes, prints its one table and writes a results JSON naming the device. A script whose optional
media dependency (PyAV, librosa, Pillow) is missing is skipped.
"""
from __future__ import annotations
import importlib.util, json, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / 'benchmarks'


def need(*modules):
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    return pytest.mark.skipif(bool(missing), reason=f"optional dependency missing: {', '.join(missing)}")


def run_quick(script: str, tmp_path: Path) -> dict:
    "Run `benchmarks/<script> --quick --device cpu` in a fresh process; return its results JSON."
    out = tmp_path / f'{script}.json'
    p = subprocess.run([sys.executable, str(BENCH / script), '--quick', '--device', 'cpu', '--out', str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"{script} --quick failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    assert f"\n{script.removesuffix('.py')}\n" in p.stdout, f"{script} printed no table:\n{p.stdout[-2000:]}"
    res = json.loads(out.read_text())
    assert res['device_info']['name'] and res['device_info']['torch'], res['device_info']
    return res


@need('av', 'librosa', 'PIL', 'torchvision')
def test_bench_real_loading_quick(tmp_path):
    res = run_quick('bench_real_loading.py', tmp_path)
    rows = res['loading']
    assert {'1f_0w', '3f_0w'} <= set(rows)
    for r in rows.values():
        if 'reference' in r: assert r['reference'] > 0 and r['cache_loader'] > 0 and r['cache_transformed'] > 0, r
    assert res['prepare'] and res['extract'] and res['goals']['projected_16_cores'] > 0


@need('torchvision')
def test_bench_train_step_quick(tmp_path):
    res = run_quick('bench_train_step.py', tmp_path)
    m = res['methods']
    assert {'concat', 'gmm'} <= set(m) and m['concat']['ratio_to_concat'] == 1.0
    assert all(r['step_s'] > 0 and r['flops'] > 0 for r in m.values()), m
    assert res['flops_per_sample']['train_step'] > res['flops_per_sample']['forward'] > 0
    assert res['peak_tflops'] is None                     # a CPU: unknown unless --peak-tflops
    assert 0 < res['gmm']['share_of_adaptive_epoch'] < 1 and res['checkpoint']['save_s'] > 0
