"""Scenario discovery: PRIM recovers planted boxes; `creditsim discover` end to end."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.discovery import find_box, point_values
from sim.experiments.experiment_file import load_experiment
from sim.runs import layout

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "classroom.toml"


@settings(max_examples=6, deadline=None)
@given(
    low_a=st.floats(0.1, 0.5),
    width_a=st.floats(0.3, 0.5),
    high_b=st.floats(0.4, 0.8),
    seed=st.integers(0, 2**31 - 1),
)
def test_prim_recovers_a_planted_box_and_leaves_an_idle_factor_alone(low_a, width_a, high_b, seed):
    rng = np.random.default_rng(seed)
    n = 1500
    x = pd.DataFrame({"a": rng.random(n), "b": rng.uniform(10, 20, n), "idle": rng.random(n)})
    b_limit = 10 + 10 * high_b
    cases = ((x["a"] > low_a) & (x["a"] < low_a + width_a) & (x["b"] < b_limit)).to_numpy()
    box = find_box(x, cases, min_coverage=0.8)
    limits = box.limits.set_index("factor")
    assert box.coverage >= 0.8 and box.density >= 0.85
    # Peeling stops at sample points: each limit within a few per cent of the planted one.
    assert limits.loc["a", "low"] == pytest.approx(low_a, abs=0.06)
    assert limits.loc["a", "high"] == pytest.approx(min(low_a + width_a, 1.0), abs=0.06)
    assert limits.loc["b", "high"] == pytest.approx(b_limit, abs=0.6)
    assert limits.loc["a", "restricted"] and limits.loc["b", "restricted"]
    assert not limits.loc["idle", "restricted"]
    # The planted restrictions are significant (quasi-p-values far below 0.05).
    assert np.nanmin(limits.loc["a", ["qp_low", "qp_high"]].to_numpy(float)) < 1e-3
    # The trajectory: coverage never rises as boxes are peeled; the chosen box is marked once.
    assert box.trajectory["chosen"].sum() == 1
    assert box.trajectory["box"].iloc[box.chosen] == box.chosen


def test_prim_keeps_the_text_levels_that_hold_the_cases():
    rng = np.random.default_rng(4)
    n = 900
    x = pd.DataFrame({"mode": rng.choice(["air", "rail", "road"], n), "u": rng.random(n)})
    cases = ((x["mode"] != "road") & (x["u"] > 0.5)).to_numpy()
    box = find_box(x, cases, min_coverage=0.8)
    limits = box.limits.set_index("factor")
    assert limits.loc["mode", "levels"] == "air, rail"
    assert limits.loc["mode", "sampled_levels"] == "air, rail, road"
    assert limits.loc["u", "low"] == pytest.approx(0.5, abs=0.05)


def test_no_case_or_only_cases_cannot_be_separated():
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    for cases in (np.zeros(50, bool), np.ones(50, bool)):
        with pytest.raises(ValueError, match="cases of interest"):
            find_box(x, cases)


def _experiment_file(tmp_path: Path, discover: str, designs: str = "") -> Path:
    path = tmp_path / "discover.toml"
    path.write_text(
        f"""
[experiment]
name = "disc"
scenario = "{SCENARIO}"
replications = 2
seed = 11

[overrides]
"population.citizens" = 300
"simulation.steps" = 12

[uncertainties]
"income_shocks.probability_per_month" = {{ low = 0.0, high = 0.06 }}
"decision.logit_noise" = {{ low = 0.02, high = 0.3 }}

[sampling]
method = "latin_hypercube"
points = 24
{designs}
[discover]
{discover}

[outcomes.listed]
metric = "blacklisted_share"
statistic = "final"
more_is_better = false
"""
    )
    return path


def test_point_values_average_replicates_and_pair_against_the_versus_design(tmp_path: Path):
    designs = '[designs.short]\n"schemes.blacklist.blacklist_duration_months" = 6\n[designs.long]\n'
    path = _experiment_file(tmp_path, 'outcome = "listed"\nabove = 0.0\ndesign = "long"\n'
                            'versus = "short"', designs)  # fmt: skip
    experiment = load_experiment(path)
    rows = []
    for point in range(3):
        for replicate in range(2):
            for design, value in (("long", 0.1 * point + replicate), ("short", 0.05 * point)):
                rows.append(
                    {"design": design, "point": point, "replicate": replicate, "status": "ok",
                     "outcome.listed": value,
                     "factor.income_shocks.probability_per_month": 0.01 * point,
                     "factor.decision.logit_noise": 0.1}
                )  # fmt: skip
    rows[-1]["status"] = "failed"  # point 2, replicate 1, short: its pair is left out
    x, values = point_values(experiment, pd.DataFrame(rows))
    # (0.1 p + r) - 0.05 p, averaged over r = 0, 1, except point 2 which keeps r = 0 only.
    np.testing.assert_allclose(values.to_numpy(), [0.5, 0.55, 0.1])
    assert list(x.columns) == ["income_shocks.probability_per_month", "decision.logit_noise"]
    np.testing.assert_allclose(x.iloc[:, 0], [0.0, 0.01, 0.02])


@pytest.mark.slow
def test_creditsim_discover_finds_a_box_and_a_new_threshold_reuses_every_run(tmp_path: Path):
    out = tmp_path / "results"
    path = _experiment_file(tmp_path, 'outcome = "listed"\nabove = 0.004\nmin_coverage = 0.6')
    arguments = ["discover", str(path), "--out", str(out), "--workers", "1", "--no-progress"]
    first = CliRunner().invoke(app, arguments)
    assert first.exit_code == 0, first.output
    directory = out / "disc"
    trajectory = pd.read_parquet(directory / layout.DISCOVERY_TRAJECTORY)
    limits = pd.read_parquet(directory / layout.DISCOVERY_BOX)
    assert trajectory["chosen"].sum() == 1
    assert (trajectory.loc[trajectory["chosen"], "coverage"] >= 0.6).all()
    assert set(limits["factor"]) == {"income_shocks.probability_per_month", "decision.logit_noise"}
    # Independently: the cases are the points whose mean over replicates is above 0.004.
    summary = pd.read_parquet(directory / layout.SUMMARY)
    means = summary.groupby("point")["outcome.listed"].mean()
    assert f"{int((means > 0.004).sum())} of 24 points" in first.output
    assert re.search(r"\de[+-]?\d", first.output.split("cases of interest")[1]) is None
    report = (directory / layout.REPORT).read_text()
    assert "Scenario discovery (PRIM)" in report and "The conditions of the chosen box" in report

    path.write_text(path.read_text().replace("above = 0.004", "above = 0.002"))
    second = CliRunner().invoke(app, arguments)
    assert second.exit_code == 0, second.output
    assert "48 already finished, 0 run now" in second.output

    path.write_text(path.read_text().replace("above = 0.002", "above = 5.0"))
    third = CliRunner().invoke(app, arguments)
    assert third.exit_code == 2
    assert "discover.above = 5: 0 of 24 points" in third.output
    assert "the outcome ranges from" in third.output and "Traceback" not in third.output


@pytest.mark.parametrize(
    ("discover", "message"),
    [
        ('outcome = "nope"\nabove = 0.1', "discover.outcome: unknown outcome 'nope'"),
        ('outcome = "listed"', "give exactly one of `above` or `below`"),
        ('outcome = "listed"\nabove = 0.1\nbelow = 0.2', "give exactly one of"),
        ('outcome = "listed"\nabove = inf', "finite"),
        ('outcome = "listed"\nabove = 0.1\ndesign = "x"', "discover.design: unknown design"),
        ('outcome = "listed"\nabove = 0.1\nmin_coverage = 1.5', "min_coverage"),
        ('outcome = "listed"\nabve = 0.1', "abve"),
    ],
)
def test_a_bad_discover_table_is_one_message_and_exit_2(tmp_path: Path, discover, message):
    out = tmp_path / "results"
    path = _experiment_file(tmp_path, discover)
    result = CliRunner().invoke(app, ["discover", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_discover_without_the_table_or_with_a_sensitivity_design_says_so(tmp_path: Path):
    out = tmp_path / "results"
    path = _experiment_file(tmp_path, 'outcome = "listed"\nabove = 0.1')
    path.write_text(path.read_text().replace('[discover]\noutcome = "listed"\nabove = 0.1', ""))
    result = CliRunner().invoke(app, ["discover", str(path), "--out", str(out)])
    assert result.exit_code == 2 and "no [discover] table" in result.output
    path = _experiment_file(tmp_path, 'outcome = "listed"\nabove = 0.1')
    path.write_text(
        path.read_text().replace('"latin_hypercube"\npoints = 24', '"morris"\npoints = 3')
    )
    result = CliRunner().invoke(app, ["discover", str(path), "--out", str(out)])
    assert result.exit_code == 2 and "is a sensitivity design" in result.output
    assert not out.exists()
