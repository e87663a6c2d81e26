"""Rules compiled to arrays: point tables, the no-scheme row, detection, zones, registration."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import build, make_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.rules import annuity_months, compile_rules
from sim.scenario.schema import Scenario


def test_behaviour_tables_follow_the_file(small_scenario: Scenario) -> None:
    rules = compile_rules(small_scenario)
    assert rules.behaviour_names == (
        "loan_default",
        "traffic_violation",
        "blood_donation",
        "skip_insurance",
    )
    assert rules.behaviours_of("citizen").tolist() == [0, 1, 2]
    assert rules.behaviours_of("firm").tolist() == [3]
    assert rules.prosocial.tolist() == [False, False, True, False]
    assert rules.involuntary.tolist() == [True, False, False, False]
    assert rules.harms_employees[3] == pytest.approx(0.3)
    assert rules.fine_yuan[1] == 200.0


def test_scheme_tables_and_the_no_scheme_row(small_scenario: Scenario) -> None:
    rules = compile_rules(small_scenario)
    strict, none = 0, len(rules.scheme_names)
    assert rules.points[strict].tolist() == [-100, -20, 20, -50]
    assert rules.serious[strict].tolist() == [True, False, False, False]
    assert rules.scored[strict].all()
    assert (rules.duration_months[strict] == 6).all()
    # The no-scheme row scores nothing, lists nothing and never bounds a score.
    assert not rules.scored[none].any() and not rules.serious[none].any()
    assert rules.blacklist_threshold[none] == -np.inf
    assert rules.redlist_threshold[none] == np.inf
    assert (rules.listing_value[none] == 0.0).all()
    assert rules.city_scheme.tolist() == [strict, strict, none]


def test_sanction_costs_and_travel_bans_by_actor(small_scenario: Scenario) -> None:
    rules = compile_rules(small_scenario)
    assert rules.sanction_cost[0].tolist() == pytest.approx([0.10, 0.10])
    assert rules.restricts_flights[0] and rules.restricts_trains[0]
    assert rules.reward_value[0].tolist() == pytest.approx([0.02, 0.0])
    only_flights = compile_rules(make_scenario(schemes__strict__sanctions=["no_flights"]))
    assert only_flights.restricts_flights[0] and not only_flights.restricts_trains[0]
    assert only_flights.sanction_cost[0].tolist() == pytest.approx([0.05, 0.0])


def test_detection_is_enforcement_times_detectability_capped_at_one() -> None:
    rules = compile_rules(
        make_scenario(cities__north__enforcement=2.0, cities__east__enforcement=0.5)
    )
    detectability = np.array([0.9, 0.3, 0.3, 0.3])
    assert rules.detection[0] == pytest.approx(np.minimum(2.0 * detectability, 1.0))
    assert rules.detection[1] == pytest.approx(detectability)
    assert rules.detection[2] == pytest.approx(0.5 * detectability)


def test_city_shares_are_normalised(small_scenario: Scenario) -> None:
    rules = compile_rules(small_scenario)
    assert rules.city_share.tolist() == pytest.approx([0.5, 0.25, 0.25])


def test_annuity_months_closed_form() -> None:
    rate = 0.01
    delta = 1 / (1 + rate)
    assert annuity_months(1, rate) == pytest.approx(1.0)
    assert annuity_months(24, rate) == pytest.approx(sum(delta**t for t in range(24)))
    assert annuity_months(np.inf, rate) == pytest.approx((1 + rate) / rate)
    assert annuity_months(0, rate) == pytest.approx(0.0)


def test_listing_value_uses_duration_or_perpetuity() -> None:
    rate = 0.02
    timed = compile_rules(make_scenario(decision__monthly_discount_rate=rate))
    assert timed.listing_value[0] == pytest.approx(annuity_months(np.full(4, 6), rate))
    forever = compile_rules(
        make_scenario(
            decision__monthly_discount_rate=rate, schemes__strict__blacklist_permanent=True
        )
    )
    assert forever.permanent[0]
    assert forever.listing_value[0] == pytest.approx(np.full(4, (1 + rate) / rate))


def test_registration_grows_by_profession_until_everyone_is_covered() -> None:
    rules = compile_rules(make_scenario(registration__monthly_growth=0.1))
    draw = np.array([0.05, 0.55, 0.65, 0.95, 0.05], dtype=np.float32)
    profession = np.array([1, 1, 1, 1, 0])  # "other" starts at 0.6, doctors at 1.0
    assert rules.registered(profession, draw, 0).tolist() == [True, True, False, False, True]
    assert rules.registered(profession, draw, 1).tolist() == [True, True, True, False, True]
    assert rules.registered(profession, draw, 4).all()
    firms = np.full(3, -1.0, dtype=np.float32)
    assert rules.registered(np.zeros(3, dtype=np.int64), firms, 0).all()


def test_scheme_active_from_its_start_month() -> None:
    rules = compile_rules(make_scenario(cities__south__scheme_start_month=3))
    assert rules.scheme_active(0).tolist() == [True, False, False]
    assert rules.scheme_active(3).tolist() == [True, True, False]


def test_listings_are_recognised_in_the_city_its_started_zone_or_nationwide() -> None:
    north, south, east = 0, 1, 2
    listing = np.array([north, north, north, south])
    living = np.array([north, south, east, east])
    behaviour = np.zeros(4, dtype=np.int64)
    rules = compile_rules(make_scenario(zones__delta__start_month=5))
    assert rules.recognised(listing, living, behaviour, 4).tolist() == [True, False, False, False]
    assert rules.recognised(listing, living, behaviour, 5).tolist() == [True, True, False, False]
    national = compile_rules(make_scenario(schemes__strict__scope="national"))
    assert national.recognised(listing, living, behaviour, 0).all()


def test_a_zone_recognises_only_its_listed_behaviours() -> None:
    listing, living = np.array([0, 0, 0]), np.array([1, 1, 1])
    rules = compile_rules(make_scenario(zones__delta__behaviours=["loan_default"]))
    loan, traffic = (
        rules.behaviour_names.index("loan_default"),
        rules.behaviour_names.index("traffic_violation"),
    )
    behaviour = np.array([loan, traffic, -1])  # -1: a wrong record
    assert rules.recognised(listing, living, behaviour, 0).tolist() == [True, False, True]


def test_durations_by_behaviour_override_the_scheme_duration() -> None:
    rules = compile_rules(
        make_scenario(schemes__strict__blacklist_duration_by_behaviour={"traffic_violation": 2})
    )
    traffic = rules.behaviour_names.index("traffic_violation")
    assert rules.duration_months[0, traffic] == 2
    assert rules.duration_months[0, rules.behaviour_names.index("loan_default")] == 6


@pytest.mark.parametrize("rate", [1e-17, 1e-12, 1e-6])
def test_annuity_months_with_a_vanishing_discount_rate_counts_the_months(rate: float) -> None:
    assert annuity_months(24, rate) == pytest.approx(24.0, rel=1e-4)
    assert annuity_months(np.inf, rate) == pytest.approx((1 + rate) / rate)
    rules = compile_rules(make_scenario(decision__monthly_discount_rate=rate))
    assert rules.listing_value[0] == pytest.approx(6.0, rel=1e-4)


@settings(max_examples=30, deadline=None)
@given(step=st.integers(0, 200), seed=st.integers(0, 2**16), rows=st.integers(0, 500))
def test_registered_rows_is_registered_at_those_rows_before_and_after_full_coverage(
    step, seed, rows
):
    """The shortcut once coverage reaches 1 gives what the draws give (draws are below 1)."""
    model = build(registration__monthly_growth=0.01)  # complete from month 40
    rules = model.rules
    rng = np.random.default_rng(seed)
    for population in model.populations.values():
        picked = rng.integers(0, population.size, rows)
        expected = rules.registered(
            population.profession[picked], population.registration_draw[picked], step
        )
        got = rules.registered_rows(population, picked, step)
        np.testing.assert_array_equal(got, expected)
