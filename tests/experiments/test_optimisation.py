"""Design search: NSGA-II finds known fronts; `creditsim optimise` end to end, resumable."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.optimisation import non_dominated, search
from sim.runs import layout

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "classroom.toml"


def _zdt1(rows: np.ndarray, generation: int) -> np.ndarray:
    """ZDT1 (Zitzler, Deb and Thiele 2000): front f2 = 1 - sqrt(f1) where x[1:] = 0."""
    f1 = rows[:, 0]
    g = 1.0 + 9.0 * rows[:, 1:].mean(axis=1)
    return np.column_stack([f1, g * (1.0 - np.sqrt(f1 / g))])


def test_nsga2_reaches_the_zdt1_front_and_spans_it():
    found = search(_zdt1, 3, 2, population=40, generations=60, seed=1)
    front = found.objectives[found.front]
    # Distance to the true front, computed from its formula, not from the search.
    assert np.abs(front[:, 1] - (1.0 - np.sqrt(front[:, 0]))).max() < 0.03
    assert front[:, 0].min() < 0.02 and front[:, 0].max() > 0.95
    assert len(found.units) == 40 * 60


def test_the_schaffer_front_is_the_segment_between_the_two_minima():
    # f1 = z^2, f2 = (z - 2)^2 with z in [-4, 6]: the Pareto set is exactly z in [0, 2].
    def schaffer(rows: np.ndarray, generation: int) -> np.ndarray:
        z = -4.0 + 10.0 * rows[:, 0]
        return np.column_stack([z**2, (z - 2.0) ** 2])

    found = search(schaffer, 1, 2, population=20, generations=30, seed=3)
    z = -4.0 + 10.0 * found.units[found.front, 0]
    assert z.min() >= -0.02 and z.max() <= 2.02
    assert z.min() < 0.1 and z.max() > 1.9


def test_the_same_seed_asks_the_same_candidates():
    first = search(_zdt1, 3, 2, population=12, generations=4, seed=9)
    again = search(_zdt1, 3, 2, population=12, generations=4, seed=9)
    other = search(_zdt1, 3, 2, population=12, generations=4, seed=10)
    np.testing.assert_array_equal(first.units, again.units)
    assert not np.array_equal(first.units, other.units)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=25
    )
)
def test_non_dominated_rows_are_exactly_those_no_other_row_beats(rows):
    values = np.array(rows, dtype=np.float64)
    expected = [
        i
        for i in range(len(values))
        if not any(
            (values[j] <= values[i]).all() and (values[j] < values[i]).any()
            for j in range(len(values))
        )
    ]
    assert sorted(non_dominated(values).tolist()) == expected


SEARCH_FILE = """
[experiment]
name = "front"
scenario = "{scenario}"
replications = 2
seed = 7

[overrides]
"population.citizens" = 300
"simulation.steps" = 12

[levers]
"behaviours.loan_default.detectability" = {{ low = 0.2, high = 0.9 }}
"schemes.blacklist.blacklist_duration_months" = {{ low = 6, high = 48 }}
"schemes.blacklist.blacklist_permanent" = {{ values = [false, true] }}

[uncertainties]
"income_shocks.probability_per_month" = {{ low = 0.001, high = 0.03 }}

[optimise]
population = 6
generations = 2
robustness_points = 2

[outcomes.compliance]
metric = "compliance_rate"
statistic = "mean"
more_is_better = true

[outcomes.listed]
metric = "blacklisted_share"
statistic = "final"
more_is_better = false
"""


@pytest.mark.slow
def test_creditsim_optimise_writes_a_true_front_with_common_random_numbers_and_resumes(
    tmp_path: Path,
):
    path = tmp_path / "front.toml"
    path.write_text(SEARCH_FILE.format(scenario=SCENARIO))
    out = tmp_path / "results"
    arguments = ["optimise", str(path), "--out", str(out), "--workers", "1", "--no-progress"]
    first = CliRunner().invoke(app, arguments)
    assert first.exit_code == 0, first.output
    directory = out / "front"
    evaluations = pd.read_parquet(directory / layout.EVALUATIONS)
    front = pd.read_parquet(directory / layout.FRONT)
    # The front is exactly the candidates no other beats (checked here, directions by hand).
    minimised = np.column_stack([-evaluations["compliance"], evaluations["listed"]])
    beaten = [
        any((minimised[j] <= minimised[i]).all() and (minimised[j] < minimised[i]).any()
            for j in range(len(minimised)))
        for i in range(len(minimised))
    ]  # fmt: skip
    assert sorted(front["candidate"]) == sorted(evaluations["candidate"][~np.array(beaten)])
    # Integer levers are whole months; the values lever keeps its values.
    assert (evaluations["lever.schemes.blacklist.blacklist_duration_months"] % 1 == 0).all()
    assert set(evaluations["lever.schemes.blacklist.blacklist_permanent"]) <= {False, True}
    # Objectives are the means of the candidates' replicates, read back from their runs.
    summary = pd.read_parquet(directory / layout.SUMMARY)
    search_runs = summary[summary["point"] == 0]
    means = search_runs.groupby("design")["outcome.listed"].mean()
    np.testing.assert_allclose(
        evaluations.set_index("candidate")["listed"], means.loc[evaluations["candidate"]]
    )
    # Common random numbers: replicate r of every candidate uses the seed keys (point, r).
    for run_id in search_runs["run_id"][:6]:
        record = json.loads((directory / run_id / layout.RUN_RECORD).read_text())
        assert record["seed_keys"] == [0, record["replicate"]]
    # Robustness: every front design on both ensemble points, two replicates each.
    robustness = pd.read_parquet(directory / layout.ROBUSTNESS)
    assert set(robustness["candidate"]) == set(front["candidate"])
    assert (robustness["points"] == 2).all() and (robustness["max_regret"] >= 0).all()
    assert (robustness.groupby("objective")["max_regret"].min() == 0).all()
    report = (directory / layout.REPORT).read_text()
    assert "Design search (NSGA-II)" in report and "Robustness: each front design" in report
    from sim.outputs import charts

    figure = charts.robustness_ranges(robustness, ["compliance", "listed"], {"compliance"})
    for trace in figure.data:
        if (trace.meta or {}).get("role") == "worst":
            part = robustness[robustness["objective"] == trace.meta["panel"]].set_index("candidate")
            scale = 100.0 if trace.meta["panel"] == "compliance" else 1.0
            expected = part.loc[list(trace.y), "worst"].to_numpy() * scale
            np.testing.assert_allclose(trace.x, expected)
    # What a planner reads: per cent for shares, no scientific notation, robustness columns.
    read = "\n".join(line for line in first.output.splitlines() if "/" not in line)
    read = re.sub(r"\bc[0-9a-f]{12}\b", "", read)  # candidate names are hashes
    assert re.search(r"\de[+-]?\d", read) is None
    assert "Compliance: worst" in first.output and " pp" in first.output

    again = CliRunner().invoke(app, arguments)
    assert again.exit_code == 0, again.output
    assert ": 0 runs now" in again.output
    pd.testing.assert_frame_equal(pd.read_parquet(directory / layout.FRONT), front)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("[optimise]", "[optimise]\nobjectives = ['nope', 'listed']"), "unknown outcome 'nope'"),
        (("[optimise]", "[optimise]\nobjectives = ['listed']"), "at least 2"),
        (("population = 6", "population = 2"), "optimise.population"),
        (("[uncertainties]", "[uncertainties.unused]"), "robustness_points = 2"),
        (("[levers]", "[overrides.ignored]"), "searches the [levers]; none given"),
    ],
)
def test_a_bad_optimise_table_is_one_message_and_exit_2(tmp_path: Path, change, message):
    text = SEARCH_FILE.format(scenario=SCENARIO).replace(*change, 1)
    if change[0] == "[uncertainties]":
        text = text.replace(
            '[uncertainties.unused]\n"income_shocks.probability_per_month" = '
            "{ low = 0.001, high = 0.03 }\n",
            "",
        )
    if change[0] == "[levers]":
        text = text.replace("[overrides.ignored]\n", "").replace(
            '"behaviours.loan_default.detectability" = { low = 0.2, high = 0.9 }\n'
            '"schemes.blacklist.blacklist_duration_months" = { low = 6, high = 48 }\n'
            '"schemes.blacklist.blacklist_permanent" = { values = [false, true] }\n',
            "",
        )
    path = tmp_path / "front.toml"
    path.write_text(text)
    out = tmp_path / "results"
    result = CliRunner().invoke(app, ["optimise", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()
