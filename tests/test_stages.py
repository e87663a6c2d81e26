"""Each step stage on small hand-made populations: behave, detect, score, list, sanction,
learn, migrate, metrics, sampling and the social network."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import acts_of, make_scenario, scenario_data

from sim.model.draws import bernoulli_indices, thin
from sim.model.kinds import CITIZENS
from sim.model.model import CreditModel
from sim.model.network import CityPeers, SocialNetwork, small_world
from sim.model.population import CHOSEN, FALSE_RECORD, INVOLUNTARY, NOT_LISTED
from sim.model.rules import annuity_months
from sim.model.stages.behave import behave, forced_defaulters, full_penalty
from sim.model.stages.detect import detect, false_records
from sim.model.stages.learn import learn
from sim.model.stages.listing import (
    delist,
    expire,
    list_new,
    repair_wrong_records,
    repay,
    update_redlist,
)
from sim.model.stages.metrics import concentration_index
from sim.model.stages.migrate import migrate
from sim.model.stages.sanction import harm_employees, sanction_and_reward
from sim.model.stages.score import apply_records, recover
from sim.scenario.schema import Scenario

NORTH, SOUTH, EAST = 0, 1, 2
LOAN, TRAFFIC, BLOOD, SKIP_INSURANCE = 0, 1, 2, 3
NONE = np.empty(0, dtype=np.int64)


def build(seed: int = 3, **overrides: object) -> CreditModel:
    """A fresh model of the small scenario with overrides (`a__b=v`)."""
    return CreditModel(make_scenario(**overrides), seed=seed)


def everyone_in(model: CreditModel, city: int, registered: bool = True) -> None:
    """Move every citizen to one city, all registered (or none), beliefs at that city's truth."""
    citizens = model.citizens
    citizens.city[:] = city
    citizens.profession[:] = model.rules.profession_names.index("other")
    citizens.registration_draw[:] = 0.0 if registered else 0.99
    truth = model.rules.detection[city][citizens.behaviours]
    citizens.perceived_detection[:] = truth.astype(np.float32)
    citizens.score[:] = model.rules.base_score[model.rules.city_scheme[city]]


# --- behave ----------------------------------------------------------------------------------


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
    citizens.employer_harm[:] = 0.0
    citizens.employer_harm[::2] = 0.6
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
    listing = annuity_months(6, 0.01) * (0.10 + 0.05)  # sanctions + shame, 6 months
    assert penalty == pytest.approx(np.full(10, 0.8 * listing))
    citizens.blacklisted[agents] = True  # already listed: nothing more to lose
    assert full_penalty(citizens, model.rules, model.config, agents, LOAN, 0) == pytest.approx(0)


def test_penalty_counts_red_list_rewards_lost_until_the_score_recovers() -> None:
    model = build()
    citizens = model.citizens
    everyone_in(model, NORTH)
    agents = np.arange(4)
    citizens.score[agents] = 1060.0
    citizens.redlisted[agents] = True
    penalty = full_penalty(citizens, model.rules, model.config, agents, TRAFFIC, 0)
    months_to_recover = (1050.0 - 1040.0) / 2.0
    lost = 0.02 * annuity_months(months_to_recover, 0.01)
    assert penalty == pytest.approx(200.0 / citizens.income[agents] + lost)


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


# --- detect ----------------------------------------------------------------------------------


def _traffic_acts(n: int) -> object:
    return acts_of(list(range(n)), [TRAFFIC] * n, [TRAFFIC] * n)


def test_an_unregistered_agents_violation_is_detected_but_never_recorded() -> None:
    model = build(behaviours__traffic_violation__detectability=1.0)
    everyone_in(model, NORTH, registered=False)
    acts = _traffic_acts(50)
    detect(model.rng, model.citizens, model.rules, acts, 0)
    assert acts.detected.all()
    assert not acts.recorded.any()
    assert model.citizens.fines_yuan[:50] == pytest.approx(200.0)


def test_registered_agents_detected_violation_is_recorded_under_full_sharing() -> None:
    model = build(behaviours__traffic_violation__detectability=1.0)
    everyone_in(model, NORTH)
    acts = _traffic_acts(50)
    detect(model.rng, model.citizens, model.rules, acts, 0)
    assert acts.recorded.all()


def test_no_data_sharing_means_no_records() -> None:
    model = build(behaviours__traffic_violation__detectability=1.0, cities__north__data_sharing=0.0)
    everyone_in(model, NORTH)
    acts = _traffic_acts(200)
    detect(model.rng, model.citizens, model.rules, acts, 0)
    assert acts.detected.all()
    assert not acts.recorded.any()


def test_no_records_before_the_scheme_starts_or_without_a_scheme() -> None:
    model = build(
        behaviours__traffic_violation__detectability=1.0, cities__north__scheme_start_month=4
    )
    for city, step in ((NORTH, 3), (EAST, 10)):
        everyone_in(model, city)
        acts = _traffic_acts(50)
        detect(model.rng, model.citizens, model.rules, acts, step)
        assert not acts.recorded.any()


def test_detection_rate_matches_the_probability() -> None:
    model = build()
    everyone_in(model, NORTH)
    n = 1000
    acts = _traffic_acts(n)
    detect(model.rng, model.citizens, model.rules, acts, 0)
    p = 0.3
    assert abs(acts.detected.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_prosocial_acts_are_recorded_without_detection() -> None:
    model = build()
    everyone_in(model, NORTH)
    acts = acts_of(list(range(20)), [BLOOD] * 20, [BLOOD] * 20, prosocial=True)
    detect(model.rng, model.citizens, model.rules, acts, 0)
    assert not acts.detected.any()
    assert acts.recorded.all()
    assert model.citizens.fines_yuan.sum() == 0


def test_wrong_records_only_hit_registered_agents_under_a_running_scheme() -> None:
    model = build(records__false_record_rate_per_month=0.5)
    citizens = model.citizens
    everyone_in(model, NORTH)
    citizens.registration_draw[::2] = 0.99  # half unregistered
    citizens.city[:100] = EAST
    wrong = false_records(model.rng, citizens, model.rules, model.config, 0)
    assert wrong.size > 0
    assert (citizens.registration_draw[wrong] == 0.0).all()
    assert (citizens.city[wrong] == NORTH).all()


# --- score -----------------------------------------------------------------------------------


def test_scores_recover_toward_base_but_not_past_it() -> None:
    model = build(schemes__strict__monthly_recovery_points=5.0)
    citizens = model.citizens
    everyone_in(model, NORTH)
    citizens.score[:4] = [990.0, 997.0, 1000.0, 1100.0]
    recover(citizens, model.rules)
    assert citizens.score[:4].tolist() == [995.0, 1000.0, 1000.0, 1100.0]


def test_records_add_points_within_the_schemes_bounds() -> None:
    model = build()
    citizens = model.citizens
    everyone_in(model, NORTH)
    citizens.score[:3] = [1000.0, 50.0, 1290.0]
    acts = acts_of([0, 1], [TRAFFIC, LOAN], [TRAFFIC, LOAN], recorded=True)
    gifts = acts_of([2], [BLOOD], [BLOOD], prosocial=True, recorded=True)
    apply_records(citizens, model.rules, acts, NONE, 100.0)
    apply_records(citizens, model.rules, gifts, np.array([0]), 100.0)
    assert citizens.score[:3].tolist() == [880.0, 0.0, 1300.0]
    assert citizens.false_record_points[0] == 100.0


def test_unrecorded_acts_change_no_score() -> None:
    model = build()
    everyone_in(model, NORTH)
    before = model.citizens.score.copy()
    acts = acts_of([0, 1], [TRAFFIC, LOAN], [TRAFFIC, LOAN], recorded=False)
    apply_records(model.citizens, model.rules, acts, NONE, 100.0)
    assert np.array_equal(model.citizens.score, before)


# --- listing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", [1, 6, 24])
def test_a_serious_record_lists_for_exactly_the_schemes_duration(duration: int) -> None:
    model = build(schemes__strict__blacklist_duration_months=duration)
    citizens, rules = model.citizens, model.rules
    everyone_in(model, NORTH)
    acts = acts_of([5], [LOAN], [LOAN], detected=True, recorded=True)
    newly = list_new(citizens, rules, acts, NONE)
    assert newly.tolist() == [5]
    assert citizens.listing_cause[5] == CHOSEN and citizens.listing_behaviour[5] == LOAN
    sanction_and_reward(citizens, rules)
    ended_at = None
    for month in range(1, duration + 5):
        if expire(citizens, rules).size:
            ended_at = month
        sanction_and_reward(citizens, rules)
    assert ended_at == duration
    assert citizens.months_listed[5] == duration
    assert not citizens.blacklisted.any()
    assert citizens.listing_cause[5] == NOT_LISTED


def test_a_permanent_listing_never_expires_nor_ends_on_payment() -> None:
    model = build(schemes__strict__blacklist_permanent=True, decision__repayment_propensity=1.0)
    citizens, rules = model.citizens, model.rules
    everyone_in(model, NORTH)
    citizens.income[:] = 1e6
    acts = acts_of([1, 2], [LOAN, LOAN], [LOAN, LOAN], detected=True, recorded=True)
    list_new(citizens, rules, acts, NONE)
    for _ in range(120):
        expire(citizens, rules)
        assert repay(model.rng, citizens, rules, model.config).size == 0
    assert citizens.blacklisted[[1, 2]].all() and citizens.listing_permanent[[1, 2]].all()


def test_a_low_score_lists_and_marks_involuntary_default() -> None:
    model = build()
    citizens, rules = model.citizens, model.rules
    everyone_in(model, NORTH)
    citizens.score[:3] = [590.0, 700.0, 400.0]
    chosen = acts_of([0, 1], [TRAFFIC, TRAFFIC], [TRAFFIC, TRAFFIC], recorded=True)
    newly = list_new(citizens, rules, chosen, NONE)
    assert newly.tolist() == [0]  # 700 stays above the threshold 600
    forced = acts_of([2], [LOAN], [LOAN], involuntary=True, recorded=True)
    list_new(citizens, rules, forced, NONE)
    assert citizens.listing_cause[:3].tolist() == [CHOSEN, NOT_LISTED, INVOLUNTARY]


def test_listing_is_not_renewed_while_listed() -> None:
    model = build()
    citizens, rules = model.citizens, model.rules
    everyone_in(model, NORTH)
    acts = acts_of([0], [LOAN], [LOAN], recorded=True)
    list_new(citizens, rules, acts, NONE)
    expire(citizens, rules)
    again = list_new(citizens, rules, acts, NONE)
    assert again.size == 0
    assert citizens.listing_months_left[0] == 5 and citizens.times_listed[0] == 1


def test_paying_a_repayable_debt_ends_the_listing_if_the_scheme_says_so() -> None:
    for delist_on_payment, expected in ((True, True), (False, False)):
        model = build(
            decision__repayment_propensity=1.0,
            schemes__strict__delist_on_payment=delist_on_payment,
            income_shocks__subsistence_yuan=1500.0,
        )
        citizens, rules = model.citizens, model.rules
        everyone_in(model, NORTH)
        citizens.income[:3] = [1e9, 1000.0, 1e9]
        citizens.score[2] = 500.0
        acts = acts_of(
            [0, 1, 2], [LOAN, LOAN, TRAFFIC], [LOAN, LOAN, TRAFFIC], detected=True, recorded=True
        )
        list_new(citizens, rules, acts, NONE)
        assert citizens.blacklisted[:3].all()
        payers = repay(model.rng, citizens, rules, model.config)
        # Agent 1 cannot pay (income below subsistence), agent 2's listing is not for a debt.
        assert payers.tolist() == ([0] if expected else [])
        assert citizens.blacklisted[:3].tolist() == [not expected, True, True]


def test_a_wrong_record_repaired_on_appeal_restores_points_and_ends_a_false_listing() -> None:
    model = build(records__appeal_success_per_month=1.0)
    citizens, rules = model.citizens, model.rules
    everyone_in(model, NORTH)
    wrong = np.array([0, 1])
    citizens.score[1] = 650.0
    apply_records(citizens, rules, acts_of([], [], [], recorded=True), wrong, 100.0)
    assert citizens.score[:2].tolist() == [900.0, 550.0]
    list_new(citizens, rules, acts_of([], [], [], recorded=True), wrong)
    assert citizens.blacklisted[:2].tolist() == [False, True]
    assert citizens.listing_cause[1] == FALSE_RECORD
    repaired = repair_wrong_records(model.rng, citizens, rules, model.config)
    assert repaired.tolist() == [0, 1]
    assert citizens.score[:2].tolist() == [1000.0, 650.0]
    assert not citizens.blacklisted[:2].any()
    assert citizens.false_record_points[:2].tolist() == [0.0, 0.0]


def test_a_repaired_wrong_record_does_not_end_a_true_listing() -> None:
    model = build(records__appeal_success_per_month=1.0)
    citizens, rules = model.citizens, model.rules
    everyone_in(model, NORTH)
    list_new(citizens, rules, acts_of([0], [LOAN], [LOAN], recorded=True), NONE)
    apply_records(citizens, rules, acts_of([], [], [], recorded=True), np.array([0]), 100.0)
    repair_wrong_records(model.rng, citizens, rules, model.config)
    assert citizens.blacklisted[0] and citizens.listing_cause[0] == CHOSEN


def test_delisting_lifts_the_score_to_the_blacklist_threshold() -> None:
    model = build()
    citizens = model.citizens
    everyone_in(model, NORTH)
    citizens.score[:2] = [100.0, 800.0]
    citizens.blacklisted[:2] = True
    delist(citizens, model.rules, np.array([0, 1]))
    assert citizens.score[:2].tolist() == [600.0, 800.0]
    assert not citizens.blacklisted[:2].any()


def test_red_list_needs_registration_a_high_score_and_no_blacklisting() -> None:
    model = build()
    citizens = model.citizens
    everyone_in(model, NORTH)
    citizens.score[:4] = [1050.0, 1049.0, 1100.0, 1100.0]
    citizens.registration_draw[2] = 0.99
    citizens.blacklisted[3] = True
    update_redlist(citizens, model.rules, 0)
    assert citizens.redlisted[:4].tolist() == [True, False, False, False]
    everyone_in(model, EAST)
    citizens.score[:] = 5000.0
    update_redlist(citizens, model.rules, 0)
    assert not citizens.redlisted.any()


# --- sanction and reward --------------------------------------------------------------------


def test_listed_agents_pay_sanctions_and_shame_red_listed_receive_rewards() -> None:
    for published, share in ((True, 0.15), (False, 0.10)):
        model = build(schemes__strict__published=published)
        citizens = model.citizens
        everyone_in(model, NORTH)
        citizens.income[:3] = 1000.0
        citizens.blacklisted[0] = True
        citizens.listing_city[0] = NORTH
        citizens.redlisted[1] = True
        transfers = sanction_and_reward(citizens, model.rules)
        assert citizens.sanction_cost_yuan[:3] == pytest.approx([1000.0 * share, 0.0, 0.0])
        assert transfers.sanction_cost_yuan == pytest.approx(1000.0 * share)
        assert citizens.rewards_yuan[:3] == pytest.approx([0.0, 20.0, 0.0])
        assert citizens.months_listed[:3].tolist() == [1, 0, 0]


def test_a_firms_harming_violation_sets_its_employees_employer_harm() -> None:
    model = build()
    citizens, firms = model.citizens, model.firms
    employed = np.flatnonzero(citizens.employer >= 0)
    assert employed.size > 0
    culprit = int(citizens.employer[employed[0]])
    acts = acts_of([culprit], [SKIP_INSURANCE], [0])
    harm_employees(citizens, firms, model.rules, acts)
    victims = citizens.employer == culprit
    assert citizens.employer_harm[victims] == pytest.approx(0.3)
    assert (citizens.employer_harm[~victims] == 0).all()
    harm_employees(citizens, firms, model.rules, acts_of([], [], []))
    assert (citizens.employer_harm == 0).all()


def test_a_harmless_firm_act_harms_nobody() -> None:
    model = build(behaviours__skip_insurance__harms_employees_income_share=0.0)
    firm = int(model.citizens.employer.max())
    harm_employees(model.citizens, model.firms, model.rules, acts_of([firm], [SKIP_INSURANCE], [0]))
    assert (model.citizens.employer_harm == 0).all()


# --- learn -----------------------------------------------------------------------------------


def test_beliefs_move_toward_own_outcomes_at_the_learning_rate() -> None:
    model = build(decision__learning_rate_own=0.5, decision__learning_rate_social=0.0)
    beliefs = model.citizens.perceived_detection
    beliefs[:4, TRAFFIC] = 0.4
    acts = acts_of([0, 1], [TRAFFIC, TRAFFIC], [TRAFFIC, TRAFFIC])
    acts.detected = np.array([True, False])
    learn(model.rng, model.citizens, acts, model.config)
    assert beliefs[:4, TRAFFIC] == pytest.approx([0.7, 0.2, 0.4, 0.4])


def test_a_neighbour_hears_of_a_detection() -> None:
    model = build(decision__learning_rate_own=0.0, decision__learning_rate_social=1.0)
    beliefs = model.citizens.perceived_detection
    beliefs[:, TRAFFIC] = 0.0
    acts = acts_of([0], [TRAFFIC], [TRAFFIC], detected=True)
    learn(model.rng, model.citizens, acts, model.config)
    told = np.flatnonzero(beliefs[:, TRAFFIC] == 1.0)
    assert told.size == 1
    assert told[0] in model.citizen(0).neighbours


def test_no_learning_leaves_beliefs_alone() -> None:
    model = build(decision__learning_rate_own=0.0, decision__learning_rate_social=0.0)
    before = model.citizens.perceived_detection.copy()
    acts = acts_of([0, 1], [TRAFFIC, LOAN], [TRAFFIC, LOAN], detected=True)
    learn(model.rng, model.citizens, acts, model.config)
    assert np.array_equal(model.citizens.perceived_detection, before)


# --- migrate ---------------------------------------------------------------------------------


def _listed_movers(destination: int, **overrides: object) -> CreditModel:
    """Everyone in the north and listed there; every mover goes to `destination`."""
    model = build(migration__rate_per_month=0.0, migration__listed_rate_per_month=1.0, **overrides)
    shares = np.zeros(3)
    shares[destination] = 1.0
    model.rules = dataclasses.replace(model.rules, city_share=shares)
    everyone_in(model, NORTH)
    citizens = model.citizens
    citizens.blacklisted[:] = True
    citizens.listing_city[:] = NORTH
    citizens.listing_months_left[:] = 6
    return model


def test_moving_to_a_city_that_does_not_recognise_the_list_clears_the_listing() -> None:
    model = _listed_movers(EAST)
    moves = migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert moves.moved == moves.escaped == model.citizens.size
    assert (model.citizens.city == EAST).all()
    assert not model.citizens.blacklisted.any()


def test_moving_within_a_started_zone_keeps_the_listing() -> None:
    model = _listed_movers(SOUTH)
    moves = migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert moves.moved == model.citizens.size and moves.escaped == 0
    assert model.citizens.blacklisted.all()


def test_moving_within_a_zone_before_it_starts_escapes_the_listing() -> None:
    model = _listed_movers(SOUTH, zones__delta__start_month=12)
    moves = migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert moves.escaped == model.citizens.size


def test_a_national_listing_follows_the_mover_everywhere() -> None:
    model = _listed_movers(EAST, schemes__strict__scope="national")
    migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert model.citizens.blacklisted.all()


def test_unlisted_citizens_stay_at_rate_zero_and_nobody_moves_when_disabled() -> None:
    model = _listed_movers(EAST)
    model.citizens.blacklisted[::2] = False
    migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert (model.citizens.city[::2] == NORTH).all()
    model = _listed_movers(EAST, migration__enabled=False)
    assert migrate(model.rng, model.citizens, model.rules, model.config, 0).moved == 0
    assert (model.citizens.city == NORTH).all()


# --- metrics ---------------------------------------------------------------------------------


def test_collected_row_matches_the_agents_state() -> None:
    model = build(population__people_per_agent=1000.0)
    for _ in range(6):
        model.step()
    row, citizens = model.latest, model.citizens
    assert row["step"] == 6
    assert row["blacklisted_share"] == pytest.approx(citizens.blacklisted.mean())
    assert row["flight_banned"] == pytest.approx(citizens.blacklisted.sum() * 1000.0)
    assert row["compliance_rate"] == pytest.approx(1 - citizens.violated.mean())
    assert row["mean_score"] == pytest.approx(citizens.score.mean())
    in_north = citizens.city == NORTH
    assert row["blacklisted_share__north"] == pytest.approx(citizens.blacklisted[in_north].mean())
    poorest = citizens.income_quintile == 0
    assert row["redlisted_share_q1"] == pytest.approx(citizens.redlisted[poorest].mean())
    assert row["firms_blacklisted_share"] == pytest.approx(model.firms.blacklisted.mean())


def test_concentration_index_sign_follows_who_gets_the_rewards() -> None:
    rank = (np.arange(100) + 0.5) / 100
    assert concentration_index(np.ones(100), rank) == pytest.approx(0.0)
    assert concentration_index(np.where(rank > 0.8, 1.0, 0.0), rank) > 0.5
    assert concentration_index(np.where(rank < 0.2, 1.0, 0.0), rank) < -0.5
    assert concentration_index(np.zeros(100), rank) == 0.0


# --- sampling --------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.001, 0.02, 0.2, 0.25, 0.6, 0.95])
def test_bernoulli_indices_have_the_right_mean_and_no_duplicates(rate: float) -> None:
    rng = np.random.default_rng(5)
    n, repeats = 20_000, 20
    counts = []
    for _ in range(repeats):
        chosen = bernoulli_indices(rng, n, rate)
        assert np.all(np.diff(chosen) > 0)  # sorted, no duplicates
        assert chosen.size == 0 or (chosen[0] >= 0 and chosen[-1] < n)
        counts.append(chosen.size)
    total = sum(counts)
    expected = n * repeats * rate
    assert abs(total - expected) < 4 * np.sqrt(expected * (1 - rate))


def test_bernoulli_indices_spread_over_the_whole_range() -> None:
    chosen = bernoulli_indices(np.random.default_rng(1), 10_000, 0.05)
    halves = np.bincount(chosen >= 5_000, minlength=2)
    assert abs(halves[0] - halves[1]) < 4 * np.sqrt(chosen.size)


def test_bernoulli_indices_edge_rates() -> None:
    rng = np.random.default_rng(0)
    assert bernoulli_indices(rng, 100, 0.0).size == 0
    assert bernoulli_indices(rng, 0, 0.5).size == 0
    assert bernoulli_indices(rng, 100, 1.0).tolist() == list(range(100))


def test_thin_keeps_each_index_with_its_probability() -> None:
    rng = np.random.default_rng(0)
    indices = np.arange(10)
    assert thin(rng, indices, np.ones(10)).tolist() == list(range(10))
    assert thin(rng, indices, np.zeros(10)).size == 0
    assert thin(rng, NONE, np.zeros(0)).size == 0


def test_bernoulli_indices_with_a_vanishing_rate_end() -> None:
    rng = np.random.default_rng(0)
    for rate in (1e-300, 1e-19, 5e-324):
        assert bernoulli_indices(rng, 1_000_000, rate).size == 0


# --- network ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("degree", "rewiring"), [(8, 0.0), (8, 0.1), (4, 1.0)])
def test_small_world_is_symmetric_with_the_right_mean_degree(degree: int, rewiring: float) -> None:
    n = 2000
    adjacency = small_world(np.random.default_rng(2), n, degree, rewiring)
    assert adjacency.shape == (n, n)
    assert (adjacency != adjacency.T).nnz == 0
    assert adjacency.diagonal().sum() == 0
    assert set(np.unique(adjacency.data)) == {1.0}
    mean_degree = adjacency.nnz / n
    if rewiring == 0:
        assert mean_degree == degree
    else:  # a rewired tie can duplicate another or land on itself: a few are lost
        assert degree * 0.95 <= mean_degree <= degree


def test_small_world_without_ties() -> None:
    assert small_world(np.random.default_rng(0), 100, 0, 0.1).nnz == 0
    assert small_world(np.random.default_rng(0), 1, 8, 0.1).nnz == 0


def test_social_network_share_and_random_peer() -> None:
    # 0 - 1 - 2, and 3 alone
    rows, cols = np.array([0, 1, 1, 2]), np.array([1, 0, 2, 1])
    adjacency = sp.csr_array((np.ones(4, dtype=np.float32), (rows, cols)), shape=(4, 4))
    network = SocialNetwork(adjacency)
    share = network.share(np.array([True, False, False, True]))
    assert share.tolist() == pytest.approx([0.0, 0.5, 0.0, 0.0])
    peers = network.random_peer(np.array([0, 2, 3, 1, 1, 1, 1]), np.random.default_rng(0))
    assert peers[:3].tolist() == [1, 1, -1]
    assert set(peers[3:].tolist()) <= {0, 2}


def test_firms_peers_are_the_firms_of_their_city() -> None:
    city = np.array([0, 0, 0, 1, 1, 2])
    peers = CityPeers(city, 4)
    share = peers.share(np.array([True, False, False, True, True, False]))
    assert share.tolist() == pytest.approx([1 / 3] * 3 + [1.0, 1.0, 0.0])
    chosen = peers.random_peer(np.repeat(np.arange(6), 20), np.random.default_rng(0))
    assert (city[chosen] == np.repeat(city, 20)).all()


# --- agents as Mesa views ---------------------------------------------------------------------


def test_agent_views_read_the_arrays(small_model: CreditModel) -> None:
    citizens = small_model.citizens
    view = small_model.citizen(3)
    assert view.income_yuan == citizens.income[3]
    assert view.city == small_model.rules.city_names[citizens.city[3]]
    assert view.income_quintile == citizens.income_quintile[3] + 1
    citizens.blacklisted[3] = True
    assert view.blacklisted and view.state == "blacklisted"
    with pytest.raises(IndexError):
        small_model.citizen(citizens.size)
    firm_row = int(citizens.employer.max())
    assert small_model.firm(firm_row).employees == int((citizens.employer == firm_row).sum())
    assert len(small_model.sample_citizens(5)) == 5


def test_model_registers_two_population_agents(small_scenario: Scenario) -> None:
    model = CreditModel(small_scenario, seed=1)
    assert len(model.agents) == 2
    assert model.citizens.size == 1000
    assert model.firms.size == 50


# --- stages together in whole runs -----------------------------------------------------------


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
