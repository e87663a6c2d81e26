"""A sweep killed midway (SIGKILL) resumes: no finished run lost, none run twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
BASE = """
[simulation]
name = "tiny"
steps = 24
[population]
citizens = 2000
"""
EXPERIMENT = """
[experiment]
name = "killed"
scenario = "base.toml"
replications = 6
seed = 4

[levers]
"schemes.default.blacklist_duration_months" = { values = [6, 12, 24, 60] }

[outcomes.compliance]
metric = "compliance_rate"
more_is_better = true
"""
PLANNED = 4 * 6


def sweep_command(path: Path, out: Path, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "sim.cli", "sweep", str(path),
        "--workers", str(workers), "--out", str(out), "--no-progress",
    ]  # fmt: skip


def finished_runs(results: Path) -> dict[str, float]:
    """Run id -> modification time of the manifest, for every finished run directory.

    Hidden staging directories (a run being written) are not finished runs: pathlib's glob
    matches dot names, and such a directory may hold its record but not yet its manifest.
    """
    return {
        record.parent.name: (record.parent / "manifest.json").stat().st_mtime_ns
        for record in results.glob("*/summary.json")
        if not record.parent.name.startswith(".")
    }


def test_sigkill_midway_then_resume_completes_without_loss_or_duplicates(tmp_path):
    (tmp_path / "base.toml").write_text(BASE)
    path = tmp_path / "killed.toml"
    path.write_text(EXPERIMENT)
    results = tmp_path / "out" / "killed"

    sweep = subprocess.Popen(
        sweep_command(path, tmp_path / "out", workers=2),
        cwd=REPO,
        start_new_session=True,  # the pool's workers share the group and die with it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while len(finished_runs(results)) < 4:
        assert sweep.poll() is None, sweep.stderr.read().decode()
        assert time.monotonic() < deadline, "the sweep did not start"
        time.sleep(0.05)
    os.killpg(sweep.pid, signal.SIGKILL)
    sweep.wait()
    sweep.stderr.close()

    before = finished_runs(results)
    assert 4 <= len(before) < PLANNED, "kill the sweep midway"
    for run_id in before:  # every run directory that exists is complete
        assert json.loads((results / run_id / "summary.json").read_text())["status"] == "ok"
        assert (results / run_id / "timeseries.parquet").is_file()

    resumed = subprocess.run(
        [*sweep_command(path, tmp_path / "out", workers=1)[:-1], "--resume", "--no-progress"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(before)} already finished, {PLANNED - len(before)} run now" in resumed.stderr

    after = finished_runs(results)
    assert len(after) == PLANNED
    assert all(after[run_id] == mtime for run_id, mtime in before.items()), "a run ran twice"
    summary = pd.read_parquet(results / "summary.parquet")
    assert len(summary) == PLANNED and summary["run_id"].is_unique
    assert set(summary["run_id"]) == set(after)
    assert (summary["status"] == "ok").all()
    assert sorted(zip(summary["point"], summary["replicate"], strict=True)) == [
        (point, replicate) for point in range(4) for replicate in range(6)
    ]
    assert not [p for p in results.iterdir() if p.name.startswith(".")], "staging left behind"

    # the killed-and-resumed sweep equals an uninterrupted one
    (tmp_path / "clean").mkdir()
    clean = subprocess.run(
        sweep_command(path, tmp_path / "clean", workers=1),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert clean.returncode == 0, clean.stderr
    uninterrupted = pd.read_parquet(tmp_path / "clean" / "killed" / "summary.parquet")
    pd.testing.assert_frame_equal(summary, uninterrupted)
