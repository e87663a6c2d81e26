"""Bernoulli index draws and thinning."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import (
    NONE,
)

from sim.model.draws import bernoulli_indices, thin


@pytest.mark.parametrize("rate", [0.001, 0.02, 0.2, 0.25, 0.6, 0.95])
def test_bernoulli_indices_have_the_right_mean_and_no_duplicates(rate: float) -> None:
    rng = np.random.default_rng(5)
    n, repeats = 20_000, 20
    counts = []
    for _ in range(repeats):
        chosen = bernoulli_indices(rng, n, rate)
        assert np.all(np.diff(chosen) > 0)  # sorted, no duplicates
        assert chosen.size == 0 or (chosen[0] >= 0 and chosen[-1] < n)
        counts.append(chosen.size)
    total = sum(counts)
    expected = n * repeats * rate
    assert abs(total - expected) < 4 * np.sqrt(expected * (1 - rate))


def test_bernoulli_indices_spread_over_the_whole_range() -> None:
    chosen = bernoulli_indices(np.random.default_rng(1), 10_000, 0.05)
    halves = np.bincount(chosen >= 5_000, minlength=2)
    assert abs(halves[0] - halves[1]) < 4 * np.sqrt(chosen.size)


def test_bernoulli_indices_edge_rates() -> None:
    rng = np.random.default_rng(0)
    assert bernoulli_indices(rng, 100, 0.0).size == 0
    assert bernoulli_indices(rng, 0, 0.5).size == 0
    assert bernoulli_indices(rng, 100, 1.0).tolist() == list(range(100))


def test_thin_keeps_each_index_with_its_probability() -> None:
    rng = np.random.default_rng(0)
    indices = np.arange(10)
    assert thin(rng, indices, np.ones(10)).tolist() == list(range(10))
    assert thin(rng, indices, np.zeros(10)).size == 0
    assert thin(rng, NONE, np.zeros(0)).size == 0


def test_bernoulli_indices_with_a_vanishing_rate_end() -> None:
    rng = np.random.default_rng(0)
    for rate in (1e-300, 1e-19, 5e-324):
        assert bernoulli_indices(rng, 1_000_000, rate).size == 0
