"""Re-offending while listed: renewal, extension and escalation (model 1.8), and deterrence
that is monotone in duration, extension and escalation for every agent."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import LOAN, NONE, NORTH, TRAFFIC, acts_of, build, everyone_in, make_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.events import FALSE_RECORD
from sim.model.rules import compile_rules
from sim.model.stages.behave import full_penalty
from sim.model.stages.listing import expire, list_new
from sim.model.stages.sanction import sanction_and_reward

STRICT = "schemes__strict__"


def _listed_model(**overrides: object):
    model = build(**{f"{STRICT}{key}": value for key, value in overrides.items()})
    everyone_in(model, NORTH)
    list_new(model.citizens, model.rules, acts_of([0], [LOAN], [LOAN], recorded=True), NONE)
    return model


@pytest.mark.parametrize(("left", "duration", "extension"), [(1, 6, 0), (3, 6, 12), (20, 6, 5)])
def test_a_reoffence_renews_to_the_acts_duration_then_adds_the_extension(
    left: int, duration: int, extension: int
) -> None:
    model = _listed_model(blacklist_duration_months=duration, blacklist_extension_months=extension)
    citizens = model.citizens
    citizens.listing_months_left[0] = left
    list_new(citizens, model.rules, acts_of([0], [LOAN], [LOAN], recorded=True), NONE)
    assert citizens.listing_months_left[0] == max(left, duration) + extension
    assert citizens.listing_level[0] == 1 and citizens.times_listed[0] == 1


def test_two_reoffences_in_a_month_add_two_extensions_and_two_levels() -> None:
    model = _listed_model(
        blacklist_extension_months=12, points={"loan_default": -100, "traffic_violation": -2000}
    )
    citizens = model.citizens
    citizens.listing_months_left[0] = 2
    acts = acts_of([0, 0], [LOAN, TRAFFIC], [LOAN, TRAFFIC], recorded=True)
    citizens.score[0] = 0.0  # below the threshold: the traffic record triggers too
    list_new(citizens, model.rules, acts, NONE)
    assert citizens.listing_months_left[0] == 6 + 2 * 12
    assert citizens.listing_level[0] == 2


def test_a_wrong_record_neither_renews_nor_escalates() -> None:
    model = _listed_model(blacklist_extension_months=12, sanction_escalation=1.0)
    citizens = model.citizens
    citizens.listing_months_left[0] = 2
    citizens.score[0] = 0.0
    list_new(citizens, model.rules, acts_of([], [], [], recorded=True), np.array([0]))
    assert citizens.listing_months_left[0] == 2 and citizens.listing_level[0] == 0
    assert citizens.listing_cause[0] != FALSE_RECORD


def test_escalation_raises_the_monthly_burden_by_its_multiple_per_level() -> None:
    model = _listed_model(sanction_escalation=0.5, published=False)
    citizens = model.citizens
    citizens.income[0] = 1000.0
    base = 1000.0 * 0.10  # no_flights + no_trains, unpublished
    for level in range(4):
        citizens.listing_level[0] = level
        before = citizens.sanction_cost_yuan[0]
        sanction_and_reward(citizens, model.rules)
        assert citizens.sanction_cost_yuan[0] - before == pytest.approx(base * (1 + 0.5 * level))


def test_delisting_resets_the_level() -> None:
    model = _listed_model(sanction_escalation=0.5)
    citizens = model.citizens
    list_new(citizens, model.rules, acts_of([0], [LOAN], [LOAN], recorded=True), NONE)
    assert citizens.listing_level[0] == 1
    for _ in range(30):
        expire(citizens, model.rules)
    assert not citizens.blacklisted[0] and citizens.listing_level[0] == 0


@given(
    seed=st.integers(0, 2**16),
    durations=st.lists(st.integers(1, 600), min_size=2, max_size=2),
    extensions=st.lists(st.integers(0, 600), min_size=2, max_size=2),
    escalations=st.lists(st.floats(0.0, 10.0), min_size=2, max_size=2),
    discount=st.floats(1e-4, 1.0),
    permanent=st.booleans(),
    sanction_cost=st.floats(0.0, 1.0),
)
@settings(max_examples=60, deadline=None)
def test_every_agents_penalty_rises_with_duration_extension_and_escalation(
    seed, durations, extensions, escalations, discount, permanent, sanction_cost
) -> None:
    """In any state, a longer, further-extended or more escalating listing never lowers the
    full penalty any agent faces for any act (common state, rules drawn from schema ranges)."""
    rng = np.random.default_rng(seed)

    def scenario(duration: int, extension: int, escalation: float):
        return make_scenario(
            schemes__strict__blacklist_duration_months=duration,
            schemes__strict__blacklist_extension_months=extension,
            schemes__strict__sanction_escalation=escalation,
            schemes__strict__blacklist_permanent=permanent,
            sanctions__no_flights__cost_income_share=sanction_cost,
            decision__monthly_discount_rate=discount,
        )

    low, high = zip(
        *(sorted(values) for values in (durations, extensions, escalations)), strict=True
    )
    model = build(seed=seed)
    citizens = model.citizens
    for _ in range(3):
        model.step()
    listed = rng.random(citizens.size) < 0.4
    citizens.blacklisted[:] = listed
    citizens.listing_city[:] = rng.integers(0, 2, citizens.size)  # the two scheme cities
    citizens.listing_months_left[:] = rng.integers(0, 80, citizens.size)
    citizens.listing_level[:] = rng.integers(0, 5, citizens.size)
    citizens.listing_permanent[:] = listed & permanent
    agents = np.arange(citizens.size)
    config_low, config_high = scenario(*low), scenario(*high)
    rules_low, rules_high = compile_rules(config_low), compile_rules(config_high)
    for behaviour in (LOAN, TRAFFIC):
        before = full_penalty(citizens, rules_low, config_low, agents, behaviour, 3)
        after = full_penalty(citizens, rules_high, config_high, agents, behaviour, 3)
        assert np.all(after >= before - 1e-9 * (1 + np.abs(before)))
