"""Archive conversion (`callcore recordings convert`): files per second with 1 and 2 Ray workers
against ``--ray off`` (threads in one process), on the same input in the same run.

Input: 240 one-minute 64K A-law ``.V3`` recordings (speech-like, 115 MB) in a local folder,
converted to MP3 (8 kHz mono, 16 kbit/s) into a fresh local folder each round, so the figure is
the conversion path (listing, hashing, transcoding, committing, manifests) without a network.
Ray's fixed start-up (``ray.init`` of a local cluster with 1 or 2 CPUs) is measured on its own
and is NOT in the per-file figures: it is paid once per job, whatever its size.

This machine has 2 cores: nothing here says how a cluster of more nodes scales (conversion is
per file and shard, so it should grow with workers until storage bandwidth caps it, which this
benchmark does not measure)."""
from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import callcore.audio as audio
from callcore.pipelines.archive import ConvertOptions, convert_archive

FILES = 240
SECONDS = 60
GROUP = "archive: A-law 1 min -> MP3, per file"


def _speech(seconds: float, seed: int) -> np.ndarray:
    t = np.arange(int(seconds * 8000)) / 8000
    s = np.sin(2 * np.pi * 300 * t) + 0.6 * np.sin(2 * np.pi * 1170 * t)
    s += np.random.default_rng(seed).normal(0, 0.05, t.size)
    return np.clip(s * (0.55 + 0.45 * np.sin(2 * np.pi * 0.7 * t)) * 9000, -32768, 32767).astype(np.int16)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("archive_bench") / "src"
    for i in range(FILES):
        p = src / f"day{i % 8}" / f"{200000 + i}.V3"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(audio.encode(_speech(SECONDS, i), "alaw"))
    return src


def _run(src: Path, dst: Path, ray: str, workers: int) -> Any:
    s = convert_archive(ConvertOptions(str(src), str(dst), to="mp3", source="alaw", ray=ray, workers=workers,
                                       shard_files=16))
    assert s.converted == FILES and s.complete, s.errors
    return s


def _clear(dst: Path) -> None:
    shutil.rmtree(dst, ignore_errors=True)


@pytest.mark.parametrize("workers", [1, 2])
def test_ray_off(measure: Any, archive: Path, tmp_path: Path, workers: int) -> None:
    dst = tmp_path / "dst"
    impl = "callcore" if workers == 2 else "--ray off, 1 thread"
    measure(GROUP, impl, _run, archive, dst, "off", workers, per=FILES, unit="file", rounds=3,
            setup=lambda: _clear(dst))


@pytest.mark.parametrize("cpus", [1, 2])
def test_ray_local(measure: Any, archive: Path, tmp_path: Path, cpus: int) -> None:
    ray = pytest.importorskip("ray", reason="Ray is the callcore[ray] extra")
    t0 = time.perf_counter()
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    startup = time.perf_counter() - t0
    try:
        dst = tmp_path / "dst"
        measure(GROUP, f"Ray, {cpus} worker{'s' if cpus > 1 else ''}", _run, archive, dst, "local", cpus, per=FILES,
                unit="file", rounds=3, setup=lambda: _clear(dst))
    finally:
        ray.shutdown()
    # the fixed cost, once per job: printed with -s and kept in the benchmark's extra_info
    print(f"\nRay start-up (ray.init, local, {cpus} CPU): {startup:.2f} s")
    from conftest import _MEDIANS

    _MEDIANS[f"Ray start-up, once per job ({cpus} CPU)"]["ray.init"] = (startup, "start")
