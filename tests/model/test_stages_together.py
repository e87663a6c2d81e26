"""The stages together in whole runs of the small scenario."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import (
    BLOOD,
    EAST,
    NORTH,
    SOUTH,
    build,
    everyone_in,
    make_scenario,
    scenario_data,
)

from sim.model.events import INVOLUNTARY
from sim.model.kinds import CITIZENS
from sim.model.model import CreditModel
from sim.model.stages.behave import behave
from sim.model.stages.migrate import migrate
from sim.model.stages.sanction import sanction_and_reward


def test_nothing_is_scored_or_listed_before_a_scheme_starts() -> None:
    model = build(
        cities__north__scheme_start_month=6,
        cities__south__scheme_start_month=6,
        population__citizens=2000,
    )
    rules = model.rules
    for _ in range(6):
        model.step()
        citizens = model.citizens
        assert model.latest["recorded_violations"] == 0
        assert not citizens.blacklisted.any() and not citizens.redlisted.any()
        base = rules.base_score[rules.city_scheme[citizens.city]]
        assert np.array_equal(citizens.score, base)
    for _ in range(6):
        model.step()
    assert model.timeseries()["recorded_violations"].iloc[6:].sum() > 0


def test_registration_rollout_brings_more_records() -> None:
    def recorded(growth: float) -> int:
        model = build(
            seed=1,
            registration__initial_coverage__other=0.0,
            registration__monthly_growth=growth,
            population__citizens=2000,
        )
        for _ in range(12):
            model.step()
        return int(model.timeseries()["recorded_violations"].sum())

    assert recorded(0.1) > 2 * recorded(0.0)


def test_only_wrong_records_make_every_listing_a_false_positive() -> None:
    model = build(
        behaviours__traffic_violation__opportunity_rate_per_month=0.0,
        behaviours__loan_default__opportunity_rate_per_month=0.0,
        income_shocks__probability_per_month=0.0,
        records__false_record_rate_per_month=0.2,
        records__false_record_points=500.0,
        records__appeal_success_per_month=0.0,
    )
    for _ in range(6):
        model.step()
    row = model.latest
    assert row["violations"] == 0 and row["blacklisted_share"] > 0
    assert row["false_positive_blacklisted_share"] == 1.0
    assert row["involuntary_blacklisted_share"] == 0.0


def test_only_income_shocks_make_every_listing_involuntary() -> None:
    model = build(
        behaviours__traffic_violation__opportunity_rate_per_month=0.0,
        behaviours__loan_default__gain_income_share=0.0,
        decision__logit_noise=0.0,
        income_shocks__probability_per_month=0.3,
        income_shocks__subsistence_yuan=1e9,
        decision__repayment_propensity=0.0,
    )
    for _ in range(6):
        model.step()
    row = model.latest
    assert row["blacklisted_share"] > 0
    assert row["involuntary_blacklisted_share"] == 1.0
    assert row["involuntary_violations"] == row["violations"]
    listed = model.citizens.blacklisted
    assert (model.citizens.listing_cause[listed] == INVOLUNTARY).all()
    assert model.citizens.debtor[listed].all()


def test_travel_bans_count_people_under_each_restriction() -> None:
    model = build(
        population__people_per_agent=250.0,
        schemes__strict__sanctions=["no_flights"],
        income_shocks__probability_per_month=0.3,
        income_shocks__subsistence_yuan=1e9,
    )
    for _ in range(4):
        model.step()
    listed = int(model.citizens.blacklisted.sum())
    assert listed > 0
    assert model.latest["flight_banned"] == listed * 250.0
    assert model.latest["train_banned"] == 0.0


def test_firms_pay_their_own_sanctions() -> None:
    model = build(schemes__strict__published=False)
    firms = model.firms
    firms.income[:] = 1000.0
    firms.blacklisted[:2] = True
    firms.listing_city[:2] = NORTH
    transfers = sanction_and_reward(firms, model.rules)
    assert firms.sanction_cost_yuan[:3] == pytest.approx([100.0, 100.0, 0.0])  # no_procurement
    assert transfers.sanction_cost_yuan == pytest.approx(200.0)
    assert firms.rewards_yuan.sum() == 0.0  # the reward is for citizens only


def test_moving_into_another_scheme_keeps_the_score_within_its_bounds() -> None:
    data = scenario_data(migration__rate_per_month=1.0)
    data["schemes"]["mild"] = dict(data["schemes"]["strict"], max_score=2000.0)
    data["cities"]["south"]["scheme"] = "mild"
    model = CreditModel(make_scenario(data), seed=2)
    model.rules = dataclasses.replace(model.rules, city_share=np.array([1.0, 0.0, 0.0]))
    everyone_in(model, SOUTH)
    model.citizens.score[:] = 1800.0
    migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert (model.citizens.city == NORTH).all()
    assert (model.citizens.score == 1300.0).all()


def test_a_score_does_not_travel_to_or_from_a_city_without_a_scheme() -> None:
    model = build(migration__rate_per_month=1.0)
    model.rules = dataclasses.replace(model.rules, city_share=np.array([1.0, 0.0, 0.0]))
    everyone_in(model, EAST)
    migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert (model.citizens.score == 1000.0).all()  # the north's base, not the east's 0
    model.rules = dataclasses.replace(model.rules, city_share=np.array([0.0, 0.0, 1.0]))
    model.citizens.score[:] = 700.0
    migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert (model.citizens.score == 0.0).all()


def test_pro_social_points_are_worth_more_to_registered_agents_under_a_scheme() -> None:
    model = build(
        decision__logit_noise=0.0,
        population__honesty_mean=0.0,
        behaviours__blood_donation__opportunity_rate_per_month=1.0,
        behaviours__blood_donation__cost_income_share=0.001,
        schemes__strict__points__blood_donation=50,
        behaviours__traffic_violation__opportunity_rate_per_month=0.0,
    )
    citizens = model.citizens
    everyone_in(model, NORTH)
    citizens.honesty[:] = 0.0
    citizens.registration_draw[::2] = 0.99  # even rows unregistered
    citizens.debtor[:] = False
    acts = behave(model.rng, citizens, CITIZENS, model.rules, model.config, 0)
    donors = np.sort(acts.agent[acts.behaviour == BLOOD])
    assert np.array_equal(donors, np.arange(1, citizens.size, 2))
    assert acts.prosocial[acts.behaviour == BLOOD].all()
    assert not citizens.violated[donors].any()
