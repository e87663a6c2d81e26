"""Stage 1, behave: who violates, who does a pro-social act, who defaults involuntarily."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import (
    EAST,
    LOAN,
    NORTH,
    TRAFFIC,
    build,
    everyone_in,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sim.model.kinds import CITIZENS
from sim.model.stages.behave import (
    LIMITED_LIABILITY_FLOOR,
    behave,
    certainty_equivalent,
    forced_defaulters,
    full_penalty,
)


def test_only_debtors_face_a_debtors_only_choice() -> None:
    model = build(
        behaviours__loan_default__gain_income_share=100.0,
        decision__logit_noise=0.0,
        income_shocks__probability_per_month=0.0,
    )
    citizens = model.citizens
    acts = behave(model.rng, citizens, CITIZENS, model.rules, model.config, 0)
    defaulters = acts.agent[acts.behaviour == LOAN]
    assert np.array_equal(np.sort(defaulters), np.flatnonzero(citizens.debtor))
    assert not acts.involuntary.any()
    assert citizens.violated[defaulters].all()


def test_income_shocks_force_involuntary_default_of_debtors_only() -> None:
    model = build(
        behaviours__loan_default__gain_income_share=0.0,
        decision__logit_noise=0.0,
        income_shocks__probability_per_month=1.0,
        income_shocks__subsistence_yuan=1e9,
    )
    citizens = model.citizens
    acts = behave(model.rng, citizens, CITIZENS, model.rules, model.config, 0)
    loan = acts.behaviour == LOAN
    assert np.array_equal(np.sort(acts.agent[loan]), np.flatnonzero(citizens.debtor))
    assert acts.involuntary[loan].all()
    assert np.array_equal(citizens.involuntary_violation, citizens.debtor)


def test_employer_harm_pushes_shocked_debtors_into_default() -> None:
    model = build(
        income_shocks__probability_per_month=1.0,
        income_shocks__loss_share_max=0.0,
        income_shocks__subsistence_yuan=0.0,
        income_shocks__debt_service_income_share=0.5,
    )
    citizens = model.citizens
    citizens.debtor[:] = True
    every_other = np.arange(citizens.size) % 2 == 0
    citizens.employer[:] = np.where(every_other, 0, -1)  # firm 0 employs every other one
    citizens.harm_by_employer = np.zeros(model.firms.size + 1)
    citizens.harm_by_employer[0] = 0.6
    forced = forced_defaulters(model.rng, citizens, model.config)
    assert np.array_equal(forced, np.arange(0, citizens.size, 2))


def test_penalty_is_the_fine_alone_without_a_scheme_or_registration() -> None:
    model = build()
    citizens = model.citizens
    agents = np.arange(10)
    for city, registered in ((EAST, True), (NORTH, False)):
        everyone_in(model, city, registered)
        penalty = full_penalty(citizens, model.rules, model.config, agents, TRAFFIC, 0)
        assert penalty == pytest.approx(200.0 / citizens.income[agents])


def test_penalty_of_a_serious_violation_includes_the_discounted_listing() -> None:
    model = build(cities__north__data_sharing=0.8)
    citizens = model.citizens
    everyone_in(model, NORTH)
    agents = np.arange(10)
    penalty = full_penalty(citizens, model.rules, model.config, agents, LOAN, 0)
    months = [1.01**-t for t in range(6)]  # this month and the next five, discounted by hand
    burden = 0.10 + 0.05  # sanctions + shame, a month
    assert penalty == pytest.approx(np.full(10, 0.8 * burden * sum(months)))
    citizens.blacklisted[agents] = True  # already listed: the act renews it to 6 months
    citizens.listing_months_left[agents] = 2
    renewal = 0.8 * burden * sum(months[2:])
    assert full_penalty(citizens, model.rules, model.config, agents, LOAN, 0) == pytest.approx(
        np.full(10, renewal)
    )
    citizens.listing_months_left[agents] = 10  # longer than a new listing: nothing to add
    assert full_penalty(citizens, model.rules, model.config, agents, LOAN, 0) == pytest.approx(0)


def discounted_red_list_months(
    score: float, base: float, threshold: float, recovery: float, decay: float, rate: float
) -> float:
    """Discounted months on the red list from `score` on, by stepping the score month by month.

    Written from the rules' words (toward base by recovery below it, by decay above it, never
    past it; on the list while the score is at least the threshold), not from the model.
    """
    delta, total, weight = 1.0 / (1.0 + rate), 0.0, 1.0
    for _ in range(5_000):  # delta^5000 is below 1e-21 at 1% a month
        if score >= threshold:
            total += weight
        weight *= delta
        if score < base:
            score = min(score + recovery, base)
        elif score > base:
            score = max(score - decay, base)
    return total


@pytest.mark.parametrize(
    ("threshold", "recovery", "decay", "score"),
    [
        (1050.0, 2.0, 0.0, 1060.0),  # threshold above base, no decay: lost for good
        (1050.0, 2.0, 1.0, 1060.0),  # above base with decay: it would have lasted 11 months
        (990.0, 2.0, 0.0, 1000.0),  # below base: back in ceil(10 / 2) months
        (990.0, 3.0, 0.0, 1000.0),  # ceil(10 / 3) = 4 months, not 3.33
        (990.0, 0.0, 0.0, 1000.0),  # no recovery: never back
    ],
)
def test_penalty_counts_the_red_list_rewards_the_score_path_loses(
    threshold: float, recovery: float, decay: float, score: float
) -> None:
    model = build(
        schemes__strict__redlist_threshold=threshold,
        schemes__strict__monthly_recovery_points=recovery,
        schemes__strict__monthly_decay_points=decay,
    )
    citizens = model.citizens
    everyone_in(model, NORTH)
    agents = np.arange(4)
    citizens.score[agents] = score
    citizens.redlisted[agents] = True
    penalty = full_penalty(citizens, model.rules, model.config, agents, TRAFFIC, 0)
    base, after = 1000.0, score - 20.0  # traffic violation: -20 points
    path = (base, threshold, recovery, decay, 0.01)
    lost_months = discounted_red_list_months(score, *path) - discounted_red_list_months(
        after, *path
    )
    assert lost_months > 0
    lost = 0.02 * lost_months  # fast_track_approval is worth 2% of income a month
    assert penalty == pytest.approx(200.0 / citizens.income[agents] + lost, rel=1e-6)


def test_without_noise_exactly_the_agents_whose_gain_beats_the_penalty_violate() -> None:
    model = build(
        decision__logit_noise=0.0,
        decision__peer_weight=0.0,
        population__honesty_mean=0.0,
        behaviours__traffic_violation__opportunity_rate_per_month=1.0,
        behaviours__traffic_violation__gain_income_share=0.1,
        behaviours__traffic_violation__gain_sigma=0.0,
        behaviours__traffic_violation__detectability=0.3,
    )
    citizens = model.citizens
    everyone_in(model, EAST)
    citizens.debtor[:] = False
    citizens.income[:] = np.linspace(100.0, 2000.0, citizens.size)
    acts = behave(model.rng, citizens, CITIZENS, model.rules, model.config, 0)
    violators = np.sort(acts.agent[acts.behaviour == TRAFFIC])
    # gain 0.1 > 0.3 * 200 / income  <=>  income > 600
    assert np.array_equal(violators, np.flatnonzero(citizens.income > 600.0))


def test_peers_who_violated_pull_an_agent_into_violating() -> None:
    overrides = {
        "decision__logit_noise": 0.0,
        "decision__peer_weight": 10.0,
        "behaviours__traffic_violation__opportunity_rate_per_month": 1.0,
        "network__rewiring": 0.0,
    }
    model = build(**overrides)
    citizens = model.citizens
    citizens.violated[:] = True
    acts = behave(model.rng, citizens, CITIZENS, model.rules, model.config, 0)
    assert np.sum(acts.behaviour == TRAFFIC) == citizens.size
    model = build(**overrides)
    model.citizens.violated[:] = False
    acts = behave(model.rng, model.citizens, CITIZENS, model.rules, model.config, 0)
    assert np.sum(acts.behaviour == TRAFFIC) == 0


@given(
    gain=st.floats(0.0, 5.0),
    penalty=st.floats(0.0, 200.0),
    detection=st.floats(0.0, 1.0),
    rho=st.lists(st.floats(-1.0, 5.0), min_size=2, max_size=2),
    wealth=st.floats(1.0, 600.0),
)
@example(gain=0.0, penalty=0.0, detection=0.5, rho=[2.0, 1.001953125], wealth=7.0)
@example(gain=0.0, penalty=0.0, detection=0.5, rho=[0.0, 1.001953125], wealth=7.0)
@settings(max_examples=300, deadline=None)
def test_a_more_risk_averse_agent_is_at_least_as_deterred(gain, penalty, detection, rho, wealth):
    low, high = sorted(rho)
    values = certainty_equivalent(
        np.array([gain, gain]),
        np.array([penalty, penalty]),
        np.array([detection, detection]),
        np.array([low, high], dtype=np.float32),
        wealth,
    )
    assert np.isfinite(values).all()
    rounding = 4e-6 * (1 + wealth + gain)  # float32 power mean of wealth-sized numbers
    assert values[1] <= values[0] + rounding
    assert values[0] <= gain + rounding  # nothing is worth more than the sure gain


def _power_mean_reference(gain, penalty, detection, rho, wealth):
    """CRRA certainty equivalent in float64 from the textbook formula, for comparison."""
    good = wealth + gain
    bad = good - min(penalty, good * (1 - LIMITED_LIABILITY_FLOOR))
    order = 1.0 - rho
    if order == 0.0:
        mean = math.exp(detection * math.log(bad) + (1 - detection) * math.log(good))
    elif detection == 0.0:
        mean = good
    else:
        mean = (detection * bad**order + (1 - detection) * good**order) ** (1 / order)
    return mean - wealth


@example(gain=0.0, penalty=0.0, detection=0.5, rho=1.001953125, wealth=7.0)
@given(
    gain=st.floats(0.0, 5.0),
    penalty=st.floats(0.0, 200.0),
    detection=st.floats(0.0, 1.0),
    rho=st.floats(-1.0, 5.0).filter(lambda r: r != 0.0),
    wealth=st.floats(1.0, 600.0),
)
@settings(max_examples=300, deadline=None)
def test_certainty_equivalent_matches_the_textbook_power_mean(
    gain, penalty, detection, rho, wealth
):
    (value,) = certainty_equivalent(
        np.array([gain]),
        np.array([penalty]),
        np.array([detection]),
        np.array([rho], dtype=np.float32),
        wealth,
    )
    expected = _power_mean_reference(gain, penalty, detection, float(np.float32(rho)), wealth)
    assert value == pytest.approx(expected, rel=1e-4, abs=4e-5 * (1 + wealth + gain))


def test_risk_neutral_value_is_gain_minus_expected_penalty_within_the_wealth():
    gain, penalty, detection = np.array([0.2, 0.1]), np.array([0.5, 3.0]), np.array([0.3, 0.9])
    values = certainty_equivalent(gain, penalty, detection, np.zeros(2, np.float32), 24.0)
    assert values == pytest.approx(gain - detection * penalty)


@pytest.mark.parametrize("fine_months", [0.5, 2.0])
def test_violations_fall_with_risk_aversion_at_any_fine(fine_months: float) -> None:
    shares = []
    for rho in (-0.5, 0.0, 1.0, 3.0):
        model = build(
            population__risk_aversion_mean=rho,
            decision__wealth_base_months=1.0,
            decision__logit_noise=0.0,
            decision__peer_weight=0.0,
            behaviours__traffic_violation__fine_yuan=fine_months * 4_000.0,
            behaviours__traffic_violation__opportunity_rate_per_month=1.0,
        )
        everyone_in(model, EAST)  # no scheme: the fine is the whole penalty
        model.citizens.income[:] = 4_000.0
        acts = behave(model.rng, model.citizens, CITIZENS, model.rules, model.config, 0)
        shares.append(int((acts.behaviour[acts.violation] == TRAFFIC).sum()))
    assert shares == sorted(shares, reverse=True), shares
    assert shares[0] > shares[-1]
