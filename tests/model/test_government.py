"""The government side: departments and the second system, legitimacy, awareness, rollout."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import TRAFFIC, make_scenario, scenario_data
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

from sim.errors import ScenarioError
from sim.model.government import build_government
from sim.model.model import CreditModel
from sim.model.rules import compile_rules
from sim.model.stages.behave import full_penalty
from sim.model.stages.govern import decision_shift, run_departments, update_legitimacy
from sim.scenario.files import scenario_from_data
from sim.scenario.schema import Scenario

STEADY = {"departments__budget_pressure_sigma": 0.0, "departments__integrity_sd": 0.0}


def _departments(**overrides: object) -> tuple[Scenario, object]:
    scenario = make_scenario(departments__enabled=True, **STEADY, **overrides)
    return scenario, build_government(np.random.default_rng(1), scenario, 3)


@settings(max_examples=25, deadline=None)
@given(
    integrity=st.floats(-2.0, 4.0),
    pressure=st.floats(0.0, 3.0),
    noise=st.floats(0.2, 2.0),
    scored=st.booleans(),
    weight=st.floats(0.0, 3.0),
)
def test_promises_are_kept_at_the_logit_rate(integrity, pressure, noise, scored, weight) -> None:
    scenario, government = _departments(
        departments__integrity_mean=integrity,
        departments__budget_pressure_mean=pressure,
        departments__decision_noise=noise,
        departments__scored=scored,
        departments__assessment_weight=weight,
        departments__promises_per_month=2_000.0,
    )
    run_departments(np.random.default_rng(2), government, scenario)
    stake = weight * (1.0 - -5.0) / 10.0 if scored else 0.0
    expected = expit((integrity + stake - pressure) / noise)
    made = government.month.promises.sum()
    sd = np.sqrt(expected * (1 - expected) / made)
    assert government.month.kept.sum() / made == pytest.approx(expected, abs=5 * sd + 1e-9)


def test_the_second_system_scores_kept_and_broken_promises() -> None:
    scenario, government = _departments(departments__scored=True)
    rng = np.random.default_rng(3)
    before = government.score.copy()
    run_departments(rng, government, scenario)
    month = government.month
    expected = before + (100.0 - before) / 12.0
    expected += 1.0 * month.kept - 5.0 * (month.promises - month.kept)
    np.testing.assert_allclose(government.score, expected)


def test_unscored_departments_keep_their_base_score_and_keep_fewer_promises() -> None:
    kept = {}
    for scored in (False, True):
        scenario, government = _departments(departments__scored=scored)
        rng = np.random.default_rng(4)
        total = made = 0
        for _ in range(24):
            run_departments(rng, government, scenario)
            total += government.month.kept.sum()
            made += government.month.promises.sum()
        kept[scored] = total / made
        if not scored:
            assert (government.score == 100.0).all()
    assert kept[True] > kept[False] + 0.05


def test_manipulation_raises_the_reported_rate_not_the_true_one() -> None:
    scenario, government = _departments(
        departments__scored=True, departments__manipulation_share=1.0
    )
    run_departments(np.random.default_rng(5), government, scenario)
    month = government.month
    assert (month.reported_kept == month.promises).all()
    assert month.kept.sum() < month.promises.sum()


@given(boost=st.floats(0.0, 2.0), cap=st.floats(0.5, 3.0))
@settings(max_examples=20, deadline=None)
def test_effort_settles_at_its_target_under_steady_pressure(boost, cap) -> None:
    scenario, government = _departments(
        departments__scored=True,
        departments__enforcement_in_assessment=boost,
        departments__effort_max=cap,
        departments__effort_adjustment_per_month=0.5,
    )
    rng = np.random.default_rng(6)
    for _ in range(60):
        run_departments(rng, government, scenario)
    np.testing.assert_allclose(government.effort, min(1.0 + boost, cap), rtol=1e-6)


def test_arrears_settle_where_repayment_equals_new_arrears() -> None:
    scenario, government = _departments(
        departments__integrity_mean=-10.0,  # every promise broken
        departments__decision_noise=0.2,
        departments__payment_share=1.0,
        departments__promises_per_month=10.0,
        departments__arrears_repaid_per_month=0.25,
        departments__payment_yuan=1_000.0,
    )
    rng = np.random.default_rng(7)
    for _ in range(200):
        run_departments(rng, government, scenario)
    # steady state: A = (1 - r) A + new  =>  A = new / r, new ~ Poisson(10) x 1,000
    mean_arrears = government.arrears_yuan.mean()
    assert mean_arrears == pytest.approx(10 * 1_000.0 / 0.25, rel=0.25)


def test_detection_follows_the_departments_effort() -> None:
    rates = []
    for cap in (0.5, 2.0):
        scenario = make_scenario(
            departments__enabled=True,
            departments__scored=True,
            departments__enforcement_in_assessment=5.0,
            departments__effort_max=cap,
            departments__effort_adjustment_per_month=1.0,
            **STEADY,
        )
        model = CreditModel(scenario, seed=8)
        for _ in range(6):
            model.step()
        table = model.timeseries()
        assert table["enforcement_effort"].iloc[-1] == pytest.approx(cap)
        rates.append(table["detected_violations"].sum() / table["violations"].sum())
    assert rates[1] > 2 * rates[0]


def test_legitimacy_stays_put_when_every_promise_is_kept_and_nobody_is_listed() -> None:
    scenario = make_scenario(legitimacy__initial=0.7, legitimacy__adjustment_per_month=0.5)
    model = CreditModel(scenario, seed=9)
    model.citizens.blacklisted[:] = False
    update_legitimacy(model.government, model.citizens, model.rules, scenario)
    np.testing.assert_allclose(model.government.legitimacy, 0.7)


@given(
    broken=st.floats(0.0, 1.0),
    unfair=st.integers(0, 10),
    visible=st.booleans(),
    rate=st.floats(0.0, 1.0),
)
@settings(max_examples=25, deadline=None)
def test_legitimacy_moves_toward_its_documented_target(broken, unfair, visible, rate) -> None:
    scenario = make_scenario(
        departments__enabled=True,
        departments__scored=visible,
        departments__published=True,
        legitimacy__adjustment_per_month=rate,
        **STEADY,
    )
    model = CreditModel(scenario, seed=10)
    citizens, government = model.citizens, model.government
    citizens.blacklisted[:] = False
    citizens.blacklisted[:10] = True
    citizens.listing_cause[:10] = 1  # chosen
    citizens.listing_cause[:unfair] = 2  # involuntary
    citizens.city[:10] = 0
    made = np.full(government.size, 100)
    government.month.promises = made
    government.month.kept = np.round(made * (1 - broken)).astype(np.int64)
    start = government.legitimacy.copy()
    update_legitimacy(government, citizens, model.rules, scenario)
    kept = government.month.kept[government.city == 0].sum() / made[government.city == 0].sum()
    visibility = 1.0 if visible else 0.3
    target = np.clip(0.8 - 0.5 * visibility * (1 - kept) - 0.5 * unfair / 10, 0, 1)
    assert government.legitimacy[0] == pytest.approx(start[0] + rate * (target - start[0]))


def test_lower_legitimacy_means_more_violations_and_strength_zero_means_no_change() -> None:
    scenario = make_scenario(legitimacy__strength=0.0)
    model = CreditModel(scenario, seed=11)
    assert decision_shift(model.government, scenario) is None
    shares = []
    for legitimacy in (0.8, 0.2):
        scenario = make_scenario(legitimacy__strength=2.0, legitimacy__adjustment_per_month=0.0)
        model = CreditModel(scenario, seed=11)
        model.government.legitimacy[:] = legitimacy
        for _ in range(6):
            model.step()
        shares.append(model.timeseries()["compliance_rate"].mean())
    assert shares[1] < shares[0] - 0.005


def test_an_unaware_agent_weighs_only_the_fine() -> None:
    scenario = make_scenario()
    model = CreditModel(scenario, seed=12)
    citizens = model.citizens
    agents = np.arange(50)
    behaviour = int(citizens.behaviours[TRAFFIC])
    aware = full_penalty(citizens, model.rules, scenario, agents, behaviour, 0)
    citizens.aware[:25] = False
    mixed = full_penalty(citizens, model.rules, scenario, agents, behaviour, 0)
    fine = model.rules.fine_yuan[behaviour] / citizens.income[:25]
    np.testing.assert_allclose(mixed[:25], fine)
    np.testing.assert_allclose(mixed[25:], aware[25:])
    assert (aware[:25] >= fine).all()


def test_awareness_grows_from_its_initial_share_and_listed_agents_know() -> None:
    scenario = make_scenario(
        awareness__initial_share=0.11,
        awareness__monthly_rate=0.0,
        awareness__peer_rate=0.0,
        awareness__publication_rate=0.0,
        population__citizens=4_000,
    )
    model = CreditModel(scenario, seed=13)
    initially = model.citizens.aware.copy()
    assert initially.mean() == pytest.approx(0.11, abs=0.02)
    for _ in range(12):
        model.step()
    citizens = model.citizens
    assert citizens.aware[citizens.blacklisted].all()
    never_listed = citizens.times_listed == 0
    np.testing.assert_array_equal(citizens.aware[never_listed], initially[never_listed])
    assert citizens.aware.mean() > initially.mean()


def test_a_phased_in_behaviour_is_recorded_only_from_its_start_month() -> None:
    scenario = make_scenario(
        rollout__behaviour_start_month={"traffic_violation": 4},
        population__debtor_share=0.0,  # traffic violations are the only violations
        decision__honesty_weight=0.0,
    )
    model = CreditModel(scenario, seed=14)
    for _ in range(8):
        model.step()
    table = model.timeseries()
    assert (table["acts__traffic_violation"] > 0).all()
    recorded = table["recorded_violations"].to_numpy()
    assert (recorded[:4] == 0).all() and (recorded[4:] > 0).all()
    index = model.rules.behaviour_names.index("traffic_violation")
    scored = [bool(model.rules.scored_at(m)[:, index].any()) for m in range(8)]
    assert scored == [False] * 4 + [True] * 4


@given(
    base=st.floats(0.0, 1.0),
    reach=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3),
    step=st.integers(0, 60),
)
@settings(max_examples=30, deadline=None)
def test_registration_channels_combine_as_independent_coverage(base, reach, step) -> None:
    channels = {
        f"c{i}": {"reach": r, "start_month": 5 * i, "monthly_growth": 0.1}
        for i, r in enumerate(reach)
    }
    data = scenario_data()
    data["registration"] = {
        "initial_coverage": {
            p: base
            for p in data.get("population", {}).get(
                "professions", {"doctor": 1, "public_servant": 1, "other": 1}
            )
        },
        "monthly_growth": 0.0,
        "channels": channels,
    }
    rules = compile_rules(scenario_from_data(data, "<test>"))
    uncovered = 1.0 - min(base, 1.0)
    for i, r in enumerate(reach):
        months = max(step - 5 * i + 1, 0)
        uncovered *= 1.0 - r * min(0.1 * months, 1.0)
    np.testing.assert_allclose(rules.registration_coverage(step), 1.0 - uncovered)


def test_scoring_departments_needs_departments() -> None:
    with pytest.raises(ScenarioError, match=r"departments\.scored"):
        scenario_from_data({**scenario_data(), "departments": {"scored": True}}, "x.toml")


def test_an_unknown_behaviour_in_the_rollout_is_named() -> None:
    data = {**scenario_data(), "rollout": {"behaviour_start_month": {"trafic_violation": 3}}}
    with pytest.raises(ScenarioError, match="trafic_violation") as error:
        scenario_from_data(data, "x.toml")
    assert "rollout.behaviour_start_month" in str(error.value)


def test_the_government_tables_at_their_defaults_leave_the_digest_alone() -> None:
    plain = make_scenario()
    spelled = make_scenario(legitimacy__initial=0.8, awareness__initial_share=1.0)
    assert plain.digest() == spelled.digest()
    assert make_scenario(legitimacy__strength=1.0).digest() != plain.digest()
