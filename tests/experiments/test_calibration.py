"""Calibration: recovers a known parameter, writes its outputs, rejects bad files clearly."""

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.experiments.calibration import (
    calibrate,
    load_calibration,
    write_fitted_scenario,
    write_outputs,
)
from sim.outputs.calibration_page import write_docs_page
from sim.scenario.files import load_scenario

SCENARIO = """
[simulation]
name = "calibration-toy"
steps = 6
[population]
citizens = 1500
firms_per_citizen = 0.0
income_sigma = 0.0
honesty_mean = 0.0
honesty_sd = 0.0
[decision]
logit_noise = 0.0
peer_weight = 0.0
learning_rate_own = 0.0
learning_rate_social = 0.0
[income_shocks]
probability_per_month = 0.0
[records]
false_record_rate_per_month = 0.0
[migration]
enabled = false
[behaviours.offence]
opportunity_rate_per_month = 1.0
gain_income_share = 0.1
gain_sigma = 0.5
fine_yuan = 1000.0
detectability = 0.4
[sanctions]
[rewards]
[schemes]
[cities.town]
"""


def calibration_file(tmp_path: Path, target_value: float, extra: str = "") -> Path:
    (tmp_path / "toy.toml").write_text(SCENARIO)
    path = tmp_path / "calibration.toml"
    path.write_text(
        f"""
[calibration]
name = "toy"
scenario = "toy.toml"
output_scenario = "toy_fitted.toml"
seed = 5
replications = 2
max_evaluations = 30
[parameters.gain]
key = "behaviours.offence.gain_income_share"
low = 0.02
high = 0.5
log_scale = true
[targets.offence_rate]
metric = "act_rate__offence"
aggregate = "mean"
from_step = 1
to_step = 6
value = {target_value}
source = "synthetic: the rate at gain 0.1"
{extra}
"""
    )
    return path


def test_calibration_recovers_a_known_gain(tmp_path):
    # At gain median 0.1, detection 0.4, fine 1000 / income 4000: P(gain > 0.1) = 0.5.
    calibration = load_calibration(calibration_file(tmp_path, 0.5))
    result = calibrate(calibration, progress=False)
    assert result.fitted["gain"] == pytest.approx(0.1, rel=0.1)
    row = result.table.iloc[0]
    assert abs(row["relative_error"]) < 0.05
    assert row["ci_low"] <= row["simulated_mean"] <= row["ci_high"]

    directory = write_outputs(calibration, result, tmp_path / "out")
    assert {p.name for p in directory.iterdir()} >= {
        "calibration.parquet",
        "history.parquet",
        "fitted.parquet",
    }
    fitted_path = write_fitted_scenario(calibration, result.fitted)
    fitted = load_scenario(fitted_path)
    assert fitted.behaviours["offence"].gain_income_share == pytest.approx(result.fitted["gain"])
    assert tomllib.loads(fitted_path.read_text())["population"]["citizens"] == 1500

    page = write_docs_page(calibration, result, tmp_path / "docs")
    assert "offence_rate" in page.read_text()
    assert (tmp_path / "docs" / "images" / "calibration.png").read_bytes()[
        :8
    ] == b"\x89PNG\r\n\x1a\n"


def test_calibrate_cli_prints_table_and_fitted_scenario(tmp_path):
    path = calibration_file(tmp_path, 0.5)
    result = CliRunner().invoke(
        app,
        [
            "calibrate",
            str(path),
            "--out",
            str(tmp_path / "out"),
            "--max-evaluations",
            "6",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "offence_rate" in result.output
    assert (tmp_path / "toy_fitted.toml").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "[targets.late]\nmetric = 'blacklisted_share'\nstep = 99\nvalue = 0.1\nsource = 'x'",
            "targets.late",
        ),
        ("[parameters.bad]\nkey = 'decision.peer_weight'\nlow = 1.0\nhigh = 0.5", "parameters.bad"),
        ("[targets.typo]\nmetrik = 'x'\nvalue = 1\nsource = 'x'", "targets.typo.metrik"),
    ],
)
def test_bad_calibration_files_name_the_key(tmp_path, extra, message):
    path = calibration_file(tmp_path, 0.5, extra)
    with pytest.raises(ScenarioError, match=message):
        load_calibration(path)
    result = CliRunner().invoke(app, ["calibrate", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "o").exists()


def test_a_bound_target_costs_nothing_when_met_and_its_relative_error_when_not():
    from sim.experiments.calibration import Target

    at_least = Target(metric="m", step=1, value=0.7, bound="at_least", source="s")
    assert at_least.miss(0.85) == 0.0
    assert at_least.miss(0.56) == pytest.approx(-0.2)
    at_most = Target(metric="m", step=1, value=0.3, bound="at_most", source="s")
    assert at_most.miss(0.1) == 0.0
    assert at_most.miss(0.36) == pytest.approx(0.2)
    equal = Target(metric="m", step=1, value=2.0, source="s")
    assert equal.miss(2.2) == pytest.approx(0.1)


def test_the_bundled_calibration_loads_and_measures_every_target():
    from sim.experiments.calibration import measure

    calibration = load_calibration(Path(__file__).parents[2] / "experiments" / "calibration.toml")
    middle = {
        name: (p.low * p.high) ** 0.5 if p.log_scale else (p.low + p.high) / 2
        for name, p in calibration.spec.parameters.items()
    }
    fast = calibration.spec.calibration.model_copy(
        update={"overrides": {"population.citizens": 2_000}, "replications": 1}
    )
    small = type(calibration)(
        calibration.spec.model_copy(update={"calibration": fast}),
        calibration.path,
        calibration.scenario_path,
        calibration.scenario_data,
    )
    measured = measure(small, middle)
    assert set(measured["target"]) == set(calibration.spec.targets)
    assert measured["simulated"].notna().all()
