"""Stage 3, score: recovery toward base, then points within bounds."""

from __future__ import annotations

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

from sim.model.stages.score import apply_records, recover


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
