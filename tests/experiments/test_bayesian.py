"""Bayesian calibration (ABC-SMC) end to end: the real calibration file, tiny, through the CLI."""

import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from helpers import write_tiny_calibration
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario.files import load_scenario

pytestmark = pytest.mark.slow


def tiny_calibration(tmp_path: Path, generations: int) -> Path:
    return write_tiny_calibration(
        tmp_path / "calibration.toml", tmp_path / "fitted.toml", generations
    )


def _calibrate(path: Path, out: Path, *extra: str):
    return CliRunner().invoke(
        app,
        ["calibrate", str(path), "--out", str(out), "--workers", "1", "--no-progress", *extra],
    )


def test_abc_writes_posterior_checks_and_fitted_scenario_then_resumes(tmp_path):
    path, out = tiny_calibration(tmp_path, 1), tmp_path / "out"
    done = _calibrate(path, out, "--docs", str(tmp_path / "docs"))
    assert done.exit_code == 0, done.output
    directory = out / "national_2018"
    table = pd.read_parquet(directory / "calibration.parquet")
    targets = tomllib.loads(path.read_text())["targets"]
    assert list(table["target"]) == list(targets)
    assert set(table["sample"]) == {"in-sample", "out-of-sample", "check"}
    assert (table["interval_low"] <= table["predicted_median"]).all()
    assert (table["predicted_median"] <= table["interval_high"]).all()
    for row in table.itertuples():  # "in interval" agrees with the numbers
        if row.bound == "equal":
            assert row.inside == (row.interval_low <= row.observed <= row.interval_high)
    posterior = pd.read_parquet(directory / "posterior.parquet")
    assert posterior["weight"].sum() == pytest.approx(1.0)
    params = tomllib.loads(path.read_text())["parameters"]
    for name, parameter in params.items():
        assert posterior[name].between(parameter["low"], parameter["high"]).all()
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["generations"] == 1 and manifest["resumed_from_generation"] == 0
    fitted = load_scenario(tmp_path / "fitted.toml")
    median = manifest["posterior_median"]
    assert fitted.decision.repayment_propensity == pytest.approx(median["repayment"])
    assert fitted.population.citizens == 100_000  # fitting overrides are not written
    assert "in-sample" in done.output and "out-of-sample" in done.output
    page = (tmp_path / "docs" / "calibration.md").read_text()
    assert "Posterior" in page and "out-of-sample" in page
    assert (directory / "report.html").read_text().count("plotly") > 0

    # A second generation continues the same database.
    path.write_text(path.read_text().replace("max_generations = 1", "max_generations = 2"))
    again = _calibrate(path, out)
    assert again.exit_code == 0, again.output
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["resumed_from_generation"] == 1 and manifest["generations"] == 2


def test_resuming_with_other_settings_is_refused_and_keeps_the_database(tmp_path):
    path, out = tiny_calibration(tmp_path, 1), tmp_path / "out"
    assert _calibrate(path, out).exit_code == 0
    database = out / "national_2018" / "abc.db"
    before = database.read_bytes()
    path.write_text(path.read_text().replace("low = 0.01\n", "low = 0.02\n", 1))
    refused = _calibrate(path, out)
    assert refused.exit_code == 2
    assert "other settings" in refused.output and "--fresh" in refused.output
    assert database.read_bytes() == before


def test_an_unwritable_out_is_refused_before_any_run(tmp_path):
    path = tiny_calibration(tmp_path, 1)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = _calibrate(path, blocker)
    assert done.exit_code == 2
    assert "is a file" in done.output
    assert not (tmp_path / "fitted.toml").exists()
