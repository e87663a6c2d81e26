"""Known answer: with norms, learning, noise and honesty off, an agent violates exactly when
its lognormal gain beats perceived detection x full penalty, so the share of opportunities
taken equals the mean over agents of P(gain > break-even gain): detection x penalty when risk
neutral, else the root of the expected-utility equation, solved here by bisection."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from helpers import make_scenario
from scipy.integrate import quad
from scipy.special import expit
from scipy.stats import lognorm

from sim import simulate
from sim.model.model import CreditModel

CITIZENS = 4000
STEPS = 12
SIGMAS = 4.0


def known_world(
    gain: float,
    sigma: float,
    fine: float,
    detectability: float,
    rho: float = 0.0,
    wealth_months: float = 24.0,
) -> dict[str, Any]:
    """One city, one violation faced every month, and nothing but gain, fine and detection."""
    return {
        "simulation": {"name": "known", "steps": STEPS},
        "population": {
            "citizens": CITIZENS,
            "firms_per_citizen": 0.0,
            "honesty_mean": 0.0,
            "honesty_sd": 0.0,
            "risk_aversion_mean": rho,
            "risk_aversion_sd": 0.0,
            "debtor_share": 0.0,
            "income_sigma": 0.9,
        },
        "decision": {
            "logit_noise": 0.0,
            "peer_weight": 0.0,
            "learning_rate_own": 0.0,
            "learning_rate_social": 0.0,
            "initial_detection_belief": 1.0,
            "wealth_base_months": wealth_months,
        },
        "income_shocks": {"probability_per_month": 0.0},
        "records": {"false_record_rate_per_month": 0.0},
        "migration": {"enabled": False},
        "behaviours": {
            "theft": {
                "opportunity_rate_per_month": 1.0,
                "gain_income_share": gain,
                "gain_sigma": sigma,
                "fine_yuan": fine,
                "detectability": detectability,
            }
        },
        "schemes": {},
        "cities": {"city": {}},
    }


def violation_chance(gain: float, sigma: float, threshold: np.ndarray) -> np.ndarray:
    """P(gain > threshold) for gain ~ lognormal(median `gain`, log-sd `sigma`)."""
    return lognorm.sf(threshold, s=sigma, scale=gain)


def assert_within_sampling_error(observed: int, chances: np.ndarray) -> None:
    """Observed count of violations vs the sum of independent Bernoulli chances."""
    expected = chances.sum()
    sd = np.sqrt((chances * (1 - chances)).sum())
    assert abs(observed - expected) <= SIGMAS * sd + 1, (observed, expected, sd)


def crra(x: np.ndarray, rho: float) -> np.ndarray:
    """CRRA utility of wealth x (written here from its definition, not taken from the model)."""
    return np.log(x) if rho == 1.0 else x ** (1.0 - rho) / (1.0 - rho)


def break_even_gain(penalty: np.ndarray, p: float, rho: float, wealth: float) -> np.ndarray:
    """Gain at which violating and complying have equal expected utility, by bisection.

    Risk neutral: p x penalty. Otherwise the root of p u(w + G - P) + (1 - p) u(w + G) = u(w).
    """
    if rho == 0.0:
        return p * penalty
    low, high = np.zeros_like(penalty), np.full_like(penalty, 50.0)
    for _ in range(80):
        middle = (low + high) / 2
        bad = np.maximum(wealth + middle - penalty, 1e-3 * (wealth + middle))
        gap = p * crra(bad, rho) + (1 - p) * crra(wealth + middle, rho) - crra(wealth, rho)
        low, high = np.where(gap > 0, low, middle), np.where(gap > 0, middle, high)
    return (low + high) / 2


@pytest.mark.parametrize(
    ("gain", "sigma", "fine", "detectability", "rho", "wealth"),
    [
        (0.10, 0.8, 500.0, 0.4, 0.0, 24.0),
        (0.05, 0.5, 200.0, 0.9, 0.0, 24.0),
        (0.30, 1.5, 2000.0, 0.2, 0.0, 24.0),
        (0.10, 0.8, 2000.0, 0.4, 3.0, 1.0),
        (0.10, 0.8, 2000.0, 0.4, 1.0, 1.0),
        (0.10, 0.8, 2000.0, 0.4, -0.5, 1.0),
    ],
)
def test_share_violating_is_the_chance_that_gain_beats_the_break_even_gain(
    gain: float, sigma: float, fine: float, detectability: float, rho: float, wealth: float
) -> None:
    scenario = make_scenario(known_world(gain, sigma, fine, detectability, rho, wealth))
    result = simulate(scenario, seed=2024)
    income = result.model.citizens.income
    penalty = fine / income
    chances = violation_chance(gain, sigma, break_even_gain(penalty, detectability, rho, wealth))
    assert 0.02 < chances.mean() < 0.98  # the case says something
    share = result.timeseries["violations"].sum() / (CITIZENS * STEPS)
    assert_within_sampling_error(result.timeseries["violations"].sum(), np.tile(chances, STEPS))
    assert share == pytest.approx(chances.mean(), abs=0.02)
    assert (
        result.timeseries["compliance_rate"] == 1 - result.timeseries["violations"] / CITIZENS
    ).all()


@pytest.mark.parametrize("data_sharing", [1.0, 0.5, 0.0])
def test_a_scheme_adds_the_discounted_listing_cost_to_the_penalty(data_sharing: float) -> None:
    gain, sigma, fine, detectability = 0.3, 1.0, 300.0, 0.5
    duration, rate, sanction, shame = 12, 0.01, 0.05, 0.05
    data = known_world(gain, sigma, fine, detectability)
    data["decision"].update(monthly_discount_rate=rate, shame_income_share=shame)
    data["population"]["professions"] = {"other": 1.0}
    data["registration"] = {"initial_coverage": {"other": 1.0}}
    data["sanctions"] = {"no_flights": {"cost_income_share": sanction, "restricts": "flights"}}
    data["rewards"] = {}
    data["schemes"] = {
        "city": {
            "points": {"theft": -50},
            "blacklist_behaviours": ["theft"],
            "blacklist_duration_months": duration,
            "redlist_threshold": 1300.0,
            "sanctions": ["no_flights"],
            "published": True,
        }
    }
    data["cities"] = {"city": {"scheme": "city", "data_sharing": data_sharing}}
    model = CreditModel(make_scenario(data), seed=99)
    income = model.citizens.income
    # Discounted months by hand: months[m] = sum of (1 + rate)^-t for t < m.
    months = np.concatenate([[0.0], np.cumsum((1 + rate) ** -np.arange(duration + 1.0))])
    burden = sanction + shame
    # The listing cost counts only if the act reaches the record (chance = data sharing).
    unlisted_penalty = fine / income + data_sharing * burden * months[duration]
    unlisted_chance = violation_chance(gain, sigma, detectability * unlisted_penalty)
    fine_only_chance = violation_chance(gain, sigma, detectability * fine / income)
    if data_sharing > 0:
        assert np.all(fine_only_chance - unlisted_chance > 0.02)  # the listing deters
    chances, observed = [], 0
    for _ in range(STEPS):
        listed = model.citizens.blacklisted.copy()
        left = np.minimum(model.citizens.listing_months_left, duration)
        # A listed agent's act renews the listing to `duration` months from now.
        renewal = data_sharing * burden * (months[duration] - months[left])
        listed_chance = violation_chance(gain, sigma, detectability * (fine / income + renewal))
        model.step()
        chances.append(np.where(listed, listed_chance, unlisted_chance))
        observed += model.latest["violations"]
    assert model.citizens.blacklisted.any() == (data_sharing > 0)
    assert not model.citizens.redlisted.any()
    assert_within_sampling_error(observed, np.concatenate(chances))


def test_with_logit_noise_the_share_is_the_expected_logit_over_the_gain() -> None:
    gain, sigma, fine, detectability, noise = 0.1, 0.6, 200.0, 0.5, 0.05
    data = known_world(gain, sigma, fine, detectability)
    data["population"]["income_sigma"] = 0.0  # everyone earns the median: one integral
    data["decision"]["logit_noise"] = noise
    result = simulate(make_scenario(data), seed=8)
    threshold = detectability * fine / result.model.citizens.income[0]
    gains = lognorm(s=sigma, scale=gain)
    chance, _ = quad(lambda g: expit((g - threshold) / noise) * gains.pdf(g), 0, np.inf)
    assert 0.1 < chance < 0.9
    observed = result.timeseries["violations"].sum()
    assert_within_sampling_error(observed, np.full(CITIZENS * STEPS, chance))


@pytest.mark.parametrize(("honour", "noise"), [(0.0, 0.02), (0.05, 0.02), (0.0, 0.0)])
def test_pro_social_acts_follow_the_logit_of_their_net_value(honour: float, noise: float) -> None:
    honesty, warm_glow, cost = 0.03, 1.0, 0.04
    data = known_world(0.1, 0.8, 100.0, 0.5)
    data["population"].update(honesty_mean=honesty, honesty_sd=0.0)
    data["decision"]["logit_noise"] = noise
    data["behaviours"] = {
        "volunteering": {
            "kind": "prosocial",
            "opportunity_rate_per_month": 1.0,
            "warm_glow_weight": warm_glow,
            "honour_income_share": honour,
            "cost_income_share": cost,
        }
    }
    result = simulate(make_scenario(data), seed=12)
    value = warm_glow * honesty + honour - cost
    chance = float(expit(value / noise)) if noise > 0 else float(value > 0)
    acts = result.timeseries["prosocial_acts"].sum()
    assert_within_sampling_error(acts, np.full(CITIZENS * STEPS, chance))
    assert (result.timeseries["compliance_rate"] == 1.0).all()  # good deeds are no violations
