"""Stage 6, learn: perceived detection moves toward observed outcomes."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import (
    LOAN,
    TRAFFIC,
    acts_of,
    build,
)

from sim.model.stages.learn import learn


def test_beliefs_move_toward_own_outcomes_at_the_learning_rate() -> None:
    model = build(decision__learning_rate_own=0.5, decision__learning_rate_social=0.0)
    beliefs = model.citizens.perceived_detection
    beliefs[:4, TRAFFIC] = 0.4
    acts = acts_of([0, 1], [TRAFFIC, TRAFFIC], [TRAFFIC, TRAFFIC])
    acts.detected = np.array([True, False])
    learn(model.rng, model.citizens, acts, model.config)
    assert beliefs[:4, TRAFFIC] == pytest.approx([0.7, 0.2, 0.4, 0.4])


def test_a_neighbour_hears_of_a_detection() -> None:
    model = build(decision__learning_rate_own=0.0, decision__learning_rate_social=1.0)
    beliefs = model.citizens.perceived_detection
    beliefs[:, TRAFFIC] = 0.0
    acts = acts_of([0], [TRAFFIC], [TRAFFIC], detected=True)
    learn(model.rng, model.citizens, acts, model.config)
    told = np.flatnonzero(beliefs[:, TRAFFIC] == 1.0)
    assert told.size == 1
    assert told[0] in model.citizen(0).neighbours


def test_no_learning_leaves_beliefs_alone() -> None:
    model = build(decision__learning_rate_own=0.0, decision__learning_rate_social=0.0)
    before = model.citizens.perceived_detection.copy()
    acts = acts_of([0, 1], [TRAFFIC, LOAN], [TRAFFIC, LOAN], detected=True)
    learn(model.rng, model.citizens, acts, model.config)
    assert np.array_equal(model.citizens.perceived_detection, before)
