"""Stage 7, learn: perceived detection moves toward observed outcomes and published cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import (
    LOAN,
    TRAFFIC,
    acts_of,
    build,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.model import CreditModel
from sim.model.population import column_values, set_column_values
from sim.model.stages.learn import learn, published_detection
from sim.scenario.files import load_scenario
from sim.validation.cases import (
    PUBLISHED_RECORDS,
    belief_gap_after_a_cut,
    beliefs_after_a_cut,
    deterrence_scenario,
)

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
NO_NEWS = {"decision__learning_rate_news": 0.0}


def test_beliefs_move_toward_own_outcomes_at_the_learning_rate() -> None:
    model = build(decision__learning_rate_own=0.5, decision__learning_rate_social=0.0, **NO_NEWS)
    beliefs = model.citizens.perceived_detection
    beliefs[:4, TRAFFIC] = 0.4
    acts = acts_of([0, 1], [TRAFFIC, TRAFFIC], [TRAFFIC, TRAFFIC])
    acts.detected = np.array([True, False])
    learn(model.rng, model.citizens, model.rules, acts, model.config, 0)
    assert beliefs[:4, TRAFFIC] == pytest.approx([0.7, 0.2, 0.4, 0.4])


def test_a_neighbour_hears_of_a_detection() -> None:
    model = build(decision__learning_rate_own=0.0, decision__learning_rate_social=1.0, **NO_NEWS)
    beliefs = model.citizens.perceived_detection
    beliefs[:, TRAFFIC] = 0.0
    acts = acts_of([0], [TRAFFIC], [TRAFFIC], detected=True)
    learn(model.rng, model.citizens, model.rules, acts, model.config, 0)
    told = np.flatnonzero(beliefs[:, TRAFFIC] == 1.0)
    assert told.size == 1
    assert told[0] in model.citizen(0).neighbours


def test_no_learning_leaves_beliefs_alone() -> None:
    model = build(decision__learning_rate_own=0.0, decision__learning_rate_social=0.0, **NO_NEWS)
    before = model.citizens.perceived_detection.copy()
    acts = acts_of([0, 1], [TRAFFIC, LOAN], [TRAFFIC, LOAN], detected=True)
    learn(model.rng, model.citizens, model.rules, acts, model.config, 0)
    assert np.array_equal(model.citizens.perceived_detection, before)


def test_published_cases_show_the_share_of_each_citys_violations_detected() -> None:
    model = build()
    everyone = model.citizens
    everyone.city[:4] = [0, 0, 1, 2]  # north, north, south, east (east has no scheme)
    acts = acts_of([0, 1, 2, 3], [TRAFFIC] * 4, [TRAFFIC] * 4)
    acts.detected = np.array([True, False, True, True])
    share, visible = published_detection(everyone, model.rules, acts, 0)
    assert share[:, TRAFFIC].tolist() == [0.5, 1.0, 1.0]
    assert visible[:, TRAFFIC].tolist() == [True, True, False]
    assert not visible[:, LOAN].any()  # nobody defaulted


@pytest.mark.parametrize("published", [True, False])
def test_only_published_records_teach_the_readers(published: bool) -> None:
    model = build(
        decision__learning_rate_own=0.0,
        decision__learning_rate_social=0.0,
        decision__learning_rate_news=0.5,
        schemes__strict__published=published,
    )
    citizens = model.citizens
    citizens.city[:] = 0
    citizens.perceived_detection[:, TRAFFIC] = 0.8
    acts = acts_of([0, 1], [TRAFFIC, TRAFFIC], [TRAFFIC, TRAFFIC])
    acts.detected = np.array([True, False])
    learn(model.rng, citizens, model.rules, acts, model.config, 0)
    expected = 0.8 + 0.5 * (0.5 - 0.8) if published else 0.8
    assert citizens.perceived_detection[:, TRAFFIC] == pytest.approx(expected)


@pytest.mark.parametrize("rate", [0.02, 0.06, 0.2])
def test_published_enforcement_closes_the_belief_gap_geometrically(rate: float) -> None:
    """Own and peer learning off: the gap after t months is (1 - rate)^t (by hand), up to
    the sampling noise of the published share."""
    table = belief_gap_after_a_cut(
        {
            "decision.learning_rate_own": 0.0,
            "decision.learning_rate_social": 0.0,
            "decision.learning_rate_news": rate,
        },
        months=24,
    )
    expected = (1 - rate) ** table["months_since_cut"]
    assert np.abs(table["gap"] - expected).max() < 0.02, table


def test_beliefs_settle_at_the_true_detection_under_a_steady_policy() -> None:
    scenario = deterrence_scenario(
        {"decision.initial_detection_belief": 0.2, "decision.logit_noise": 0.2, **PUBLISHED_RECORDS}
    )
    model = CreditModel(scenario, seed=1)
    for _ in range(60):
        model.step()
    truth = model.rules.detection[0, 0]
    assert float(model.citizens.perceived_detection.mean()) == pytest.approx(truth, abs=0.02)


def test_a_cut_in_detection_is_believed_within_years_in_the_classroom() -> None:
    """Four years after a cut to x0.25 the classroom's belief is nearer a run that started
    there than the run without a cut (until model 1.8 it stayed nearer the uncut run)."""
    scenario = load_scenario(SCENARIOS / "classroom.toml")
    belief = {
        label: beliefs_after_a_cut(scenario, factor, cut_at, 60, seed=3)["belief"].iloc[-1]
        for label, factor, cut_at in (("none", 1.0, 12), ("cut", 0.25, 12), ("start", 0.25, None))
    }
    assert abs(belief["cut"] - belief["start"]) < abs(belief["cut"] - belief["none"]), belief


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 60),
    columns=st.integers(1, 6),
    cells=st.integers(0, 200),
    by_column=st.booleans(),
)
def test_belief_cells_read_and_write_as_two_dimensional_indexing(
    seed, rows, columns, cells, by_column
):
    """Flat reads and writes of a table stored by column (repeated cells: the last value)."""
    rng = np.random.default_rng(seed)
    table = rng.random((rows, columns), dtype=np.float32)
    table = np.asfortranarray(table) if by_column else np.ascontiguousarray(table)
    expected = table.copy()
    row = rng.integers(0, rows, cells)
    column = rng.integers(0, columns, cells)
    values = rng.random(cells, dtype=np.float32)
    np.testing.assert_array_equal(column_values(table, row, column), expected[row, column])
    set_column_values(table, row, column, values)
    expected[row, column] = values
    np.testing.assert_array_equal(table, expected)
