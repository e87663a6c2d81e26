"""Outcome columns computed from hand-set states: band shares and the calendar year."""

import numpy as np
import pytest
from helpers import make_scenario

from sim.model.model import CreditModel
from sim.model.rules import compile_rules
from sim.model.stages.metrics import band_shares

BANDS = [
    {"name": "A", "min_score": 1000.0},
    {"name": "C", "min_score": 0.0},
    {"name": "B", "min_score": 600.0},
]


def test_band_shares_count_scores_into_their_band_among_banded_citizens():
    scenario = make_scenario(schemes__strict__bands=BANDS)
    model = CreditModel(scenario, seed=0)
    citizens = model.citizens
    rules = compile_rules(scenario)
    banded = np.flatnonzero(rules.city_scheme[citizens.city] == 0)
    unbanded = np.flatnonzero(rules.city_scheme[citizens.city] != 0)
    scores = np.resize([1000.0, 999.9, 600.0, 599.0, 0.0], banded.size)
    citizens.score[banded] = scores
    citizens.score[unbanded] = 2_000.0  # other schemes have no bands: never counted
    shares = band_shares(citizens, rules)
    expected = {
        "band_share__A": np.mean(scores >= 1000),
        "band_share__B": np.mean((scores >= 600) & (scores < 1000)),
        "band_share__C": np.mean(scores < 600),
    }
    assert shares == pytest.approx(expected)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_no_bands_means_no_band_columns():
    model = CreditModel(make_scenario(schemes__strict__bands=[]), seed=0)
    model.step()
    assert not [c for c in model.timeseries().columns if c.startswith("band_share__")]


def test_year_counts_months_from_the_start_year():
    model = CreditModel(make_scenario(simulation__start_year=2014), seed=0)
    for _ in range(13):
        model.step()
    years = model.timeseries()["year"].to_numpy()
    assert years[0] == 2014.0 and years[12] == 2015.0
    assert np.allclose(np.diff(years), 1 / 12)
