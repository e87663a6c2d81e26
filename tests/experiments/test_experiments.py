"""Experiment files, sweeps, comparisons and sensitivity indices."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.experiments.compare import compare_designs, paired_interval
from sim.experiments.designs import design_points
from sim.experiments.experiment_file import load_experiment
from sim.experiments.outcomes import Outcome, summarise
from sim.experiments.sensitivity import sobol_of_function
from sim.experiments.sweep import execute_run, plan, run_experiment

REPO = Path(__file__).resolve().parents[2]
BASE = """
[simulation]
name = "tiny"
steps = 12
[population]
citizens = 1000
"""
OUTCOMES = """
[outcomes.compliance]
metric = "compliance_rate"
statistic = "mean"
window = [-6, -1]
more_is_better = true

[outcomes.blacklisted]
metric = "blacklisted_share"
more_is_better = false
"""


def write_experiment(directory: Path, body: str, outcomes: str = OUTCOMES) -> Path:
    (directory / "base.toml").write_text(BASE)
    path = directory / "experiment.toml"
    path.write_text(body + outcomes)
    return path


SWEEP = """
[experiment]
name = "grid"
scenario = "base.toml"
replications = 2
seed = 11

[levers]
"schemes.default.blacklist_duration_months" = { values = [6, 24] }

[uncertainties]
cities.city.enforcement = { low = 0.5, high = 1.5, levels = 2 }
"""


# --- outcomes -------------------------------------------------------------------------------


def timeseries(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"step": np.arange(1, len(values) + 1), "x": values})


def test_outcome_statistics_follow_their_definitions():
    series = timeseries([0.1, 0.5, 0.7, 0.95, 0.9, 0.99])
    final = Outcome(metric="x", more_is_better=True)
    assert summarise(final, series) == pytest.approx(0.99)
    whole = Outcome(metric="x", statistic="mean", more_is_better=True)
    assert summarise(whole, series) == pytest.approx(np.mean([0.1, 0.5, 0.7, 0.95, 0.9, 0.99]))
    last_three = Outcome(metric="x", statistic="mean", window=(-3, -1), more_is_better=True)
    assert summarise(last_three, series) == pytest.approx(np.mean([0.95, 0.9, 0.99]))
    steps_two_to_three = Outcome(metric="x", statistic="mean", window=(2, 3), more_is_better=True)
    assert summarise(steps_two_to_three, series) == pytest.approx(0.6)
    reach = Outcome(metric="x", statistic="time_to_threshold", threshold=0.9, more_is_better=False)
    assert summarise(reach, series) == 4
    fall = Outcome(
        metric="x",
        statistic="time_to_threshold",
        threshold=0.05,
        crossing="at_or_below",
        more_is_better=False,
    )
    assert math.isnan(summarise(fall, series))
    censored = fall.model_copy(update={"never_reached": "run_length"})
    assert summarise(censored, series) == 6


# --- design points --------------------------------------------------------------------------


def test_grid_is_every_combination_with_integers_kept_integer(tmp_path):
    experiment = load_experiment(write_experiment(tmp_path, SWEEP))
    points = list(design_points(experiment))
    assert points == [
        {"schemes.default.blacklist_duration_months": 6, "cities.city.enforcement": 0.5},
        {"schemes.default.blacklist_duration_months": 6, "cities.city.enforcement": 1.5},
        {"schemes.default.blacklist_duration_months": 24, "cities.city.enforcement": 0.5},
        {"schemes.default.blacklist_duration_months": 24, "cities.city.enforcement": 1.5},
    ]


@pytest.mark.parametrize("method", ["latin_hypercube", "sobol", "random"])
def test_sampled_points_stay_in_range_and_repeat_with_the_seed(tmp_path, method):
    body = f"""
[experiment]
name = "sampled"
scenario = "base.toml"
seed = 5
[levers]
"schemes.default.blacklist_duration_months" = {{ low = 3, high = 60 }}
"schemes.default.blacklist_permanent" = {{ values = [false, true] }}
[uncertainties]
"decision.logit_noise" = {{ low = 0.05, high = 0.3 }}
[sampling]
method = "{method}"
points = 16
"""
    experiment = load_experiment(write_experiment(tmp_path, body))
    points = list(design_points(experiment))
    assert points == list(design_points(experiment))
    assert len(points) == 16
    durations = [p["schemes.default.blacklist_duration_months"] for p in points]
    assert all(isinstance(d, int) and 3 <= d <= 60 for d in durations)
    assert {p["schemes.default.blacklist_permanent"] for p in points} == {False, True}
    assert all(0.05 <= p["decision.logit_noise"] <= 0.3 for p in points)
    if method == "latin_hypercube":  # one point in each of 16 strata of every range
        noise = np.array([p["decision.logit_noise"] for p in points])
        strata = np.floor((noise - 0.05) / 0.25 * 16).astype(int)
        assert sorted(strata) == list(range(16))


# --- sweeps ---------------------------------------------------------------------------------


def test_sweep_writes_one_row_per_run_and_running_again_skips_them(tmp_path):
    experiment = load_experiment(write_experiment(tmp_path, SWEEP))
    report = run_experiment(experiment, tmp_path / "results", workers=1, progress=False)
    summary = pd.read_parquet(report.results_dir / "summary.parquet")
    assert report.ran == 8 and report.failed == 0
    assert len(summary) == 8 and summary["run_id"].is_unique
    assert set(summary["status"]) == {"ok"}
    assert list(summary.columns[:8]) == [
        "run_id", "experiment", "design", "point", "replicate", "seed", "status", "error",
    ]  # fmt: skip
    assert {"factor.schemes.default.blacklist_duration_months", "outcome.compliance"} <= set(
        summary.columns
    )
    for run_id in summary["run_id"]:
        run_dir = report.results_dir / run_id
        assert {"timeseries.parquet", "agents.parquet", "manifest.json", "summary.json"} <= {
            p.name for p in run_dir.iterdir()
        }
    # the outcome is the time series' own value
    first = summary.iloc[0]
    series = pd.read_parquet(report.results_dir / first["run_id"] / "timeseries.parquet")
    assert first["outcome.blacklisted"] == series["blacklisted_share"].iloc[-1]
    # replicates differ (their own seeds), and running again runs nothing
    assert summary.groupby("point")["outcome.compliance"].nunique().min() == 2
    again = run_experiment(experiment, tmp_path / "results", workers=1, progress=False)
    assert (again.ran, again.skipped) == (0, 8)
    pd.testing.assert_frame_equal(again.summary, summary)


def test_a_run_that_raises_is_recorded_failed_and_others_finish(tmp_path):
    body = """
[experiment]
name = "partly_failing"
scenario = "base.toml"
[levers]
"simulation.steps" = { values = [6, 12] }
"""
    outcomes = """
[outcomes.late_compliance]
metric = "compliance_rate"
statistic = "mean"
window = [10, 12]
more_is_better = true
"""
    experiment = load_experiment(write_experiment(tmp_path, body, outcomes))
    report = run_experiment(experiment, tmp_path / "results", workers=1, progress=False)
    summary = report.summary.set_index("factor.simulation.steps")
    assert summary.loc[6, "status"] == "failed"
    assert "window [10, 12] holds no step" in summary.loc[6, "error"]
    assert math.isnan(summary.loc[6, "outcome.late_compliance"])
    assert summary.loc[12, "status"] == "ok"
    assert np.isfinite(summary.loc[12, "outcome.late_compliance"])


# --- compare --------------------------------------------------------------------------------


def test_paired_interval_covers_a_known_difference_95_percent_of_the_time():
    rng = np.random.default_rng(2024)
    true_difference = 0.3
    trials, pairs = 2000, 8
    covered = 0
    for _ in range(trials):
        shared = rng.normal(0, 5, pairs)  # common random numbers cancel in the difference
        baseline = shared + rng.normal(0, 1, pairs)
        design = shared + true_difference + rng.normal(0, 1, pairs)
        _, low, high = paired_interval(design - baseline)
        covered += low <= true_difference <= high
    coverage = covered / trials
    assert abs(coverage - 0.95) < 3.5 * math.sqrt(0.95 * 0.05 / trials)


def test_a_sweeps_time_series_read_in_one_line_keep_which_run_each_row_came_from(tmp_path):
    import glob

    import duckdb

    experiment = load_experiment(write_experiment(tmp_path, SWEEP))
    report = run_experiment(experiment, tmp_path / "results", workers=1, progress=False)
    files = sorted(glob.glob(f"{report.results_dir}/**/timeseries.parquet", recursive=True))
    frame = pd.concat(map(pd.read_parquet, files))
    queried = duckdb.sql(f"SELECT * FROM read_parquet({files!r}, union_by_name = true)").df()
    summary = report.summary.set_index("run_id")
    for table in (frame, queried):
        runs = table.groupby("run_id")
        assert runs.ngroups == len(summary) == 8
        for run_id, rows in runs:
            expected = summary.loc[run_id]
            for key in ("experiment", "design", "point", "replicate", "seed"):
                assert (rows[key] == expected[key]).all(), (run_id, key)
            assert rows["step"].tolist() == list(range(1, len(rows) + 1))
    # the outcome recomputed from the stacked rows matches the summary, run by run
    last = frame.sort_values("step").groupby("run_id")["blacklisted_share"].last()
    assert last.to_dict() == summary["outcome.blacklisted"].to_dict()


def test_compare_pairs_runs_by_point_and_replicate():
    summary = pd.DataFrame(
        {
            "design": ["a", "b"] * 3 + ["a"],
            "point": [0] * 7,
            "replicate": [0, 0, 1, 1, 2, 2, 3],
            "status": ["ok"] * 7,
            "outcome.y": [1.0, 3.0, 2.0, 5.0, 3.0, 6.0, 100.0],
        }
    )
    table = compare_designs(summary, ["a", "b"], "a", ["y"])
    row = table.iloc[0]
    assert (row["design"], row["baseline"], row["n_pairs"]) == ("b", "a", 3)
    assert row["mean_difference"] == pytest.approx(np.mean([2.0, 3.0, 3.0]))
    assert row["ci_low"] < row["mean_difference"] < row["ci_high"]


COMPARE = """
[experiment]
name = "designs"
scenario = "base.toml"
replications = 4
seed = 3

[designs.expiring]
"schemes.default.blacklist_permanent" = false
[designs.same_again]
"schemes.default.blacklist_permanent" = false
[designs.no_detection]
behaviours.loan_default.detectability = 0.0
behaviours.traffic_violation.detectability = 0.0

[compare]
baseline = "expiring"
"""


def test_compare_finds_the_known_differences(tmp_path):
    path = write_experiment(tmp_path, COMPARE)
    result = CliRunner().invoke(
        app, ["compare", str(path), "--workers", "1", "--out", str(tmp_path), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(tmp_path / "designs" / "comparison.parquet")
    assert list(table.columns) == [
        "outcome", "design", "baseline", "mean_difference", "ci_low", "ci_high", "n_pairs",
        "baseline_level", "design_level", "relative_change", "verdict", "rank",
    ]  # fmt: skip
    table = table.set_index(["outcome", "design"])
    # the same design with common random numbers: every run identical, the difference exactly 0
    same = table.loc[("compliance", "same_again")]
    assert (same["mean_difference"], same["ci_low"], same["ci_high"]) == (0.0, 0.0, 0.0)
    # nothing is ever detected: fewer comply and (with no records) nobody is blacklisted
    blind = table.loc[("compliance", "no_detection")]
    assert blind["ci_high"] < 0 and blind["n_pairs"] == 4
    summary = pd.read_parquet(tmp_path / "designs" / "summary.parquet")
    listed = summary.pivot_table(index="replicate", columns="design", values="outcome.blacklisted")
    assert (listed["no_detection"] == 0).all()
    expected = (listed["no_detection"] - listed["expiring"]).mean()
    assert table.loc[("blacklisted", "no_detection"), "mean_difference"] == pytest.approx(expected)
    assert "no_detection" in result.output and "worse" in result.output
    # levels, relative change and ranks computed here from the summary, not by the code
    row = table.loc[("blacklisted", "no_detection")]
    assert row["baseline_level"] == pytest.approx(listed["expiring"].mean())
    assert row["design_level"] == pytest.approx(0.0)
    assert row["relative_change"] == pytest.approx(expected / listed["expiring"].mean())
    compliance = summary.groupby("design")["outcome.compliance"].mean()
    best_first = list(compliance.sort_values(ascending=False).index)
    for design in ("same_again", "no_detection"):
        assert table.loc[("compliance", design), "rank"] == best_first.index(design) + 1
    assert table.loc[("compliance", "same_again"), "verdict"] == "identical"
    assert table.loc[("compliance", "no_detection"), "verdict"] == "worse"
    assert re.search(r"\de[+-]?\d", result.output) is None  # no scientific notation
    assert " pp" in result.output and "ranks first" in result.output
    # a design identical to the baseline on every outcome is named: its overrides did nothing
    assert "warning: compare: design 'same_again' gave the baseline's results" in result.output
    assert "design 'no_detection' gave" not in result.output


# --- sensitivity ----------------------------------------------------------------------------


def test_sobol_indices_of_the_ishigami_function_match_their_exact_values():
    def ishigami(x: np.ndarray) -> np.ndarray:
        return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])

    bounds = [(-math.pi, math.pi)] * 3
    result = sobol_of_function(ishigami, bounds, 1024, np.random.default_rng(1), resamples=300)
    # exact indices (Ishigami and Homma 1990; a = 7, b = 0.1)
    first = np.array([0.3139, 0.4424, 0.0])
    total = np.array([0.5576, 0.4424, 0.2437])
    np.testing.assert_allclose(result["first_order"], first, atol=0.06)
    np.testing.assert_allclose(result["total"], total, atol=0.06)
    assert np.all(result["first_order_ci_low"] <= result["first_order"] + 1e-12)
    assert np.all(result["total_ci_high"] >= result["total"] - 1e-12)


def test_sensitivity_command_writes_indices_for_each_factor(tmp_path):
    body = """
[experiment]
name = "sens"
scenario = "base.toml"
seed = 3
[uncertainties]
"decision.logit_noise" = { low = 0.02, high = 0.3 }
"behaviours.traffic_violation.detectability" = { low = 0.0, high = 0.9 }
[sampling]
method = "saltelli"
points = 4
[sensitivity]
outcomes = ["compliance"]
bootstrap_resamples = 200
"""
    path = write_experiment(tmp_path, body)
    result = CliRunner().invoke(
        app, ["sensitivity", str(path), "--workers", "1", "--out", str(tmp_path), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    summary = pd.read_parquet(tmp_path / "sens" / "summary.parquet")
    assert len(summary) == 4 * (2 + 2)
    table = pd.read_parquet(tmp_path / "sens" / "sensitivity.parquet")
    assert list(table["factor"]) == [
        "decision.logit_noise",
        "behaviours.traffic_violation.detectability",
    ]
    assert set(table["outcome"]) == {"compliance"}
    assert (table["first_order_ci_low"] <= table["first_order_ci_high"]).all()
    assert (table["total_ci_low"] <= table["total_ci_high"]).all()


def test_sensitivity_with_second_order_writes_the_pair_table(tmp_path):
    body = """
[experiment]
name = "pairs"
scenario = "base.toml"
seed = 3
[uncertainties]
"decision.logit_noise" = { low = 0.02, high = 0.3 }
"decision.peer_weight" = { low = 0.0, high = 0.5 }
"behaviours.traffic_violation.detectability" = { low = 0.0, high = 0.9 }
[sampling]
method = "saltelli"
points = 4
[sensitivity]
second_order = true
outcomes = ["compliance"]
bootstrap_resamples = 100
"""
    path = write_experiment(tmp_path, body)
    result = CliRunner().invoke(
        app, ["sensitivity", str(path), "--workers", "1", "--out", str(tmp_path), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    summary = pd.read_parquet(tmp_path / "pairs" / "summary.parquet")
    assert len(summary) == 4 * (2 * 3 + 2)
    pairs = pd.read_parquet(tmp_path / "pairs" / "sensitivity_second_order.parquet")
    assert [tuple(row) for row in pairs[["factor", "other_factor"]].to_numpy()] == [
        ("decision.logit_noise", "decision.peer_weight"),
        ("decision.logit_noise", "behaviours.traffic_violation.detectability"),
        ("decision.peer_weight", "behaviours.traffic_violation.detectability"),
    ]
    assert (pairs["ci_low"] <= pairs["second_order"]).all()
    assert "second order (pairs)" in result.output
    assert "warning: sensitivity:" in result.output  # 4 base samples cannot be converged
    assert "second-order Sobol" in (tmp_path / "pairs" / "report.html").read_text()


# --- bad experiment files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            SWEEP.replace("replications = 2", "replications = 0"),
            ["experiment.toml", "experiment.replications = 0", "allowed: [1, 10000]"],
        ),
        (
            SWEEP.replace("seed = 11", "seed = 11\nreplicates = 3"),
            ["experiment.toml", "experiment.replicates", "unknown key"],
        ),
        (
            SWEEP.replace("blacklist_duration_months", "blacklist_duratoin_months"),
            [
                "experiment.toml",
                "levers.schemes.default.blacklist_duratoin_months",
                "not a value of the scenario",
                "blacklist_duration_months",
            ],
        ),
        (
            SWEEP.replace("values = [6, 24]", "values = [6, 2400]"),
            [
                "experiment.toml",
                "levers.schemes.default.blacklist_duration_months = 2400",
                "allowed: [1, 600] (months)",
            ],
        ),
        (
            SWEEP.replace('scenario = "base.toml"', 'scenario = "missing.toml"'),
            ["experiment.toml", "experiment.scenario = 'missing.toml'", "file not found"],
        ),
        (
            SWEEP.replace(", levels = 2", ""),
            ["cities.city.enforcement", "a range in a grid needs `levels`"],
        ),
        (
            SWEEP.replace("values = [6, 24]", 'values = [6, "long"]'),
            ["experiment.toml", "levers.schemes.default.blacklist_duration_months", "mixes"],
        ),
        (
            SWEEP + '[designs.a]\n"schemes.default.blacklist_permanant" = true\n[designs.b]\n',
            [
                "experiment.toml [designs.a]",
                "schemes.default.blacklist_permanant = True",
                "unknown key",
            ],
        ),
        (
            SWEEP + '[sampling]\nmethod = "halton"\n',
            ["sampling.method = 'halton'", "allowed:", "latin_hypercube"],
        ),
        (
            SWEEP + '[sampling]\nmethod = "sobol"\npoints = 10\n',
            ["sampling", "needs `points` to be a power of 2"],
        ),
    ],
)
def test_bad_experiment_files_exit_2_naming_file_key_and_what_is_allowed(tmp_path, body, expected):
    path = write_experiment(tmp_path, body)
    result = CliRunner().invoke(app, ["sweep", str(path), "--workers", "1", "--no-progress"])
    assert result.exit_code == 2, result.output
    message = result.output
    assert "Traceback" not in message
    for part in expected:
        assert part in message


def test_an_unknown_outcome_metric_lists_the_time_series_columns(tmp_path):
    outcomes = '[outcomes.c]\nmetric = "complience_rate"\nmore_is_better = true\n'
    with pytest.raises(ScenarioError) as error:
        load_experiment(write_experiment(tmp_path, SWEEP, outcomes))
    assert "outcomes.c.metric = 'complience_rate'" in str(error.value)
    assert "compliance_rate" in str(error.value)


def test_compare_needs_designs(tmp_path):
    path = write_experiment(tmp_path, SWEEP)
    result = CliRunner().invoke(app, ["compare", str(path), "--workers", "1"])
    assert result.exit_code == 2
    assert "compare needs at least two [designs.<name>]" in result.output


# --- bundled experiments --------------------------------------------------------------------


CALIBRATION_FILES = {"calibration.toml"}  # `creditsim calibrate` files: tests/test_calibration.py


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (REPO / "experiments").glob("*.toml") if p.name not in CALIBRATION_FILES),
    ids=lambda p: p.name,
)
def test_bundled_experiments_load_and_their_first_runs_work(tmp_path, path):
    experiment = load_experiment(path)
    overrides = {**experiment.spec.overrides, "simulation.steps": 3, "population.citizens": 200}
    short = replace(experiment, spec=experiment.spec.model_copy(update={"overrides": overrides}))
    if experiment.spec.optimise is not None:  # a design search: one candidate mid-range
        from sim.experiments.experiment_file import level_from_unit
        from sim.experiments.outcomes import summarise_all
        from sim.runs.runner import simulate

        levers = {
            key: level_from_unit(factor, 0.5, key in experiment.integer_factors)
            for key, factor in experiment.spec.levers.items()
        }
        result = simulate(short.scenario("", levers), seed=1)
        values = summarise_all(dict(experiment.spec.outcomes), result.timeseries)
        assert set(values) == set(experiment.spec.outcomes)
        return
    first_runs = {}
    for task in plan(short, tmp_path):
        first_runs.setdefault(task.design, task)
        if len(first_runs) == len(short.design_names):
            break
    for task in first_runs.values():
        record = execute_run(task)
        assert record["status"] == "ok", record["error"]
        assert set(record["outcomes"]) == set(experiment.spec.outcomes)
        assert (Path(task.run_dir) / "timeseries.parquet").is_file()


LINKED = """
[experiment]
name = "linked"
scenario = "{scenario}"

[levers]
"behaviours.loan_default.detectability" = {{ values = [0.1, 0.7], also = {also} }}

[sampling]
method = "grid"
"""


def test_a_lever_with_also_sets_every_linked_value_in_every_run(tmp_path):
    scenario = REPO / "scenarios" / "classroom.toml"
    also = '["behaviours.traffic_violation.detectability"]'
    path = tmp_path / "linked.toml"
    path.write_text(LINKED.format(scenario=scenario, also=also) + OUTCOMES)
    experiment = load_experiment(path)
    points = list(design_points(experiment))
    assert [p["behaviours.loan_default.detectability"] for p in points] == [0.1, 0.7]
    for point in points:
        behaviours = experiment.scenario("", point).behaviours
        level = point["behaviours.loan_default.detectability"]
        assert behaviours["loan_default"].detectability == level
        assert behaviours["traffic_violation"].detectability == level


@pytest.mark.parametrize(
    ("also", "message"),
    [
        ('["behaviours.traffic_violation.detectabilty"]', "is not a value of the scenario"),
        ('["behaviours.traffic_violation.kind"]', "link values of one kind"),
    ],
)
def test_a_bad_linked_key_is_one_message(tmp_path, also, message):
    scenario = REPO / "scenarios" / "classroom.toml"
    path = tmp_path / "linked.toml"
    path.write_text(LINKED.format(scenario=scenario, also=also) + OUTCOMES)
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_experiment(path)


def test_an_edited_or_new_outcome_is_summarised_again_from_the_runs_without_rerunning(tmp_path):
    path = write_experiment(tmp_path, SWEEP)
    arguments = ["sweep", str(path), "--workers", "1", "--out", str(tmp_path), "--no-progress"]
    first = CliRunner().invoke(app, arguments)
    assert first.exit_code == 0, first.output
    edited = OUTCOMES.replace("window = [-6, -1]", "window = [-3, -1]") + (
        '\n[outcomes.final_compliance]\nmetric = "compliance_rate"\nmore_is_better = true\n'
    )
    path.write_text(SWEEP + edited)
    again = CliRunner().invoke(app, arguments)
    assert again.exit_code == 0, again.output
    assert "8 already finished, 0 run now" in again.output
    summary = pd.read_parquet(tmp_path / "grid" / "summary.parquet")
    for row in summary.itertuples(index=False):
        series = pd.read_parquet(tmp_path / "grid" / row.run_id / "timeseries.parquet")
        compliance = series["compliance_rate"].to_numpy()
        assert row[summary.columns.get_loc("outcome.compliance")] == pytest.approx(
            compliance[-3:].mean()
        )
        assert row[summary.columns.get_loc("outcome.final_compliance")] == compliance[-1]


def test_an_outcome_naming_a_column_by_its_old_name_is_told_the_new_one(tmp_path):
    old = OUTCOMES.replace('metric = "compliance_rate"', 'metric = "compliance_rate_q1"')
    path = write_experiment(tmp_path, SWEEP, old)
    with pytest.raises(ScenarioError, match=r"renamed in model 1\.11; use 'compliance_rate__q1'"):
        load_experiment(path)
