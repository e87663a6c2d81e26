"""A sweep through a real Dask scheduler and worker gives the same results as local runs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments.experiment_file import load_experiment
from sim.experiments.sweep import run_experiment

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")
BASE = """
[simulation]
name = "tiny"
steps = 12
[population]
citizens = 1000
"""
EXPERIMENT = """
[experiment]
name = "on_dask"
scenario = "base.toml"
replications = 2
seed = 99

[levers]
"schemes.default.blacklist_duration_months" = { values = [6, 36] }

[uncertainties]
"decision.logit_noise" = { low = 0.05, high = 0.2 }

[sampling]
method = "latin_hypercube"
points = 3

[outcomes.compliance]
metric = "compliance_rate"
statistic = "mean"
more_is_better = true

[outcomes.blacklisted]
metric = "blacklisted_share"
more_is_better = false

[outcomes.time_to_full_compliance]
metric = "compliance_rate"
statistic = "time_to_threshold"
threshold = 0.99
never_reached = "run_length"
more_is_better = false
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _start_cluster(tmp_path: Path, hidden: Path | None = None) -> Iterator[str]:
    """A `dask scheduler` and one `dask worker` (1 process, 1 thread) on 127.0.0.1.

    With `hidden`, the worker runs in its own mount namespace with an empty tmpfs over that
    directory: it cannot see (or write to) what the client sees there, as on a cluster
    without a shared disk.
    """
    from distributed import Client

    address = f"tcp://127.0.0.1:{free_port()}"
    logs = tmp_path / "dask-logs"
    logs.mkdir()
    common = {"cwd": REPO, "start_new_session": True, "stdout": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [
            DASK,
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            address.rsplit(":", 1)[1],
            "--no-dashboard",
        ],
        stderr=(logs / "scheduler.log").open("w"),
        **common,
    )
    worker = None
    try:
        isolate = []
        if hidden is not None:
            hidden.mkdir(parents=True, exist_ok=True)
            isolate = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                       f'mount -t tmpfs tmpfs "{hidden}" && exec "$0" "$@"']  # fmt: skip
        worker = subprocess.Popen(
            [
                *isolate,
                DASK,
                "worker",
                address,
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
                "--local-directory",
                str(tmp_path / "dask-worker-space"),
            ],
            stderr=(logs / "worker.log").open("w"),
            **common,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(1, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or scheduler.poll() is not None:
                    raise RuntimeError((logs / "scheduler.log").read_text()) from None
                time.sleep(0.5)
        yield address
    finally:
        if worker is not None:
            stop(worker)
        stop(scheduler)


@pytest.fixture
def dask_cluster(tmp_path) -> Iterator[str]:
    """A scheduler and a worker that share this machine's disk."""
    yield from _start_cluster(tmp_path)


@pytest.fixture
def dask_cluster_without_shared_disk(tmp_path) -> Iterator[str]:
    """A scheduler and a worker that cannot see `tmp_path / "results"`."""
    probe = subprocess.run(
        ["unshare", "--mount", "sh", "-c", f'mount -t tmpfs tmpfs "{tmp_path}"'],
        capture_output=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"no mount namespaces here: {probe.stderr.decode().strip()}")
    yield from _start_cluster(tmp_path, hidden=tmp_path / "results")


def test_dask_sweep_matches_local_pool_and_one_worker(tmp_path, dask_cluster):
    (tmp_path / "base.toml").write_text(BASE)
    path = tmp_path / "on_dask.toml"
    path.write_text(EXPERIMENT)
    experiment = load_experiment(path)

    on_dask = run_experiment(experiment, tmp_path / "dask", scheduler=dask_cluster, progress=False)
    local_pool = run_experiment(experiment, tmp_path / "pool", workers=2, progress=False)
    one_worker = run_experiment(experiment, tmp_path / "one", workers=1, progress=False)

    assert on_dask.ran == 3 * 2 and on_dask.failed == 0
    frames = [
        pd.read_parquet(report.results_dir / "summary.parquet")
        for report in (on_dask, local_pool, one_worker)
    ]
    assert len(frames[0]) == 6 and (frames[0]["status"] == "ok").all()
    assert frames[0]["outcome.compliance"].nunique() == 6  # every run differs from the others
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])
    # whole time series agree too, not just the summaries
    for run_id in frames[0]["run_id"]:
        pd.testing.assert_frame_equal(
            pd.read_parquet(on_dask.results_dir / run_id / "timeseries.parquet"),
            pd.read_parquet(one_worker.results_dir / run_id / "timeseries.parquet"),
        )


def test_a_dask_sweep_keeps_every_run_when_workers_cannot_see_the_results(
    tmp_path, dask_cluster_without_shared_disk
):
    (tmp_path / "base.toml").write_text(BASE)
    path = tmp_path / "on_dask.toml"
    path.write_text(EXPERIMENT)
    experiment = load_experiment(path)
    report = run_experiment(
        experiment, tmp_path / "results", scheduler=dask_cluster_without_shared_disk,
        progress=False,
    )  # fmt: skip
    assert (report.ran, report.failed) == (6, 0)
    summary = pd.read_parquet(report.results_dir / "summary.parquet")
    assert len(summary) == 6 and (summary["status"] == "ok").all()
    for run_id in summary["run_id"]:
        files = {p.name for p in (report.results_dir / run_id).iterdir()}
        assert {"timeseries.parquet", "agents.parquet", "manifest.json"} <= files
    again = run_experiment(
        experiment, tmp_path / "results", scheduler=dask_cluster_without_shared_disk,
        progress=False,
    )  # fmt: skip
    assert (again.ran, again.skipped) == (0, 6)  # resuming finds them all


SEARCH = """
[experiment]
name = "search_on_dask"
scenario = "base.toml"
replications = 2
seed = 5

[levers]
"schemes.default.blacklist_duration_months" = { low = 6, high = 48 }
"schemes.default.blacklist_permanent" = { values = [false, true] }

[optimise]
population = 4
generations = 2

[outcomes.compliance]
metric = "compliance_rate"
statistic = "mean"
more_is_better = true

[outcomes.blacklisted]
metric = "blacklisted_share"
more_is_better = false
"""


def test_a_design_search_on_dask_finds_the_same_front_as_one_local_worker(tmp_path, dask_cluster):
    from sim.experiments.optimisation import optimise_experiment

    (tmp_path / "base.toml").write_text(BASE)
    path = tmp_path / "search.toml"
    path.write_text(SEARCH)
    experiment = load_experiment(path)
    on_dask = optimise_experiment(
        experiment, tmp_path / "dask", scheduler=dask_cluster, progress=False
    )
    local = optimise_experiment(experiment, tmp_path / "one", workers=1, progress=False)
    assert on_dask.runs["failed"] == 0 and on_dask.runs["ran"] > 0
    pd.testing.assert_frame_equal(on_dask.evaluations, local.evaluations)
    pd.testing.assert_frame_equal(on_dask.front, local.front)


def test_a_bayesian_calibration_samples_on_dask(tmp_path, dask_cluster):
    """ABC-SMC's particles run on the scheduler's worker (pyabc's concurrent-futures sampler)."""
    import json

    from helpers import write_tiny_calibration
    from typer.testing import CliRunner

    from sim.cli import app

    path = write_tiny_calibration(
        tmp_path / "calibration.toml",
        tmp_path / "fitted.toml",
        generations=1,
        citizens=1500,
        predictive_draws=2,
    )
    out = tmp_path / "out"
    done = CliRunner().invoke(
        app,
        ["calibrate", str(path), "--out", str(out), "--scheduler", dask_cluster, "--no-progress"],
    )
    assert done.exit_code == 0, done.output
    directory = out / "national_2018"
    posterior = pd.read_parquet(directory / "posterior.parquet")
    assert len(posterior) >= 5 and posterior["weight"].sum() == pytest.approx(1.0)
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["generations"] == 1
    assert (tmp_path / "fitted.toml").exists()
    from distributed import Client

    with Client(dask_cluster, timeout="10s") as client:
        ran = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))
    # pyabc's particle tasks and the predictive, seed and size checks all ran on the worker
    assert any("submit_function" in name for name in ran), ran
    assert "run_targets" in ran, ran
