"""Stage 3, score: recovery toward base, then points within bounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from helpers import (
    BLOOD,
    LOAN,
    NONE,
    NORTH,
    TRAFFIC,
    acts_of,
    build,
    everyone_in,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.model import CreditModel
from sim.model.stages.score import apply_records, recover
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_scores_recover_toward_base_but_not_past_it() -> None:
    model = build(schemes__strict__monthly_recovery_points=5.0)
    citizens = model.citizens
    everyone_in(model, NORTH)
    citizens.score[:4] = [990.0, 997.0, 1000.0, 1100.0]
    recover(citizens, model.rules)
    assert citizens.score[:4].tolist() == [995.0, 1000.0, 1000.0, 1100.0]


def test_records_add_points_within_the_schemes_bounds() -> None:
    model = build()
    citizens = model.citizens
    everyone_in(model, NORTH)
    citizens.score[:3] = [1000.0, 50.0, 1290.0]
    acts = acts_of([0, 1], [TRAFFIC, LOAN], [TRAFFIC, LOAN], recorded=True)
    gifts = acts_of([2], [BLOOD], [BLOOD], prosocial=True, recorded=True)
    apply_records(citizens, model.rules, acts, NONE, 100.0)
    apply_records(citizens, model.rules, gifts, np.array([0]), 100.0)
    assert citizens.score[:3].tolist() == [880.0, 0.0, 1300.0]
    assert citizens.false_record_points[0] == 100.0


def test_unrecorded_acts_change_no_score() -> None:
    model = build()
    everyone_in(model, NORTH)
    before = model.citizens.score.copy()
    acts = acts_of([0, 1], [TRAFFIC, LOAN], [TRAFFIC, LOAN], recorded=False)
    apply_records(model.citizens, model.rules, acts, NONE, 100.0)
    assert np.array_equal(model.citizens.score, before)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    recovery=st.sampled_from([0.0, 0.5, 2.0, 7.0]),
    decay=st.sampled_from([0.0, 1.0, 3.5]),
    one_scheme=st.booleans(),
)
def test_recovery_and_decay_move_every_score_toward_base_by_its_step(
    seed, recovery, decay, one_scheme
):
    """Below base: up by the recovery, capped at base; above: down by the decay, floored at
    base; at base: unchanged. One scheme everywhere (national) or several (the test world)."""
    if one_scheme:
        national = ROOT / "scenarios" / "national_2018.toml"
        scenario = load_scenario(national, {"population.citizens": 300})
        model = CreditModel(scenario, seed=seed)
    else:
        model = build()
    rules, citizens = model.rules, model.citizens
    rules.recovery_points[:] = recovery
    rules.decay_points[:] = decay
    rng = np.random.default_rng(seed)
    base = rules.base_score[rules.city_scheme[citizens.city]]
    offset = rng.choice([-20.0, -3.0, -0.25, 0.0, 0.25, 3.0, 20.0], citizens.size)
    citizens.score[:] = base + offset
    before = citizens.score.copy()
    recover(citizens, rules)
    expected = np.where(
        before < base,
        np.minimum(before + recovery, base),
        np.where(before > base, np.maximum(before - decay, base), before),
    )
    np.testing.assert_array_equal(citizens.score, expected)
