"""Real-dataset loaders (CREMA-D, AVE, folders) end to end on generated files in the real raw layouts.

Every dataset here is written by the test itself (real WAV/FLV/MP4 files, real file-name patterns, every bad case
of issue 4); the real metadata in ../shared/data (relative to the repository root) is read only where present.
"""
from __future__ import annotations
import csv, json, os, shutil, time
from pathlib import Path
import numpy as np
import pytest
import torch

from gmm_adaptive.config import RunConfig, dataset_config
from gmm_adaptive.data import build_splits, make_loaders
from gmm_adaptive.decode import MediaSettings
from gmm_adaptive.cache import AVCache, PrepareInterrupted, default_cache_dir, read_manifest, MANIFEST
from gmm_adaptive.data_cremad import (CREMAD_CLASSES, cremad_label, parse_cremad_name, prepare_cremad, read_split_csv,
                                      scan_cremad)
from gmm_adaptive.data_ave import AVE_CLASSES, prepare_ave, read_ave_rows
from gmm_adaptive.data_folder import prepare_folder
from gmm_adaptive.testing import (FAKE_CREMAD_BAD, make_fake_cremad, make_fake_ave, make_fake_folder, write_wav,
                                  write_lfs_pointer)

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / '..' / 'shared' / 'data').resolve()
needs_cremad_meta = pytest.mark.skipif(not (SHARED / 'cremad' / 'summaryTable.csv').is_file(),
                                       reason=f"real CREMA-D metadata not found at {SHARED / 'cremad'}")
needs_ave_meta = pytest.mark.skipif(not (SHARED / 'ave' / 'Annotations.txt').is_file(),
                                    reason=f"real AVE metadata not found at {SHARED / 'ave'}")
TINY = MediaSettings(frame_size=32)


def cli(*args) -> int:
    "Run `gmm-adaptive ...` in-process (the lead's CLI if present, else the prepare parser alone)."
    try: from gmm_adaptive.cli import main
    except ImportError:
        from gmm_adaptive.prepare import prepare_main
        return prepare_main(list(args[1:]))
    return main(list(args))


@pytest.fixture(scope='module')
def cremad(tmp_path_factory):
    "A CREMA-D-layout checkout with every bad case, prepared through the CLI with 2 worker processes."
    root = tmp_path_factory.mktemp('cremad') / 'CREMA-D'
    fake = make_fake_cremad(root, n_per_class=4, seconds=1.6, size=(96, 72), bad=True, stereo_44k=3)
    rc = cli('prepare', 'cremad', '--root', str(root), '--train-csv', fake['train_csv'], '--test-csv', fake['test_csv'],
             '--workers', '2', '--frame-size', '32', '--no-progress')
    assert rc == 0
    return root, fake


# ---------------------------------------------------------------- CREMA-D: real metadata

@needs_cremad_meta
def test_cremad_names_parse_all_real_names():
    names = []
    for fn in ('SentenceFilenames.csv', 'summaryTable.csv'):
        with open(SHARED / 'cremad' / fn) as f:
            names.append([r['Filename' if 'Sentence' in fn else 'FileName'] for r in csv.DictReader(f)])
    assert names[0] == names[1] and len(set(names[0])) == 7442
    labels = [cremad_label(n) for n in names[0]]
    assert np.bincount(labels).tolist() == [1087, 1271, 1271, 1271, 1271, 1271]
    tr, te = read_split_csv(SHARED / 'cremad' / 'split_train.csv'), read_split_csv(SHARED / 'cremad' / 'split_test.csv')
    assert (len(tr), len(te)) == (6698, 744)
    assert all(parse_cremad_name(n).emotion == lab for _, n, lab in tr + te)
    assert {n for _, n, _ in tr}.isdisjoint({n for _, n, _ in te}) and {n for _, n, _ in tr + te} == set(names[0])


@needs_cremad_meta
def test_standard_split_files_on_a_partial_checkout(tmp_path):
    "The real split files against a checkout holding 12 of their clips: those 12 keep their split, the rest is reported."
    tr = [n for _, n, _ in read_split_csv(SHARED / 'cremad' / 'split_train.csv')][:8]
    te = [n for _, n, _ in read_split_csv(SHARED / 'cremad' / 'split_test.csv')][:4]
    for n in tr + te:
        write_wav(tmp_path / 'AudioWAV' / f'{n}.wav', np.zeros(100, np.float32) + 0.1, 16000)
        (tmp_path / 'VideoFlash').mkdir(exist_ok=True); (tmp_path / 'VideoFlash' / f'{n}.flv').write_bytes(b'x')
    specs, skipped, source = scan_cremad(tmp_path, SHARED / 'cremad' / 'split_train.csv', SHARED / 'cremad' / 'split_test.csv')
    assert {s.name: s.split for s in specs} == {**{n: 'train' for n in tr}, **{n: 'test' for n in te}}
    assert len(skipped) == 7442 - 12 and {s['kind'] for s in skipped} == {'missing_in_split'}
    assert 'split_train.csv, line ' in skipped[0]['reason'] and source['split'] == 'standard'


# ---------------------------------------------------------------- CREMA-D: prepare, cache, manifest

def test_cremad_manifest_reports_every_bad_case(cremad):
    root, fake = cremad
    m = read_manifest(default_cache_dir(root, 'cremad'))
    assert {s['clip']: s['kind'] for s in m['skipped']} == FAKE_CREMAD_BAD
    assert m['skipped_summary'] == {k: 1 for k in FAKE_CREMAD_BAD.values()}
    reasons = {s['kind']: s['reason'] for s in m['skipped']}
    assert 'git lfs pull' in reasons['lfs_pointer'] and 'Git LFS pointer stub' in reasons['lfs_pointer']
    assert 'train.csv, line' in reasons['missing_in_split'] and "'XYZ'" in reasons['bad_label']
    assert 'has no video VideoFlash/' in reasons['missing_video'] and 'has no audio AudioWAV/' in reasons['missing_audio']
    assert '0.50 s long' in reasons['video_too_short']
    assert m['n_clips'] == 24 and m['source']['split'] == 'standard' and m['timing']['workers'] == 2
    assert m['counts']['train'] == {c: 3 for c in CREMAD_CLASSES} and m['counts']['test'] == {c: 1 for c in CREMAD_CLASSES}
    assert m['settings']['audio_sr_hz'] == 22050 and (m['settings']['n_fft'], m['settings']['hop_length']) == (512, 353)


def test_cremad_cache_arrays_labels_dtypes(cremad):
    root, fake = cremad
    c = AVCache(default_cache_dir(root, 'cremad'))
    assert c.audio.dtype == np.float16 and c.audio.shape == (24, 257, 188) and isinstance(c.audio, np.memmap)
    assert c.frames.dtype == np.uint8 and c.frames.shape[1:] == (32, 32, 3) and c.frames.shape[0] == c.n_frames.sum()
    assert set(c.names) == set(fake['names']) and all(cremad_label(n) == l for n, l in zip(c.names, c.labels))
    assert (c.n_frames >= 1).all() and (c.n_frames <= 3).all()
    assert np.isfinite(c.audio[:].astype(np.float32)).all()
    # the stereo 44.1 kHz files were resampled, not rejected, and look like their class's tone
    stereo = sorted(fake['names'])[:3]
    for n in stereo:
        i = list(c.names).index(n); spec = c.audio[i].astype(np.float32)
        f_hz = (300 + 250 * cremad_label(n)); k = round(f_hz / (22050 / 512))
        assert abs(int(spec.mean(1).argmax()) - k) <= 1
    # frames keep the class colour (red channel 40 + 35 c)
    for i in range(len(c)):
        med = np.median(c.clip_frames(i)[0].reshape(-1, 3), 0)
        assert abs(med[0] - (40 + 35 * c.labels[i])) < 15


def test_cremad_dataset_items_and_splits(cremad):
    root, _ = cremad
    sp = build_splits(dataset_config('cremad', root=str(root), n_frames=3, image_size=32))
    assert (len(sp.train), len(sp.val), len(sp.test)) == (16, 2, 6) and sp.class_names == CREMAD_CLASSES
    assert list(sp.train.names) == list(sp.train_eval.names) and set(sp.val.names).isdisjoint(sp.train.names)
    a, v, y, i = sp.train[3]
    # workers ship the stored bytes; the splits' batch transform finishes them where the batch is
    assert a.shape == (1, 257, 188) and a.dtype == torch.float16 and v.shape == (3, 3, 32, 32) and v.dtype == torch.uint8
    assert isinstance(y, int) and i == 3
    # augmentation: reproducible per (seed, epoch, index), different across epochs; eval items are deterministic
    view = lambda epoch: sp.batch_transform(a[None], v[None], torch.tensor([i]), True, 0, epoch)[1]
    assert view(1).dtype == torch.float32 and torch.equal(view(1), view(1)) and not torch.equal(view(1), view(2))
    assert torch.equal(sp.train_eval[3][1], sp.train_eval[3][1])
    # another split seed gives another train/val split, the same seed the same one
    sp2 = build_splits(dataset_config('cremad', root=str(default_cache_dir(root, 'cremad')), split_seed=1, image_size=32))
    assert list(build_splits(dataset_config('cremad', root=str(root), image_size=32)).val.names) == list(sp.val.names)
    assert len(sp2.val) == 2
    # the loaders batch it (two worker processes share the memory maps)
    dl = make_loaders(sp, batch_size=4, seed=0, num_workers=2)
    a, v, y, idx = next(iter(dl.train))
    assert a.shape == (4, 1, 257, 188) and v.shape == (4, 3, 3, 32, 32) and y.dtype == torch.int64
    assert a.dtype == torch.float32 and v.dtype == torch.float32


def test_cremad_missing_cache_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"gmm-adaptive prepare cremad --root .*nothing"):
        build_splits(dataset_config('cremad', root=str(tmp_path / 'nothing')))
    with pytest.raises(FileNotFoundError, match=r"holds no prepared cache.*gmm-adaptive prepare cremad --root"):
        build_splits(dataset_config('cremad', root=str(tmp_path)))


def test_cremad_resume_noop_and_no_half_cache(tmp_path):
    root = tmp_path / 'CREMA-D'
    make_fake_cremad(root, n_per_class=2, seconds=1.3, size=(32, 32))
    with pytest.raises(PrepareInterrupted):
        prepare_cremad(root, settings=TINY, workers=1, progress=False, stop_after=5)
    # interrupted: no manifest, so no loader accepts the folder, and the error says how to finish
    with pytest.raises(FileNotFoundError, match="unfinished prepare"):
        build_splits(dataset_config('cremad', root=str(root)))
    m = prepare_cremad(root, settings=TINY, workers=2, progress=False)
    assert m['timing']['n_decoded_this_run'] == 12 - 5 and m['n_clips'] == 12 and m['status'] == 'built'
    mtimes = {p.name: p.stat().st_mtime_ns for p in (default_cache_dir(root, 'cremad')).iterdir()}
    t0 = time.perf_counter(); m2 = prepare_cremad(root, settings=TINY, workers=2, progress=False)
    assert m2['status'] == 'up to date' and time.perf_counter() - t0 < 5
    assert {p.name: p.stat().st_mtime_ns for p in (default_cache_dir(root, 'cremad')).iterdir()} == mtimes
    # other settings never overwrite silently
    with pytest.raises(ValueError, match="pass force=True"):
        prepare_cremad(root, settings=MediaSettings(frame_size=40), workers=1, progress=False)
    # a changed source file is re-decoded (e.g. after `git lfs pull`)
    wav = sorted((root / 'AudioWAV').iterdir())[0]
    os.utime(wav, ns=(wav.stat().st_atime_ns, wav.stat().st_mtime_ns + 10**9))
    m3 = prepare_cremad(root, settings=TINY, workers=1, progress=False)
    assert m3['status'] == 'built' and m3['timing']['n_decoded_this_run'] == 12


def test_cremad_all_lfs_stubs_is_an_error(tmp_path):
    for n in ('1001_DFA_ANG_XX', '1002_IEO_HAP_HI', '1003_TIE_SAD_XX'):
        write_lfs_pointer(tmp_path / 'AudioWAV' / f'{n}.wav'); write_lfs_pointer(tmp_path / 'VideoFlash' / f'{n}.flv')
    assert cli('prepare', 'cremad', '--root', str(tmp_path), '--workers', '1', '--no-progress') == 2
    with pytest.raises(ValueError, match=r"(?s)no usable clip.*lfs_pointer: 3 clip.*git lfs pull"):
        prepare_cremad(tmp_path, workers=1, progress=False)
    assert not (default_cache_dir(tmp_path, 'cremad') / MANIFEST).exists()


def test_cremad_full_resolution_real_shapes(tmp_path):
    "480 x 360 FLVs at 30 fps and 16 kHz WAVs as in CREMA-D, default settings: 257 x 188 spectrograms, 224-px frames."
    root = tmp_path / 'CREMA-D'
    make_fake_cremad(root, n_per_class=1, seconds=2.6)
    m = prepare_cremad(root, workers=2, progress=False)
    c = AVCache(default_cache_dir(root, 'cremad'))
    assert c.audio.shape == (6, 257, 188) and c.frames.shape[1:] == (224, 224, 3) and m['source']['split'] == 'stratified-hash'
    assert set(c.n_frames.tolist()) <= {2, 3}
    sp = build_splits(dataset_config('cremad', root=str(root), n_frames=1, val_fraction=0.2))
    a, v, y, i = sp.train[0]
    assert a.shape == (1, 257, 188) and v.shape == (1, 3, 224, 224)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1); std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
    x = sp.batch_transform(*[t[None] for t in sp.test[0][:2]], torch.tensor([0]), False, 0, 0)[1]
    px = (x[0, 0] * std + mean)                   # undo ImageNet normalisation: back in [0, 1]
    assert px.min() >= -1e-4 and px.max() <= 1 + 1e-4


# ---------------------------------------------------------------- AVE and folders

@needs_ave_meta
def test_ave_real_annotation_files():
    rows = read_ave_rows(SHARED / 'ave' / 'Annotations.txt')
    assert len(rows) == 4143 and tuple(dict.fromkeys(r[0] for _, r in rows)) == AVE_CLASSES
    n = [len(read_ave_rows(SHARED / 'ave' / f)) for f in ('trainSet.txt', 'valSet.txt', 'testSet.txt')]
    assert n == [3338, 402, 402]


def test_ave_prepare_and_dataset(tmp_path):
    root = tmp_path / 'AVE_Dataset'
    fake = make_fake_ave(root, n_per_class=3, bad=True)
    assert cli('prepare', 'ave', '--root', str(root), '--workers', '2', '--frame-size', '32', '--no-progress') == 0
    m = read_manifest(default_cache_dir(root, 'ave'))
    assert {s['clip']: s['kind'] for s in m['skipped']} == fake['bad']
    assert m['n_clips'] == 10 and [w['kind'] for w in m['warnings']] == ['empty_event'] and len(m['class_names']) == 28
    sp = build_splits(dataset_config('ave', root=str(root), image_size=32, n_frames=2))
    assert (len(sp.train), len(sp.val), len(sp.test), sp.n_classes) == (4, 3, 3, 28)
    a, v, y, i = sp.test[1]
    assert a.shape == (1, 257, 188) and v.shape == (2, 3, 32, 32) and y == 1
    c = AVCache(default_cache_dir(root, 'ave'))
    assert (c.n_frames == 2).all()          # 2-s videos at 1 fps


def test_folder_prepare_and_dataset(tmp_path):
    fake = make_fake_folder(tmp_path, bad=True)
    assert cli('prepare', 'folder', '--videos', fake['videos'], '--labels', fake['labels'], '--classes', fake['classes'],
               '--workers', '2', '--frame-size', '32', '--no-progress') == 0
    m = read_manifest(default_cache_dir(fake['videos'], 'folder'))
    assert {s['clip']: s['kind'] for s in m['skipped']} == fake['bad']
    assert m['counts'] == {sp: {'dog': 1, 'cat': 1, 'engine': 1} for sp in ('train', 'val', 'test')}
    sp = build_splits(dataset_config('folder', root=fake['videos'], image_size=32))
    assert (len(sp.train), len(sp.val), len(sp.test)) == (3, 3, 3)
    assert [sp.train[i][2] for i in range(3)] == [m['class_names'].index(n.split('/')[0]) for n in sp.train.names]


# ---------------------------------------------------------------- training and human ratings

def test_cremad_feeds_the_trainer_for_one_epoch(cremad, tmp_path):
    pytest.importorskip('gmm_adaptive.records')
    from gmm_adaptive.config import RunConfig, ModelConfig, TrainConfig
    from gmm_adaptive.records import run_or_load
    root, _ = cremad
    cfg = RunConfig(data=dataset_config('cremad', root=str(default_cache_dir(root, 'cremad')), image_size=32),
                    model=ModelConfig(encoder='small_cnn', width=8, feature_dim=16),
                    train=TrainConfig(n_epochs=1, batch_size=4, device='cpu', progress=False))
    rec = run_or_load(cfg, tmp_path / 'results', progress=False)
    assert 0.0 <= rec.metrics['test_acc'] <= 1.0 and len(rec.history) == 1
    # end of run on the cached data: its silence / black frame (cached_dataset.cached_splits' hooks) are measured, not NaN
    assert all(0.0 <= rec.metrics[f'test_acc_no_{m}{z}'] <= 1.0 for m in ('audio', 'visual') for z in ('', '_zero'))
    # the imbalance report of the run (26_diagnose): every clip of every split, named; no human ratings in this checkout
    from gmm_adaptive.diagnose import diagnose_run
    d = {sp: diagnose_run(rec.run_dir, split=sp, write=False) for sp in ('train', 'val', 'test')}
    assert sum(len(x.samples) for x in d.values()) == 24 and all(x.samples['gap'].between(-1, 1).all() for x in d.values())
    assert all(x.human is None and x.samples['name'].map(parse_cremad_name).notna().all() for x in d.values())
    # with the checkout's processedResults/summaryTable.csv (CremadConfig.human_gaps), the human gap joins the report
    names = d['test'].samples['name'].tolist()
    table = root / 'processedResults' / 'summaryTable.csv'
    table.parent.mkdir()
    table.write_text('FileName,VoiceVote,VoiceLevel,FaceVote,FaceLevel,MultiModalVote,MultiModalLevel\n'
                     + ''.join(f"{n},{n.split('_')[2][0]},50,N,50,N,50\n" for n in names))
    try:
        t = diagnose_run(rec.run_dir, split='test', out=tmp_path / 'report')
    finally: shutil.rmtree(table.parent)
    assert t.human['n_clips'] == len(names) and t.samples['human_gap'].tolist() == [0.0 if '_NEU_' in n else 1.0 for n in names]
    assert 'human_gap' in (tmp_path / 'report' / 'samples.csv').read_text().splitlines()[0]
    assert "## People's gap beside the model's" in (tmp_path / 'report' / 'summary.md').read_text()
    if (SHARED / 'cremad' / 'summaryTable.csv').is_file():
        from gmm_adaptive.human_ratings import load_summary_table
        c = diagnose_run(rec.run_dir, split='train', write=False, human_gaps=load_summary_table(SHARED / 'cremad' / 'summaryTable.csv'))
        assert c.human['n_clips'] >= 1


@needs_cremad_meta
def test_human_gap_on_the_real_summary_table():
    from gmm_adaptive.human_ratings import load_summary_table
    from gmm_adaptive.gap_gmm import fit_gap_gmm
    h = load_summary_table(SHARED / 'cremad' / 'summaryTable.csv')
    assert len(h) == 7442 and h['human_gap'].between(-1, 1).all()
    assert abs(h['voice_score'].mean() - 0.446) < 0.01 and abs(h['face_score'].mean() - 0.685) < 0.01
    gm = fit_gap_gmm(h['human_gap'].to_numpy().copy(), seed=0)
    assert np.isfinite(gm.weights).all() and abs(sum(gm.weights) - 1) < 1e-6 and abs(gm.means[0]) < abs(gm.means[1])
