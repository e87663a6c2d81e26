"""The benchmark code runs, and its per-agent baseline is the same rule as the array model.

Not timed: speed is reported by `python -m benchmarks.run`, never asserted here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from benchmarks import measure, run
from benchmarks.per_agent_mesa import CoreRule, CoreRuleModel
from benchmarks.scenarios import (
    FULL_MODELS,
    GOVERNMENT_MODELS,
    core_rule_scenario,
    full_model_scenario,
)
from sim.runs.runner import simulate
from sim.scenario.schema import Scenario

CITIZENS, STEPS, LAST = 6_000, 36, 12
# Listings of 6 months from a base score one record above the threshold: several per cent
# listed and violating, so the shares are large enough to compare.
BUSY = {"schemes.core.base_score": 700.0, "schemes.core.blacklist_duration_months": 6}


def _per_agent_shares(scenario: Scenario, seed: int) -> pd.DataFrame:
    model = CoreRuleModel(scenario, seed=seed)
    for _ in range(scenario.simulation.steps):
        model.step()
    return model.timeseries()


def _array_shares(scenario: Scenario, seed: int) -> pd.DataFrame:
    timeseries = simulate(scenario, seed=seed).timeseries
    return pd.DataFrame(
        {
            "violation_share": 1.0 - timeseries["compliance_rate"],
            "blacklisted_share": timeseries["blacklisted_share"],
        }
    )


def _tolerance(share: float, citizens: int) -> float:
    """Four standard errors of a difference of two shares of `citizens` agents."""
    return 4.0 * math.sqrt(2.0 * share * (1.0 - share) / citizens)


@pytest.fixture(scope="module")
def per_agent() -> pd.DataFrame:
    return _per_agent_shares(core_rule_scenario(CITIZENS, STEPS, BUSY), seed=3)


@pytest.mark.parametrize("share", ["violation_share", "blacklisted_share"])
def test_per_agent_baseline_gives_the_array_models_shares(per_agent, share):
    array = _array_shares(core_rule_scenario(CITIZENS, STEPS, BUSY), seed=4)
    baseline = per_agent[share].iloc[-LAST:].mean()
    vectorised = array[share].iloc[-LAST:].mean()
    assert baseline > 0.01 and vectorised > 0.01
    assert abs(baseline - vectorised) < _tolerance((baseline + vectorised) / 2, CITIZENS)


def test_the_comparison_tells_a_different_rule_apart(per_agent):
    longer_listings = {**BUSY, "schemes.core.blacklist_duration_months": 12}
    array = _array_shares(core_rule_scenario(CITIZENS, STEPS, longer_listings), seed=4)
    baseline = per_agent["blacklisted_share"].iloc[-LAST:].mean()
    other = array["blacklisted_share"].iloc[-LAST:].mean()
    assert abs(baseline - other) > _tolerance((baseline + other) / 2, CITIZENS)


def test_core_rule_refuses_a_scenario_with_more_mechanisms():
    with pytest.raises(ValueError, match="not a core-rule scenario"):
        CoreRule.from_scenario(full_model_scenario(1_000, 1))


def test_a_fresh_process_reports_its_own_peak_memory():
    row = measure.in_fresh_process(measure.full_model, 500, 2)
    assert row["agents"] == 525 and row["agent_steps"] == 1_050
    assert row["peak_rss_mb"] >= row["rss_before_model_mb"] > 0


@pytest.mark.slow
def test_quick_benchmark_writes_its_report(tmp_path: Path):
    out = tmp_path / "benchmark.json"
    report = run.main(["--quick", "--out", str(out)])
    assert json.loads(out.read_text())["full_model"] == json.loads(json.dumps(report["full_model"]))
    plan = run.QUICK_PLAN
    assert [(row["scenario"], row["citizens"]) for row in report["full_model"]] == [
        (name, size) for name in FULL_MODELS for size in plan.full_sizes
    ]
    for row in report["full_model"]:
        assert row["agent_steps_per_second"] > 0 and row["peak_rss_mb"] > 0
    assert all(row["speedup"] > 0 for row in report["core_rule"])
    sweeps = report["sweep"]["by_workers"]
    assert {k: v["runs"] for k, v in sweeps.items()} == {"1": plan.sweep_runs, "2": plan.sweep_runs}
    # The same runs give the same outcomes whatever the number of workers.
    assert sweeps["1"]["mean_compliance_rate"] == sweeps["2"]["mean_compliance_rate"]
    departments = report["departments"]
    assert {name: len(rows) for name, rows in departments["runs"].items()} == {
        name: 1 for name in GOVERNMENT_MODELS
    }
    assert departments["ratio"] > 0


def test_the_department_benchmark_pair_differs_only_in_departments():
    without, with_departments = (full_model_scenario(1_000, 12, name) for name in GOVERNMENT_MODELS)
    assert without.legitimacy.strength > 0 and without.awareness.initial_share < 1
    assert without.rollout.behaviour_start_month
    assert not without.departments.enabled and with_departments.departments.scored
    assert without.model_copy(update={"departments": with_departments.departments}) == (
        with_departments
    )


def test_quick_benchmark_measures_scale_small_runs_and_start(tmp_path: Path):
    report = run.run(run.QUICK_PLAN, tmp_path / "benchmark.json")
    scale = report["scale"]
    assert scale["citizens"] == run.QUICK_PLAN.huge_citizens
    assert scale["model_bytes_per_agent"] >= 0 and scale["cost_ratio_cpu"] > 0
    small = report["small_runs"]
    assert small["runs"] == run.QUICK_PLAN.small_sweep_runs and small["runs_per_hour"] > 0
    assert [row["command"] for row in report["start"]] == [
        "creditsim --help",
        "creditsim validate scenarios/national_2018.toml",
    ]
    assert all(row["seconds"] > 0 for row in report["start"])
    assert "runs per hour" in run.render(report)
