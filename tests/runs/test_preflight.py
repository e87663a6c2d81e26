"""Checks before compute: the memory estimate holds, full and read-only disks, long names."""

from __future__ import annotations

import shutil
import subprocess
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import make_scenario, scenario_data, write_scenario
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.model.model import CreditModel
from sim.runs.layout import NAME_LIMIT, path_name
from sim.runs.preflight import (
    PROCESS_BYTES,
    check_output_directory,
    memory_available,
    memory_needed,
    output_needed,
)
from sim.runs.runner import run_to_disk
from sim.scenario.files import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
runner = CliRunner()


def _mount_tmpfs(where: Path, size: str, read_only: bool = False) -> None:
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 96 kB filesystem (tmpfs), removed after the test."""
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "96k")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    """A real read-only filesystem (even root cannot write it)."""
    disk = tmp_path / "ro"
    _mount_tmpfs(disk, "1m", read_only=True)
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.parametrize(
    ("scenario", "citizens", "degree"),
    [("classroom", 50_000, 8), ("classroom", 50_000, 30), ("rongcheng", 50_000, 8),
     ("national_2018", 50_000, 4)],
)  # fmt: skip
def test_the_memory_estimate_covers_the_measured_peak(scenario, citizens, degree) -> None:
    config = load_scenario(
        SCENARIOS / f"{scenario}.toml",
        {"population.citizens": citizens, "network.mean_degree": degree, "simulation.steps": 3},
    )
    tracemalloc.start()
    try:
        model = CreditModel(config, seed=1)
        for _ in range(3):
            model.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate = memory_needed(config) - PROCESS_BYTES
    assert peak <= estimate <= 2.5 * peak, (peak, estimate)


def test_a_run_too_big_for_memory_is_refused_before_building(tmp_path: Path) -> None:
    path = write_scenario(tmp_path / "huge.toml")
    settings = ["population.citizens=20000000", "network.mean_degree=100"]
    scenario = load_scenario(path, dict(s.split("=") for s in settings))
    available = memory_available()
    if available is None or memory_needed(scenario) <= available:
        pytest.skip("this machine could hold the largest model")
    args = ["run", str(path), "--out", str(tmp_path / "out"), "--no-progress"]
    for setting in settings:
        args += ["--set", setting]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "population.citizens = 20,000,000 needs about" in result.output
    assert "available" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_full_disk_is_refused_before_simulating(tmp_path: Path, small_disk: Path) -> None:
    path = write_scenario(tmp_path / "s.toml")
    result = runner.invoke(app, ["run", str(path), "--out", str(small_disk), "--no-progress"])
    assert result.exit_code == 2, result.output
    assert f"--out {small_disk}: about" in result.output and "free" in result.output
    assert list(small_disk.iterdir()) == []


def test_a_disk_that_fills_while_writing_keeps_nothing(small_disk: Path) -> None:
    scenario = make_scenario(population__citizens=4_000, simulation__steps=24)
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"x" * (free - 16 * 1024))  # room for the start of a run only
    with pytest.raises(ScenarioError, match=r"cannot write the run .*nothing was kept"):
        run_to_disk(scenario, small_disk / "results", seed=1)
    left = sorted(p.name for p in (small_disk / "results").iterdir())
    assert left == []  # no half-written run, no staging directory


def test_a_read_only_out_is_refused_before_simulating(tmp_path: Path, read_only_disk) -> None:
    path = write_scenario(tmp_path / "s.toml")
    result = runner.invoke(app, ["run", str(path), "--out", str(read_only_disk), "--no-progress"])
    assert result.exit_code == 2, result.output
    assert f"--out {read_only_disk}: cannot write there" in result.output


def test_an_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ScenarioError, match="is a file, not a directory"):
        check_output_directory(blocker, 1)


def test_a_300_character_name_gives_a_bounded_run_directory(tmp_path: Path) -> None:
    data = scenario_data()
    data["simulation"]["name"] = "pilot-" + "x" * 294
    path = write_scenario(tmp_path / "long.toml", data)
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o"), "--no-progress",
                                 "--no-report"])  # fmt: skip
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "o").iterdir()
    assert run_dir.name.startswith("pilot-xxx") and len(run_dir.name) < NAME_LIMIT + 40


@pytest.mark.parametrize("name", ["a" * 300, "../up", ".hidden", "x/y z", "b" * 64])
def test_path_names_are_one_bounded_component(name: str) -> None:
    made = path_name(name)
    assert 0 < len(made) <= NAME_LIMIT and "/" not in made and not made.startswith(".")
    assert path_name(name) == made  # deterministic
    if len(name) > NAME_LIMIT:
        assert path_name(name + "!") != made  # distinct names stay distinct


def test_the_output_estimate_covers_a_real_run(tmp_path: Path) -> None:
    scenario = make_scenario(population__citizens=5_000, simulation__steps=24)
    run_dir = run_to_disk(scenario, tmp_path, seed=2)
    written = sum(p.stat().st_size for p in run_dir.iterdir())
    assert written <= output_needed(scenario, report=False)
