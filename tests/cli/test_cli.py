"""The `creditsim` command line, end to end: run, validate, schema, and every bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import REQUIRED_COLUMNS, make_scenario, scenario_data, write_scenario
from typer.testing import CliRunner

from sim import Scenario
from sim.cli import app

REQUIRED = list(REQUIRED_COLUMNS)
BY_GROUP = ["compliance_rate", "blacklisted_share", "redlisted_share"]
CITIES = ["north", "south", "east"]

runner = CliRunner()


def invoke(*args: str | Path) -> object:
    return runner.invoke(app, [str(a) for a in args])


def run_dir_of(result: object) -> Path:
    """The run directory: the last line of stdout."""
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "results"


def test_run_writes_timeseries_agents_and_manifest(scenario_file: Path, out: Path) -> None:
    result = invoke("run", scenario_file, "--out", out, "--no-progress")
    assert result.exit_code == 0, result.output
    run_dir = run_dir_of(result)
    assert run_dir.parent == out and run_dir.is_dir()
    assert [p.name for p in out.iterdir()] == [run_dir.name]

    timeseries = pd.read_parquet(run_dir / "timeseries.parquet")
    assert len(timeseries) == 12
    assert timeseries["step"].tolist() == list(range(1, 13))
    expected = set(REQUIRED)
    expected |= {f"{name}__q{q}" for name in BY_GROUP for q in range(1, 6)}
    expected |= {f"{name}__{city}" for name in BY_GROUP for city in CITIES}
    assert expected <= set(timeseries.columns)

    agents = pd.read_parquet(run_dir / "agents.parquet")
    assert (agents["kind"] == "citizen").sum() == 1000
    assert (agents["kind"] == "firm").sum() == 50

    manifest = json.loads((run_dir / "manifest.json").read_text())
    scenario = Scenario.model_validate(manifest["scenario"])
    assert scenario == make_scenario()
    assert manifest["scenario_sha256"] == scenario.digest()
    assert manifest["seed"] == 7  # the scenario's own seed
    assert manifest["packages"]["mesa"].startswith("3.5")
    assert manifest["timings"]["run_seconds"] > 0
    assert manifest["scenario_file"] == str(scenario_file)


def test_seed_steps_and_set_options(scenario_file: Path, out: Path) -> None:
    result = invoke(
        "run",
        scenario_file,
        "--out",
        out,
        "--seed",
        "3",
        "--steps",
        "5",
        "--set",
        "population.citizens=400",
        "--set",
        "cities.east.enforcement=2.0",
        "--no-progress",
    )
    assert result.exit_code == 0, result.output
    run_dir = run_dir_of(result)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["seed"] == 3
    assert manifest["scenario"]["simulation"]["steps"] == 5
    assert manifest["scenario"]["cities"]["east"]["enforcement"] == 2.0
    assert len(pd.read_parquet(run_dir / "timeseries.parquet")) == 5
    assert (pd.read_parquet(run_dir / "agents.parquet")["kind"] == "citizen").sum() == 400


def test_seed_changes_the_run_and_repeats_it(scenario_file: Path, out: Path) -> None:
    def series(seed: str, where: str) -> pd.DataFrame:
        result = invoke("run", scenario_file, "--out", out / where, "--seed", seed, "--steps", "4")
        assert result.exit_code == 0, result.output
        return pd.read_parquet(run_dir_of(result) / "timeseries.parquet")

    assert series("1", "a").equals(series("1", "b"))
    assert not series("1", "c").equals(series("2", "d"))


def test_run_dir_is_the_last_line_even_with_progress(scenario_file: Path, out: Path) -> None:
    result = invoke("run", scenario_file, "--out", out, "--steps", "3", "--progress")
    assert result.exit_code == 0, result.output
    assert run_dir_of(result).is_dir()


def test_validate_prints_a_summary(scenario_file: Path) -> None:
    result = invoke("validate", scenario_file)
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout and "1000 citizens" in result.stdout
    result = invoke("validate", scenario_file, "--set", "population.citizens=2000")
    assert "2000 citizens" in result.stdout


def test_schema_is_json_schema_of_the_scenario() -> None:
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert "cities" in schema["properties"] and "Scheme" in schema["$defs"]


# --- bad input: exit 2, one message naming file and key, no traceback, no run directory ------


def _bad_file(tmp_path: Path, **overrides: object) -> Path:
    return write_scenario(tmp_path / "bad.toml", scenario_data(**overrides))


def _broken_toml(tmp_path: Path) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text("[population]\ncitizens = = 3\n")
    return path


def _utf16(tmp_path: Path) -> Path:
    path = tmp_path / "bad.toml"
    path.write_bytes("[simulation]\nsteps = 3\n".encode("utf-16"))
    return path


BAD_FILES = {
    "typo": (
        lambda t: _bad_file(t, population__citzens=500),
        ["population.citzens", "unknown key"],
    ),
    "type": (lambda t: _bad_file(t, simulation__steps="ten"), ["simulation.steps", "'ten'"]),
    "range": (
        lambda t: _bad_file(t, behaviours__traffic_violation__detectability=2.0),
        ["behaviours.traffic_violation.detectability = 2.0", "allowed: [0, 1]"],
    ),
    "unknown city": (
        lambda t: _bad_file(t, zones__delta__members=["north", "atlantis"]),
        ["zones.delta.members", "'atlantis'", "allowed:"],
    ),
    "unknown behaviour": (
        lambda t: _bad_file(t, schemes__strict__blacklist_behaviours=["arson"]),
        ["schemes.strict.blacklist_behaviours", "'arson'"],
    ),
    "unknown scheme": (
        lambda t: _bad_file(t, cities__east__scheme="lax"),
        ["cities.east.scheme", "'lax'", "strict"],
    ),
    "unknown sanction": (
        lambda t: _bad_file(t, schemes__strict__sanctions=["no_boats"]),
        ["schemes.strict.sanctions", "'no_boats'", "no_flights"],
    ),
    "missing file": (lambda t: t / "absent.toml", ["file not found"]),
    "directory": (lambda t: t, ["is a directory"]),
    "encoding": (_utf16, ["cannot read file"]),
    "broken toml": (_broken_toml, ["not valid TOML", "line 2"]),
    "unreadable": (lambda t: Path("/proc/self/mem"), ["cannot read file"]),
}


def _assert_user_error(result: object, file: Path, words: list[str], out: Path) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    message = result.stderr
    assert message.startswith("error: ")
    assert str(file) in message
    for word in words:
        assert word in message
    assert "Traceback" not in message
    assert len(message.strip().splitlines()) == 1
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_one_clear_error(tmp_path: Path, out: Path, command: str, case: str) -> None:
    make, words = BAD_FILES[case]
    path = make(tmp_path)
    extra = ["--out", out] if command == "run" else []
    _assert_user_error(invoke(command, path, *extra), path, words, out)


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("population.citizens", ["--set", "key.path=value"]),
        ("=5", ["--set", "empty key path"]),
        ("population.citizens=lots", ["population.citizens = 'lots'", "integer"]),
        ("population.citizns=5", ["population.citizns = 5", "unknown key"]),
        ("decision.logit_noise=-1", ["decision.logit_noise = -1", "allowed: [0, 10]"]),
    ],
)
def test_bad_set_option_is_one_clear_error(
    scenario_file: Path, out: Path, setting: str, words: list[str]
) -> None:
    result = invoke("run", scenario_file, "--out", out, "--set", setting)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    for word in words:
        assert word in result.stderr
    assert not out.exists()


def test_an_out_path_that_cannot_be_a_directory_is_one_clear_error(
    scenario_file: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("")
    out = blocker / "results"
    result = invoke("run", scenario_file, "--out", out, "--steps", "2")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: --out {out}: cannot create directory")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_bad_seed_or_steps_are_refused(scenario_file: Path, out: Path) -> None:
    for args in (["--seed", "-1"], ["--steps", "0"], ["--steps", "many"]):
        result = invoke("run", scenario_file, "--out", out, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert not out.exists()


# --- a real process --------------------------------------------------------------------------


def _creditsim(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_real_process_runs_and_prints_the_run_dir_last(scenario_file: Path, out: Path) -> None:
    done = _creditsim("run", scenario_file, "--out", out, "--steps", "3", "--seed", "2")
    assert done.returncode == 0, done.stderr
    run_dir = Path(done.stdout.strip().splitlines()[-1])
    assert run_dir.is_dir()
    assert {"agents.parquet", "manifest.json", "timeseries.parquet"} <= {
        p.name for p in run_dir.iterdir()
    }
    assert len(pd.read_parquet(run_dir / "timeseries.parquet")) == 3


def test_real_process_interrupted_midway_leaves_no_run(tmp_path: Path, out: Path) -> None:
    path = write_scenario(
        tmp_path / "long.toml",
        scenario_data(population__citizens=50_000, simulation__steps=1200),
    )
    command = [sys.executable, "-m", "sim.cli", "run", str(path), "--out", str(out)]
    # Test runners (pytest-xdist workers) may ignore SIGINT, and children inherit that:
    # restore the default so Python turns the signal into KeyboardInterrupt.
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        seen = b""
        while b"step" not in seen:  # the progress bar shows: the simulation is running
            chunk = os.read(process.stderr.fileno(), 4096)
            assert chunk, seen.decode(errors="replace")
            seen += chunk
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert b"interrupted" in stderr and b"Traceback" not in stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_real_process_reports_a_bad_file_without_traceback(tmp_path: Path, out: Path) -> None:
    path = _bad_file(tmp_path, population__citizens=-4)
    done = _creditsim("run", path, "--out", out)
    assert done.returncode == 2
    lines = path.read_text().splitlines()
    number = next(n for n, line in enumerate(lines, 1) if line.startswith("citizens = -4"))
    assert done.stderr.startswith(f"error: {path}:{number}: population.citizens = -4")
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert not out.exists()


def test_a_stale_calibrated_scenario_warns_when_validated(tmp_path):
    calibrated = Path(__file__).resolve().parents[2] / "scenarios" / "national_2018_calibrated.toml"
    fresh = CliRunner().invoke(app, ["validate", str(calibrated)])
    assert fresh.exit_code == 0 and "warning:" not in fresh.output
    stale = tmp_path / "stale.toml"
    stale.write_text(
        calibrated.read_text().replace(
            "[simulation]\n", '[simulation]\nwarning = "stale calibration: refit it"\n', 1
        )
    )
    result = CliRunner().invoke(app, ["validate", str(stale)])
    assert result.exit_code == 0
    assert "warning:" in result.output and "stale calibration" in result.output
