"""Acts that cap a grade: "drunk driving drops a person to grade C" (Rongcheng, DATA.md)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import NORTH, TRAFFIC, acts_of, build, everyone_in

from sim import load_scenario
from sim.model.model import CreditModel
from sim.model.stages.behave import full_penalty
from sim.model.stages.score import apply_records

BANDS = [
    {"name": "A", "min_score": 1050},
    {"name": "B", "min_score": 600},
    {"name": "C", "min_score": 0},
]


def capped_model():
    return build(
        schemes__strict__bands=BANDS,
        schemes__strict__grade_caps={"traffic_violation": "B"},
        schemes__strict__max_score=2000.0,
    )


@pytest.mark.parametrize("start", [1300.0, 1049.0, 1000.0, 700.0, 500.0])
def test_a_capping_act_leaves_the_score_at_most_the_top_of_its_band(start: float) -> None:
    model = capped_model()
    citizens = model.citizens
    everyone_in(model, NORTH)
    citizens.score[0] = start
    apply_records(
        citizens,
        model.rules,
        acts_of([0], [TRAFFIC], [TRAFFIC], recorded=True),
        np.empty(0, np.int64),
        0.0,
    )
    expected = min(start - 20.0, np.nextafter(1050.0, -np.inf))  # its points, then the cap
    assert citizens.score[0] == expected
    assert citizens.score[0] < 1050.0  # in band B or below, never A


def test_agents_anticipate_the_cap_in_the_red_list_they_lose() -> None:
    model = capped_model()
    citizens = model.citizens
    everyone_in(model, NORTH)
    agents = np.arange(3)
    citizens.score[agents] = 1500.0  # far above the red list: only the cap can take it away
    citizens.redlisted[agents] = True
    penalty = full_penalty(citizens, model.rules, model.config, agents, TRAFFIC, 0)
    assert (penalty > 200.0 / citizens.income[agents] + 1e-9).all()


def test_in_rongcheng_drunk_drivers_listed_this_month_are_in_grade_c_or_below() -> None:
    scenario = load_scenario(
        "scenarios/rongcheng.toml",
        {"population.citizens": 5_000, "behaviours.drunk_driving.opportunity_rate_per_month": 0.5},
    )
    model = CreditModel(scenario, seed=5)
    citizens = model.citizens
    drunk = model.rules.behaviour_names.index("drunk_driving")
    seen = 0
    for _ in range(12):
        before = citizens.times_listed.copy()
        model.step()
        fresh = np.flatnonzero(
            (citizens.times_listed > before) & (citizens.listing_behaviour == drunk)
        )
        seen += fresh.size
        assert (citizens.score[fresh] < 850.0).all()  # grade C starts below 850
    assert seen >= 5
