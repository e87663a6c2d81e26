"""Property-based tests (hypothesis) of the rules and of the scenario parser."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import annotated_types
import numpy as np
import pytest
from helpers import acts_of, make_scenario, scenario_data, write_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim.errors import ScenarioError
from sim.model.draws import bernoulli_indices
from sim.model.model import CreditModel
from sim.model.network import small_world
from sim.model.population import Population
from sim.model.stages.learn import learn
from sim.model.stages.listing import expire, list_new
from sim.model.stages.sanction import sanction_and_reward
from sim.model.stages.score import recover
from sim.scenario.files import apply_overrides, load_scenario, scenario_from_data
from sim.scenario.schema import (
    Behaviour,
    City,
    Decision,
    IncomeShocks,
    Migration,
    Network,
    Records,
    Scheme,
    Simulation,
)
from sim.scenario.schema import Population as PopulationConfig

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LOAN = 0
NONE = np.empty(0, dtype=np.int64)

# Nothing ends a listing but time: no payment, no appeal, no move.
ONLY_TIME_ENDS_LISTINGS = {
    "population__citizens": 300,
    "decision__repayment_propensity": 0.0,
    "records__false_record_rate_per_month": 0.0,
    "migration__enabled": False,
    "income_shocks__probability_per_month": 0.2,
}


def _all_populations(model: CreditModel) -> tuple[Population, Population]:
    return model.citizens, model.firms


# --- listings --------------------------------------------------------------------------------


@SETTINGS
@given(duration=st.integers(1, 120), start=st.integers(0, 30))
def test_a_listing_ends_exactly_when_its_duration_does(duration: int, start: int) -> None:
    model = CreditModel(make_scenario(schemes__strict__blacklist_duration_months=duration), seed=0)
    citizens, rules = model.citizens, model.rules
    citizens.city[:] = 0
    citizens.registration_draw[:] = 0.0
    for _ in range(start):  # listings elsewhere in time do not matter
        expire(citizens, rules)
    list_new(citizens, rules, acts_of([0], [LOAN], [LOAN], recorded=True), NONE)
    sanction_and_reward(citizens, rules)
    months = 1
    while citizens.blacklisted[0]:
        expire(citizens, rules)
        if citizens.blacklisted[0]:
            sanction_and_reward(citizens, rules)
            months += 1
        assert months <= duration
    assert months == duration == citizens.months_listed[0]


@SETTINGS
@given(duration=st.integers(1, 12), seed=st.integers(0, 10_000))
def test_months_listed_follow_the_duration_in_a_whole_run(duration: int, seed: int) -> None:
    scenario = make_scenario(
        schemes__strict__blacklist_duration_months=duration,
        simulation__steps=duration * 2 + 3,
        **ONLY_TIME_ENDS_LISTINGS,
    )
    model = CreditModel(scenario, seed=seed)
    for _ in range(scenario.simulation.steps):
        before = [population.months_listed.copy() for population in _all_populations(model)]
        model.step()
        for earlier, population in zip(before, _all_populations(model), strict=True):
            listed = population.blacklisted
            assert np.array_equal(population.months_listed - earlier, listed)
            assert (population.listing_months_left[listed] >= 1).all()
            # A first listing never renewed has run duration - left + 1 months so far.
            plain = listed & (population.times_listed == 1) & (population.listing_level == 0)
            elapsed = duration - population.listing_months_left[plain] + 1
            assert np.array_equal(population.months_listed[plain], elapsed)
            # Without an extension a renewal restarts the clock at most at the duration.
            renewed = listed & (population.listing_level > 0)
            assert (population.listing_months_left[renewed] <= duration).all()
    assert model.citizens.times_listed.sum() > 0


@SETTINGS
@given(seed=st.integers(0, 10_000), payment=st.floats(0.0, 1.0))
def test_a_permanent_listing_never_ends(seed: int, payment: float) -> None:
    overrides = dict(ONLY_TIME_ENDS_LISTINGS, decision__repayment_propensity=payment)
    scenario = make_scenario(
        schemes__strict__blacklist_permanent=True, simulation__steps=24, **overrides
    )
    model = CreditModel(scenario, seed=seed)
    was_listed = [np.zeros(p.size, dtype=bool) for p in _all_populations(model)]
    for _ in range(scenario.simulation.steps):
        model.step()
        for before, population in zip(was_listed, _all_populations(model), strict=True):
            assert population.blacklisted[before].all()
            assert (population.times_listed <= 1).all()
            before |= population.blacklisted
    assert was_listed[0].any()


# --- scores and lists in random schemes --------------------------------------------------------


@st.composite
def schemes(draw: st.DrawFn) -> dict[str, Any]:
    """A random but valid points scheme (thresholds may lie outside the score range)."""
    low = draw(st.integers(-500, 500))
    high = low + draw(st.integers(0, 1500))
    base = draw(st.integers(low, high))
    blacklist = draw(st.integers(low - 100, high + 100))
    redlist = draw(st.integers(blacklist, high + 200))
    return {
        "min_score": low,
        "max_score": high,
        "base_score": base,
        "blacklist_threshold": blacklist,
        "redlist_threshold": redlist,
        "monthly_recovery_points": draw(st.integers(0, 50)),
        "blacklist_duration_months": draw(st.integers(1, 12)),
        "blacklist_permanent": draw(st.booleans()),
        "points": {
            "loan_default": -draw(st.integers(0, 500)),
            "traffic_violation": -draw(st.integers(0, 200)),
            "blood_donation": draw(st.integers(0, 200)),
            "skip_insurance": -draw(st.integers(0, 300)),
        },
        "blacklist_behaviours": draw(st.sampled_from([[], ["loan_default"]])),
        "sanctions": ["no_flights"],
        "rewards": ["fast_track_approval"],
    }


@st.composite
def random_worlds(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    """A small scenario with two random schemes, wrong records, appeals and migration."""
    data = scenario_data(
        population__citizens=300,
        simulation__steps=12,
        records__false_record_rate_per_month=draw(st.sampled_from([0.0, 0.05])),
        records__false_record_points=draw(st.integers(0, 600)),
        records__appeal_success_per_month=draw(st.floats(0.0, 1.0)),
        migration__rate_per_month=0.05,
        migration__listed_rate_per_month=draw(st.sampled_from([0.0, 0.3])),
        decision__logit_noise=draw(st.sampled_from([0.0, 0.1, 1.0])),
        zones__delta__start_month=draw(st.integers(0, 12)),
    )
    data["schemes"] = {"strict": draw(schemes()), "mild": draw(schemes())}
    data["cities"]["south"]["scheme"] = "mild"
    return data, draw(st.integers(0, 10_000))


@SETTINGS
@given(world=random_worlds())
def test_scores_stay_in_bounds_and_nobody_is_on_both_lists(world: tuple[dict, int]) -> None:
    data, seed = world
    model = CreditModel(make_scenario(data), seed=seed)
    rules = model.rules
    for _ in range(model.config.simulation.steps):
        model.step()
        for population in _all_populations(model):
            scheme = rules.city_scheme[population.city]
            assert (population.score >= rules.min_score[scheme]).all()
            assert (population.score <= rules.max_score[scheme]).all()
            assert not (population.blacklisted & population.redlisted).any()
            assert (population.false_record_points >= 0).all()


@SETTINGS
@given(world=random_worlds())
def test_every_share_and_rate_is_between_zero_and_one(world: tuple[dict, int]) -> None:
    data, seed = world
    model = CreditModel(make_scenario(data), seed=seed)
    for _ in range(model.config.simulation.steps):
        model.step()
    table = model.timeseries()
    shares = [c for c in table.columns if "share" in c or "rate" in c]
    assert "blacklisted_share__south" in shares and "compliance_rate__q5" in shares
    values = table[shares].to_numpy()
    assert np.isfinite(values).all()
    assert ((values >= 0) & (values <= 1)).all()
    counts = table[["violations", "detected_violations", "recorded_violations"]]
    assert (counts.diff(axis=1).iloc[:, 1:] <= 0).all().all()  # recorded <= detected <= all


# --- the scenario parser ----------------------------------------------------------------------

SECTIONS: dict[str, type[BaseModel]] = {
    "simulation": Simulation,
    "population": PopulationConfig,
    "network": Network,
    "decision": Decision,
    "income_shocks": IncomeShocks,
    "records": Records,
    "migration": Migration,
    "behaviours.traffic_violation": Behaviour,
    "schemes.strict": Scheme,
    "cities.north": City,
}


def _bounds(model: type[BaseModel], name: str) -> dict[str, float]:
    bounds: dict[str, float] = {}
    for item in model.model_fields[name].metadata:
        for kind in ("ge", "gt", "le", "lt"):
            if isinstance(item, getattr(annotated_types, kind.title())):
                bounds[kind] = getattr(item, kind)
    return bounds


BOUNDED = [
    (f"{section}.{name}", field.annotation, _bounds(model, name))
    for section, model in SECTIONS.items()
    for name, field in model.model_fields.items()
    if field.annotation in (int, float) and _bounds(model, name)
]


def _in_range(kind: type, bounds: dict[str, float]) -> st.SearchStrategy:
    low = bounds.get("ge", bounds.get("gt"))
    high = bounds.get("le", bounds.get("lt"))
    if kind is int:
        low = None if low is None else math.floor(low) + ("gt" in bounds)
        high = min(high if high is not None else 10**9, 10**9)
        return st.integers(low, int(high))
    return st.floats(
        low,
        high if high is not None else 1e9,
        exclude_min="gt" in bounds,
        exclude_max="lt" in bounds,
        allow_nan=False,
    )


def _out_of_range(kind: type, bounds: dict[str, float]) -> st.SearchStrategy:
    options = []
    step = st.integers(1, 1000) if kind is int else st.floats(1e-3, 1e6)
    if "ge" in bounds:
        options.append(step.map(lambda d: bounds["ge"] - d))
    if "gt" in bounds:
        options.append(step.map(lambda d: bounds["gt"] - d) | st.just(kind(bounds["gt"])))
    if "le" in bounds:
        options.append(step.map(lambda d: bounds["le"] + d))
    if "lt" in bounds:
        options.append(step.map(lambda d: bounds["lt"] + d))
    return st.one_of(options).map(kind)


def test_the_parser_tables_cover_every_section() -> None:
    keys = {key for key, _, _ in BOUNDED}
    assert {"population.citizens", "schemes.strict.blacklist_duration_months"} <= keys
    assert {"cities.north.data_sharing", "behaviours.traffic_violation.detectability"} <= keys
    assert len(keys) > 40


@st.composite
def valid_settings(draw: st.DrawFn) -> dict[str, Any]:
    chosen = draw(
        st.lists(st.sampled_from(BOUNDED), min_size=1, max_size=12, unique_by=lambda item: item[0])
    )
    return {key: draw(_in_range(kind, bounds)) for key, kind, bounds in chosen}


@SETTINGS
@given(values=valid_settings())
def test_random_in_range_values_validate_and_are_kept(values: dict[str, Any]) -> None:
    scenario = scenario_from_data(apply_overrides(scenario_data(), values), "random.toml")
    dumped = scenario.model_dump()
    for key, value in values.items():
        node: Any = dumped
        for part in key.split("."):
            node = node[part]
        assert node == pytest.approx(value)


@st.composite
def one_bad_value(draw: st.DrawFn) -> tuple[str, Any, dict[str, Any]]:
    key, kind, bounds = draw(st.sampled_from(BOUNDED))
    value = draw(_out_of_range(kind, bounds))
    return key, value, draw(valid_settings())


@SETTINGS
@given(case=one_bad_value())
def test_any_out_of_range_value_is_an_error_naming_its_key(case: tuple) -> None:
    key, value, others = case
    data = apply_overrides(scenario_data(), {**others, key: value})
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data, "random.toml")
    message = str(caught.value)
    assert message.startswith("random.toml: ")
    assert f"{key} = {value!r}" in message
    assert "allowed:" in message


@SETTINGS
@given(
    key=st.sampled_from(sorted(SECTIONS)),
    typo=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=12),
)
def test_any_unknown_key_is_an_error_naming_its_path(key: str, typo: str) -> None:
    model = SECTIONS[key]
    if typo in model.model_fields:
        return
    data = apply_overrides(scenario_data(), {f"{key}.{typo}": 1})
    with pytest.raises(ScenarioError, match="unknown key") as caught:
        scenario_from_data(data, "random.toml")
    assert f"{key}.{typo} = 1" in str(caught.value)


# --- stage-level rules on hand-made arrays ----------------------------------------------------


@SETTINGS
@given(
    scores=st.lists(st.floats(-2000, 3000), min_size=10, max_size=10),
    recovery=st.floats(0, 500),
)
def test_recovery_moves_toward_base_and_never_past_it(scores: list[float], recovery: float) -> None:
    model = CreditModel(make_scenario(schemes__strict__monthly_recovery_points=recovery), seed=0)
    citizens, rules = model.citizens, model.rules
    citizens.city[:10] = 0
    before = np.array(scores)
    citizens.score[:10] = before
    recover(citizens, rules)
    after = citizens.score[:10]
    base = rules.base_score[0]
    assert (after >= before).all()
    assert np.allclose(after[before >= base], before[before >= base])
    below = before < base
    assert np.allclose(after[below], np.minimum(before[below] + recovery, base))


@SETTINGS
@given(
    rate_own=st.floats(0, 1),
    rate_social=st.floats(0, 1),
    rate_news=st.floats(0, 1),
    start=st.floats(0, 1),
    detected=st.lists(st.booleans(), min_size=1, max_size=30),
)
def test_beliefs_stay_probabilities(
    rate_own: float,
    rate_social: float,
    rate_news: float,
    start: float,
    detected: list[bool],
) -> None:
    model = CreditModel(
        make_scenario(
            decision__learning_rate_own=rate_own,
            decision__learning_rate_social=rate_social,
            decision__learning_rate_news=rate_news,
            population__citizens=50,
        ),
        seed=0,
    )
    beliefs = model.citizens.perceived_detection
    beliefs[:] = np.float32(start)
    for outcome in detected:
        acts = acts_of(list(range(10)), [1] * 10, [1] * 10, detected=outcome)
        learn(model.rng, model.citizens, model.rules, acts, model.config, 0)
    assert ((beliefs >= 0) & (beliefs <= 1)).all()
    if rate_own == 1.0:
        assert (beliefs[:10, 1] == float(detected[-1])).all()


@SETTINGS
@given(n=st.integers(0, 5000), rate=st.floats(0, 1), seed=st.integers(0, 2**32))
def test_bernoulli_indices_are_sorted_unique_and_in_range(n: int, rate: float, seed: int) -> None:
    chosen = bernoulli_indices(np.random.default_rng(seed), n, rate)
    assert chosen.dtype.kind == "i"
    assert np.all(np.diff(chosen) > 0)
    assert chosen.size <= n
    assert chosen.size == 0 or (chosen[0] >= 0 and chosen[-1] < n)


@SETTINGS
@given(
    n=st.integers(2, 400),
    degree=st.integers(0, 20),
    rewiring=st.floats(0, 1),
    seed=st.integers(0, 2**32),
)
def test_small_world_is_always_a_simple_undirected_graph(
    n: int, degree: int, rewiring: float, seed: int
) -> None:
    adjacency = small_world(np.random.default_rng(seed), n, degree, rewiring)
    assert (adjacency != adjacency.T).nnz == 0
    assert adjacency.diagonal().sum() == 0
    assert adjacency.nnz == 0 or set(np.unique(adjacency.data)) == {1.0}
    assert adjacency.nnz / n <= max(degree, 2)


@SETTINGS
@given(values=valid_settings())
def test_random_valid_files_load_like_their_data(values: dict[str, Any]) -> None:
    data = apply_overrides(scenario_data(), values)
    with tempfile.TemporaryDirectory() as folder:
        path = write_scenario(Path(folder) / "random.toml", data)
        assert load_scenario(path) == scenario_from_data(data, "random.toml")
