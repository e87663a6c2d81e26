"""Firm ratings: grades from scores and listings, supervision by grade, costs and advantages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.model.model import CreditModel
from sim.model.stages.ratings import rate
from sim.scenario import scenario_from_data

GRADES = [
    {"name": "A", "min_score": 1050.0, "detection_multiplier": 0.5,
     "reward_value_income_share": 0.01},
    {"name": "B", "min_score": 950.0},
    {"name": "C", "min_score": 880.0, "detection_multiplier": 1.5, "cost_income_share": 0.02},
    {"name": "D", "min_score": 0.0, "detection_multiplier": 2.0, "cost_income_share": 0.05},
]  # fmt: skip


def rated_world(**ratings) -> dict:
    return {
        "simulation": {"steps": 6, "seed": 3},
        "population": {"citizens": 2000, "firms_per_citizen": 0.2},
        "records": {"false_record_rate_per_month": 0.0},
        "behaviours": {
            "fraud": {"actor": "firm", "opportunity_rate_per_month": 0.0, "detectability": 0.2},
            "honour": {"actor": "firm", "kind": "prosocial", "opportunity_rate_per_month": 0.0},
        },
        "sanctions": {"bar": {"applies_to": "firm"}},
        "rewards": {},
        "schemes": {"s": {"points": {"fraud": -100, "honour": 10}, "sanctions": ["bar"],
                          "blacklist_behaviours": ["fraud"]}},
        "cities": {"x": {"scheme": "s"}},
        "firm_ratings": {"grades": GRADES, **ratings},
    }  # fmt: skip


def expected_grade(score: float, listed: bool) -> int:
    """Independent rule: best grade whose min_score the score reaches; listed firms D or worse."""
    grade = next(g for g, spec in enumerate(GRADES) if score >= spec["min_score"])
    return max(grade, 3) if listed else grade


@settings(max_examples=30, deadline=None)
@given(
    scores=st.lists(st.floats(0, 1300, allow_nan=False), min_size=5, max_size=40),
    listed=st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_a_firms_grade_is_its_scores_band_and_a_listing_rates_it_d(scores, listed):
    model = CreditModel(scenario_from_data(rated_world(listed_grade="D")))
    firms = model.firms
    n = len(scores)
    firms.score[:n] = scores
    firms.blacklisted[:n] = listed[:n]
    rate(firms, model.rules, 0)
    got = firms.rating[:n].tolist()
    assert got == [expected_grade(s, b) for s, b in zip(scores, listed[:n], strict=True)]


def test_a_grade_costs_and_pays_its_share_of_profit_each_month():
    model = CreditModel(scenario_from_data(rated_world()))
    firms = model.firms
    firms.score[:] = np.where(np.arange(firms.size) % 2 == 0, 1100.0, 900.0)  # A or C
    firms.score[::3] = np.maximum(firms.score[::3], 1100.0)
    model.step()
    grade = firms.rating
    assert set(np.unique(grade)) <= {0, 2}
    a, c = grade == 0, grade == 2
    np.testing.assert_allclose(firms.rewards_yuan[a], 0.01 * firms.income[a])
    np.testing.assert_allclose(firms.sanction_cost_yuan[c], 0.02 * firms.income[c])
    assert model.latest["firms_rated__A"] == pytest.approx(a.mean())
    assert model.latest["firm_rating_cost_yuan"] == pytest.approx(0.02 * firms.income[c].sum())


def test_lower_grades_are_inspected_more():
    data = rated_world()
    data["behaviours"]["fraud"]["opportunity_rate_per_month"] = 1.0
    data["behaviours"]["fraud"]["gain_income_share"] = 100.0
    data["schemes"]["s"]["blacklist_behaviours"] = []
    data["schemes"]["s"]["points"] = {"fraud": 0.0, "honour": 10}
    model = CreditModel(scenario_from_data(data))
    firms = model.firms
    half = np.arange(firms.size) < firms.size // 2
    firms.score[:] = np.where(half, 1100.0, 500.0)  # grade A (x0.5) and grade D (x2)
    firms.rating[:] = np.where(half, 0, 3)
    detected = {0: [], 3: []}
    for _ in range(4):
        fines_before = firms.fines_yuan.copy()
        model.step()
        caught = firms.fines_yuan > fines_before
        detected[0].append(caught[half].mean())
        detected[3].append(caught[~half].mean())
    assert np.mean(detected[0]) == pytest.approx(0.1, abs=0.03)  # 0.2 x 0.5
    assert np.mean(detected[3]) == pytest.approx(0.4, abs=0.04)  # 0.2 x 2


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        ({"listed_grade": "E"}, "listed_grade = 'E': unknown grade"),
        ({"grades": [GRADES[1], GRADES[0]]}, "best first"),
        ({"grades": [GRADES[0], {**GRADES[1], "name": "A"}]}, "names must differ"),
    ],
)
def test_incoherent_ratings_are_refused(ratings: dict, message: str):
    with pytest.raises(ScenarioError, match=message):
        scenario_from_data(rated_world(**ratings), "f.toml")
