"""Travel demand: blocked purchases equal the barred citizens' attempts, computed apart."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.model.model import CreditModel
from sim.scenario.files import apply_overrides, load_scenario, scenario_from_data
from sim.scenario.schema import Scenario


def _national(**travel) -> Scenario:
    base = load_scenario("scenarios/national_2018.toml").model_dump()
    data = apply_overrides(
        base,
        {"population.citizens": 3000, "simulation.steps": 12, **travel},
    )
    return scenario_from_data(data, "test")


@settings(max_examples=8, deadline=None)
@given(
    flights_e=st.floats(0.0, 3.0),
    trains_e=st.floats(0.0, 3.0),
    share=st.floats(0.05, 1.0),
    seed=st.integers(0, 10_000),
)
def test_blocked_purchases_are_the_barred_citizens_attempts(flights_e, trains_e, share, seed):
    scenario = _national(
        **{
            "travel.flights.income_elasticity": flights_e,
            "travel.trains.income_elasticity": trains_e,
            "travel.listed_attempt_share": share,
        }
    )
    model = CreditModel(scenario, seed=seed)
    travel = scenario.travel
    income = model.citizens.income
    median = np.median(income)
    for _ in range(12):
        model.step()
        row = model.latest
        listed = model.citizens.blacklisted  # national_2018: one scheme bars both modes
        for name, mode in (("flight", travel.flights), ("train", travel.trains)):
            relative = (income / median) ** mode.income_elasticity
            trend = (1 + mode.growth_per_year) ** (row["year"] - travel.reference_year)
            expected = (
                relative[listed].sum()
                / relative.mean()
                * mode.trips_per_person_per_month
                * trend
                * share
                * scenario.population.people_scale
            )
            assert row[f"{name}_purchases_blocked"] == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_more_elastic_flights_shift_restrictions_to_the_rich_listed():
    # The poorer the listed are against the mean, the fewer flights a higher elasticity leaves.
    low = CreditModel(_national(**{"travel.flights.income_elasticity": 0.0}), seed=3)
    high = CreditModel(_national(**{"travel.flights.income_elasticity": 3.0}), seed=3)
    for model in (low, high):
        for _ in range(12):
            model.step()
    listed = low.citizens.blacklisted
    relative = low.citizens.income / np.median(low.citizens.income)
    ratio = (relative[listed] ** 3).mean() / (relative**3).mean()
    blocked_low = low.latest["flight_purchases_blocked"]
    assert high.latest["flight_purchases_blocked"] == pytest.approx(blocked_low * ratio, rel=1e-9)


def test_travel_with_a_per_sanction_count_is_refused():
    with pytest.raises(ScenarioError) as error:
        _national(**{"sanctions.no_flights.blocked_purchases_per_month": 0.1})
    message = str(error.value)
    assert "sanctions.no_flights.blocked_purchases_per_month" in message
    assert "travel.enabled" in message
