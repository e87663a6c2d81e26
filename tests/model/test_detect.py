"""Stage 2, detect: which acts are caught and reach a record; wrong records."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import (
    BLOOD,
    EAST,
    NORTH,
    TRAFFIC,
    acts_of,
    build,
    everyone_in,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.stages.detect import detect, false_records
from sim.model.transitions import add_in_order


def _traffic_acts(n: int) -> object:
    return acts_of(list(range(n)), [TRAFFIC] * n, [TRAFFIC] * n)


def test_an_unregistered_agents_violation_is_detected_but_never_recorded() -> None:
    model = build(behaviours__traffic_violation__detectability=1.0)
    everyone_in(model, NORTH, registered=False)
    acts = _traffic_acts(50)
    detect(model.rng, model.citizens, model.rules, acts, 0)
    assert acts.detected.all()
    assert not acts.recorded.any()
    assert model.citizens.fines_yuan[:50] == pytest.approx(200.0)


def test_registered_agents_detected_violation_is_recorded_under_full_sharing() -> None:
    model = build(behaviours__traffic_violation__detectability=1.0)
    everyone_in(model, NORTH)
    acts = _traffic_acts(50)
    detect(model.rng, model.citizens, model.rules, acts, 0)
    assert acts.recorded.all()


def test_no_data_sharing_means_no_records() -> None:
    model = build(behaviours__traffic_violation__detectability=1.0, cities__north__data_sharing=0.0)
    everyone_in(model, NORTH)
    acts = _traffic_acts(200)
    detect(model.rng, model.citizens, model.rules, acts, 0)
    assert acts.detected.all()
    assert not acts.recorded.any()


def test_no_records_before_the_scheme_starts_or_without_a_scheme() -> None:
    model = build(
        behaviours__traffic_violation__detectability=1.0, cities__north__scheme_start_month=4
    )
    for city, step in ((NORTH, 3), (EAST, 10)):
        everyone_in(model, city)
        acts = _traffic_acts(50)
        detect(model.rng, model.citizens, model.rules, acts, step)
        assert not acts.recorded.any()


def test_detection_rate_matches_the_probability() -> None:
    model = build()
    everyone_in(model, NORTH)
    n = 1000
    acts = _traffic_acts(n)
    detect(model.rng, model.citizens, model.rules, acts, 0)
    p = 0.3
    assert abs(acts.detected.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_prosocial_acts_are_recorded_without_detection() -> None:
    model = build()
    everyone_in(model, NORTH)
    acts = acts_of(list(range(20)), [BLOOD] * 20, [BLOOD] * 20, prosocial=True)
    detect(model.rng, model.citizens, model.rules, acts, 0)
    assert not acts.detected.any()
    assert acts.recorded.all()
    assert model.citizens.fines_yuan.sum() == 0


def test_wrong_records_only_hit_registered_agents_under_a_running_scheme() -> None:
    model = build(records__false_record_rate_per_month=0.5)
    citizens = model.citizens
    everyone_in(model, NORTH)
    citizens.registration_draw[::2] = 0.99  # half unregistered
    citizens.city[:100] = EAST
    wrong = false_records(model.rng, citizens, model.rules, model.config, 0)
    assert wrong.size > 0
    assert (citizens.registration_draw[wrong] == 0.0).all()
    assert (citizens.city[wrong] == NORTH).all()


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(1, 50),
    count=st.integers(0, 200),
    narrow=st.booleans(),
)
def test_add_in_order_is_np_add_at_bit_for_bit(seed, size, count, narrow):
    """Repeated rows included, float32 or float64 totals with float64 amounts."""
    rng = np.random.default_rng(seed)
    dtype = np.float32 if narrow else np.float64
    start = rng.uniform(0, 1e4, size).astype(dtype)
    rows = rng.integers(-size, size, count)  # negative rows too, as np.add.at allows
    values = rng.uniform(0, 1e3, count) * rng.choice([1.0, 1 / 3, 1e-7], count)
    expected, got = start.copy(), start.copy()
    np.add.at(expected, rows, values)
    add_in_order(got, rows, values)
    np.testing.assert_array_equal(got.view(np.uint8), expected.view(np.uint8))
