"""Validation cases against known results (sources and tolerances in docs/validation.md)."""

import pytest

from sim.validation import cases as validation


def test_closed_form_deterrence_matches_simulation():
    table = validation.closed_form_deterrence(
        detections=(0.2, 0.5, 0.8), fines_yuan=(500.0, 1_500.0)
    )
    gap = (table["simulated"] - table["expected"]).abs()
    allowed = 4 * table["standard_error"] + 1e-4
    assert (gap <= allowed).all(), table


def test_deterrence_is_monotone_over_random_rule_sets():
    table = validation.monotone_deterrence(rule_sets=10, citizens=1_500, steps=24, seed=7)
    reversed_rows = table[table["effect"] > 3 * table["standard_error"] + 0.002]
    assert reversed_rows.empty, reversed_rows
    assert table["effect"].min() < -0.05  # the levers act somewhere: the test can fail


def test_violation_shares_match_the_textbook_certainty_equivalent():
    table = validation.certainty_vs_severity(risk_aversions=(-0.5, 0.0, 1.5))
    gap = (table["simulated"] - table["expected"]).abs()
    assert (gap <= 4 * table["standard_error"] + 1e-4).all(), table


def test_certainty_beats_severity_for_risk_seekers_and_not_for_risk_averse():
    table = validation.certainty_vs_severity(risk_aversions=(-0.5, 0.0, 1.5))
    for source in ("expected", "simulated"):
        shares = table.pivot(index="risk_aversion", columns="condition", values=source)
        advantage = shares["severity"] - shares["certainty"]  # > 0: certainty deters more
        assert advantage[-0.5] > 0 > advantage[1.5], shares
        assert advantage[0.0] == pytest.approx(0.0, abs=1e-3), shares


def test_social_norms_give_hysteresis_in_one_run():
    table = validation.hysteresis(citizens=1_500, peer_weight=0.4)
    paths = table.pivot(index="detection", columns="direction", values="violation_share")
    gap = paths["up"] - paths["down"]
    assert gap.max() > 0.5, paths
    assert abs(gap.iloc[0]) < 0.05 and abs(gap.iloc[-1]) < 0.05, paths


def test_without_norms_there_is_no_hysteresis():
    table = validation.hysteresis(citizens=1_500, peer_weight=0.0)
    paths = table.pivot(index="detection", columns="direction", values="violation_share")
    assert (paths["up"] - paths["down"]).abs().max() < 0.1, paths
