"""A sweep that cannot start writes nothing; one results directory has one writer; a dead
worker is a message, not a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import RunFailure
from sim.experiments.experiment_file import load_experiment
from sim.experiments.sweep import run_experiment
from sim.runs import layout

runner = CliRunner()
BASE = """
[simulation]
name = "tiny"
steps = 6
[population]
citizens = 500
"""
EXPERIMENT = """
[experiment]
name = "grid"
scenario = "base.toml"
replications = REPLICATIONS
seed = 3

[levers]
"schemes.default.blacklist_duration_months" = { values = DURATIONS }

[outcomes.compliance]
metric = "compliance_rate"
more_is_better = true
"""


def experiment_file(directory: Path, durations: str = "[6, 24]", replications: int = 2) -> Path:
    (directory / "base.toml").write_text(BASE)
    path = directory / "grid.toml"
    text = EXPERIMENT.replace("DURATIONS", durations).replace("REPLICATIONS", str(replications))
    path.write_text(text)
    return path


def sweep(*args: str | Path):
    return runner.invoke(app, ["sweep", *map(str, args), "--no-progress", "--no-report"])


@pytest.mark.parametrize("address", ["nonsense", "foo://bar", "tcp://", "http://host:8786"])
def test_a_malformed_scheduler_address_is_one_message(tmp_path: Path, address: str) -> None:
    result = sweep(experiment_file(tmp_path), "--scheduler", address, "--out", tmp_path / "o")
    assert result.exit_code == 2, result.output
    assert f"--scheduler {address}: not a Dask scheduler address" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o" / "grid").exists()


def test_an_unreachable_scheduler_leaves_nothing(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = sweep(
        experiment_file(tmp_path), "--scheduler", f"tcp://127.0.0.1:{port}", "--out", tmp_path / "o"
    )
    assert result.exit_code == 2, result.output
    assert "cannot connect to a Dask scheduler" in result.output
    assert not (tmp_path / "o" / "grid").exists()


def test_an_invalid_factor_combination_writes_nothing(tmp_path: Path) -> None:
    result = sweep(experiment_file(tmp_path, "[6, 0]"), "--workers", "1", "--out", tmp_path / "o")
    assert result.exit_code == 2, result.output
    assert "blacklist_duration_months" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o" / "grid").exists()


def test_an_out_that_is_a_file_is_refused_before_any_run(tmp_path: Path) -> None:
    blocker = tmp_path / "o"
    blocker.write_text("")
    result = sweep(experiment_file(tmp_path), "--workers", "1", "--out", blocker)
    assert result.exit_code == 2, result.output
    assert f"--out {blocker}: is a file, not a directory" in result.output


def test_a_second_sweep_on_a_locked_directory_exits_2_naming_the_first(tmp_path: Path) -> None:
    results = tmp_path / "o" / "grid"
    results.mkdir(parents=True)
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "started": "2026-12-02T08:00"}
    (results / layout.LOCK).write_text(json.dumps(holder))
    result = sweep(experiment_file(tmp_path), "--workers", "1", "--out", tmp_path / "o")
    assert result.exit_code == 2, result.output
    assert f"another sweep is writing here (process {os.getpid()}" in result.output
    assert sorted(p.name for p in results.iterdir()) == [layout.LOCK]  # untouched


def test_a_stale_lock_is_taken_over_and_released(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    results = tmp_path / "o" / "grid"
    results.mkdir(parents=True)
    holder = {"pid": int(gone.stdout), "host": socket.gethostname(), "started": "earlier"}
    (results / layout.LOCK).write_text(json.dumps(holder))
    result = sweep(experiment_file(tmp_path), "--workers", "1", "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert not (results / layout.LOCK).exists()
    assert (results / layout.SUMMARY).exists()


def test_two_sweeps_at_once_one_runs_the_other_is_refused(tmp_path: Path) -> None:
    path = experiment_file(tmp_path, "[6, 12, 24, 36]", replications=25)
    command = [sys.executable, "-m", "sim.cli", "sweep", str(path), "--workers", "1",
               "--out", str(tmp_path / "o"), "--no-progress", "--no-report"]  # fmt: skip
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    lock = tmp_path / "o" / "grid" / layout.LOCK
    deadline = time.monotonic() + 60
    while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # what a user would see: the first sweep holds the directory
    second = subprocess.run(command, capture_output=True, text=True)
    first_was_running = first.poll() is None
    _, first_errors = first.communicate(timeout=600)
    assert first.returncode == 0, first_errors
    assert first_was_running, "the first sweep finished too soon to test the lock"
    assert second.returncode == 2, second.stderr
    assert f"process {first.pid}" in second.stderr and "Traceback" not in second.stderr
    assert not lock.exists()


def test_a_worker_that_dies_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    experiment = load_experiment(experiment_file(tmp_path, "[6, 12, 24, 36]", replications=8))
    pool = ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn"))

    def kill_a_worker() -> None:
        while not getattr(pool, "_processes", None):
            time.sleep(0.01)
        time.sleep(0.5)
        os.kill(next(iter(pool._processes)), 9)

    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    try:
        with pytest.raises(RunFailure, match="a worker process died"):
            run_experiment(experiment, tmp_path / "o", executor=pool, progress=False)
    finally:
        killer.join()
        pool.shutdown(wait=True, cancel_futures=True)
    assert not (tmp_path / "o" / "grid" / layout.LOCK).exists()
    assert (tmp_path / "o" / "grid" / layout.SUMMARY).exists()  # finished runs are kept
