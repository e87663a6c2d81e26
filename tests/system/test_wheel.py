"""The wheel installs into a clean Python 3.12 environment and its command runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


UV = [shutil.which("uv")] if shutil.which("uv") else ["python3", "-m", "uv"]  # .ci/setup's


def _uv(*arguments: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([*UV, *arguments], cwd=cwd, capture_output=True, text=True)


def test_the_wheel_installs_in_a_fresh_environment_and_runs_a_scenario(tmp_path: Path):
    built = _uv("build", "--wheel", "--out-dir", str(tmp_path / "dist"), "--quiet")
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("creditsim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sim/cli.py" in names and not any(n.startswith(("tests/", "results/")) for n in names)
    python = Path(getattr(sys, "_base_executable", sys.executable))
    environment = tmp_path / "venv"
    made = _uv("venv", "--quiet", "--python", str(python), str(environment))
    assert made.returncode == 0, made.stderr
    installed = _uv("pip", "install", "--quiet", "--python", str(environment / "bin" / "python"),
                    str(wheel))  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    command = environment / "bin" / "creditsim"
    scenario = REPO / "scenarios" / "classroom.toml"
    checked = subprocess.run([command, "validate", scenario], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    out = tmp_path / "results"
    ran = subprocess.run(
        [command, "run", scenario, "--steps", "2", "--out", out, "--no-report"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    (run_dir,) = out.iterdir()
    assert (run_dir / "timeseries.parquet").is_file() and (run_dir / "manifest.json").is_file()

    # Without the extras, what needs one says which and how to get it; nothing crashes.
    images = subprocess.run([command, "report", run_dir, "--format", "html,png"],
                            capture_output=True, text=True)  # fmt: skip
    assert images.returncode == 0 and (run_dir / "report.html").is_file()
    assert "need the images extra" in images.stdout + images.stderr
    experiment = REPO / "experiments" / "yangtze_permanent_poor.toml"
    for arguments, extra in (
        (["sweep", experiment, "--scheduler", "tcp://127.0.0.1:9"], "needs the dask extra"),
        (["discover", experiment], "need the analysis extra"),
    ):
        refused = subprocess.run([command, *arguments, "--out", tmp_path / "sweeps"],
                                 capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
        assert refused.returncode == 2, refused.stderr
        assert extra in refused.stderr and "Traceback" not in refused.stderr
