"""Validation cases against known results (sources and tolerances in docs/validation.md)."""

import numpy as np

from sim.validation import cases as validation


def test_closed_form_deterrence_matches_simulation():
    table = validation.closed_form_deterrence(
        detections=(0.2, 0.5, 0.8), fines_yuan=(500.0, 1_500.0)
    )
    gap = (table["simulated"] - table["expected"]).abs()
    allowed = 4 * table["standard_error"] + 1e-4
    assert (gap <= allowed).all(), table


def test_deterrence_is_monotone_in_detection_and_duration():
    table = validation.monotone_deterrence(
        detections=(0.1, 0.4, 0.8), durations_months=(3, 36), replicates=2, citizens=1_500
    )
    grid = table.pivot(index="detection", columns="duration_months", values="violation_share")
    error = table["standard_error"].max() * 3 + 0.005
    assert (np.diff(grid.to_numpy(), axis=0) <= error).all(), grid
    assert (np.diff(grid.to_numpy(), axis=1) <= error).all(), grid
    assert grid.iloc[-1, -1] < grid.iloc[0, 0] - 0.3


def test_certainty_beats_severity_for_risk_seekers_and_not_for_risk_averse():
    table = validation.certainty_vs_severity(risk_aversions=(-0.5, 1.5))
    table = table.set_index("risk_aversion")
    seeking, averse = table.loc[-0.5], table.loc[1.5]
    assert seeking["certainty_effect"] > seeking["severity_effect"]
    assert averse["severity_effect"] > averse["certainty_effect"]


def test_risk_neutral_agents_respond_equally_to_certainty_and_severity():
    table = validation.certainty_vs_severity(risk_aversions=(0.0,)).set_index("risk_aversion")
    neutral = table.loc[0.0]
    assert abs(neutral["certainty_effect"] - neutral["severity_effect"]) < 0.02


def test_social_norms_give_hysteresis():
    table = validation.hysteresis(citizens=1_500, steps_per_level=8)
    paths = table.pivot(index="detection", columns="direction", values="violation_share")
    gap = paths["up"] - paths["down"]
    assert gap.max() > 0.5, paths
    assert abs(gap.iloc[0]) < 0.05 and abs(gap.iloc[-1]) < 0.05, paths


def test_without_norms_there_is_no_hysteresis():
    table = validation.hysteresis(citizens=1_500, steps_per_level=8, peer_weight=0.0)
    paths = table.pivot(index="detection", columns="direction", values="violation_share")
    assert (paths["up"] - paths["down"]).abs().max() < 0.05, paths
