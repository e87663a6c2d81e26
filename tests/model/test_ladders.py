"""Rungs of a threshold ladder reached, against a count per value computed here."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import ladders
from sim.model.ladders import rungs_reached

SCORES = st.floats(-2000, 2000, allow_nan=False) | st.sampled_from([-np.inf, np.inf, 0.0])


@settings(max_examples=120, deadline=None)
@given(
    thresholds=st.lists(st.integers(-20, 20).map(lambda k: k * 50.0), max_size=24),
    values=st.lists(SCORES | st.integers(-20, 20).map(lambda k: k * 50.0), max_size=60),
    compared_max=st.sampled_from([0, 16, 100]),
)
def test_rungs_reached_counts_the_thresholds_at_or_below_each_value(
    thresholds, values, compared_max
):
    """Ties with a threshold count as reached; ladders compared and searched agree."""
    ladder = np.sort(np.array(thresholds, dtype=np.float64))
    scores = np.array(values, dtype=np.float64)
    expected = [sum(value >= rung for rung in ladder.tolist()) for value in scores.tolist()]
    default, ladders.RUNGS_COMPARED_MAX = ladders.RUNGS_COMPARED_MAX, compared_max
    try:
        reached = rungs_reached(ladder, scores)
    finally:
        ladders.RUNGS_COMPARED_MAX = default
    assert reached.tolist() == expected
    assert reached.dtype == np.intp
