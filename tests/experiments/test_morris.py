"""Morris screening: known answers on plain functions, and `creditsim sensitivity` end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.designs import morris_units
from sim.experiments.sensitivity import morris_of_function
from sim.runs import layout


@settings(max_examples=25, deadline=None)
@given(
    slopes=st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=6),
    seed=st.integers(0, 2**31 - 1),
)
def test_a_linear_function_has_its_slopes_times_range_as_effects_and_no_spread(slopes, seed):
    bounds = [(-1.0, 3.0)] * len(slopes)  # range 4
    weights = np.array(slopes)
    result = morris_of_function(
        lambda x: x @ weights, bounds, trajectories=8, rng=np.random.default_rng(seed)
    )
    expected = np.abs(weights) * 4.0  # the effect of moving a factor across its range
    np.testing.assert_allclose(result["mu_star"], expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(result["mu"], weights * 4.0, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(result["sigma"], 0.0, atol=1e-9)


def test_a_factor_that_does_nothing_scores_zero_and_an_interaction_shows_as_spread():
    # f = x0 * x1 + 0 * x2 on [0, 1]^3: the effect of x0 is x1 (varies), x2 has none.
    result = morris_of_function(
        lambda x: x[:, 0] * x[:, 1], [(0.0, 1.0)] * 3, 40, np.random.default_rng(3)
    )
    assert result["mu_star"][2] == 0.0 and result["sigma"][2] == 0.0
    assert result["sigma"][0] > 0.1 and result["sigma"][1] > 0.1
    # The mean effect of x0 over the grid's x1 levels {0, 1/3, 2/3, 1} is about 1/2.
    assert 0.3 < result["mu_star"][0] < 0.7
    assert result["mu_star_ci_low"][0] <= result["mu_star"][0] <= result["mu_star_ci_high"][0]


def test_morris_trajectories_move_one_factor_at_a_time_on_the_grid():
    units = morris_units(5, 3, 4, np.random.default_rng(0))
    assert units.shape == (5 * 4, 3)
    assert set(np.round(units.ravel() * 3, 9)) <= {0.0, 1.0, 2.0, 3.0}
    for trajectory in units.reshape(5, 4, 3):
        steps = np.diff(trajectory, axis=0)
        assert ((steps != 0).sum(axis=1) == 1).all()  # one factor per step
        assert sorted(np.nonzero(steps)[1]) == [0, 1, 2]  # each factor once


SCREENING_FILE = """
[experiment]
name = "screen"
scenario = "{scenario}"
replications = 1
seed = 5

[overrides]
"simulation.steps" = 6
"population.citizens" = 300

[uncertainties]
"decision.logit_noise" = {{ low = 0.05, high = 0.5 }}
"decision.peer_weight" = {{ low = 0.0, high = 0.5 }}
"income_shocks.probability_per_month" = {{ low = 0.0, high = 0.05 }}

[sampling]
method = "morris"
points = 3

[sensitivity]
method = "morris"
bootstrap_resamples = 200

[outcomes.compliance]
metric = "compliance_rate"
statistic = "mean"
more_is_better = true
"""


def test_creditsim_sensitivity_screens_with_morris_and_writes_screening_parquet(tmp_path: Path):
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "classroom.toml"
    path = tmp_path / "screen.toml"
    path.write_text(SCREENING_FILE.format(scenario=scenario))
    out = tmp_path / "results"
    arguments = ["sensitivity", str(path), "--out", str(out), "--workers", "1", "--no-progress"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "screen" / layout.SCREENING)
    assert list(table["factor"]) == [
        "decision.logit_noise",
        "decision.peer_weight",
        "income_shocks.probability_per_month",
    ]
    assert (table["mu_star"] >= 0).all() and (table["sigma"] >= 0).all()
    assert (table["mu_star"] >= table["mu"].abs() - 1e-12).all()
    summary = pd.read_parquet(out / "screen" / layout.SUMMARY)
    assert len(summary) == 3 * (3 + 1)  # trajectories x (d + 1)
    assert "mu_star" in result.output
    report = (out / "screen" / layout.REPORT).read_text()
    assert "Screening (Morris)" in report


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sampling": 'method = "saltelli"\npoints = 4'}, "needs sampling.method = 'morris'"),
        ({"sampling": 'method = "morris"\npoints = 3\nmorris_levels = 5'}, "even number"),
        ({"sampling": 'method = "morris"\npoints = 1'}, ">= 2"),
    ],
)
def test_a_mismatched_morris_file_is_one_message_and_exit_2(tmp_path: Path, change, message):
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "classroom.toml"
    text = SCREENING_FILE.format(scenario=scenario)
    text = text.replace('method = "morris"\npoints = 3', change["sampling"], 1)
    path = tmp_path / "screen.toml"
    path.write_text(text)
    out = tmp_path / "results"
    result = CliRunner().invoke(app, ["sensitivity", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()
