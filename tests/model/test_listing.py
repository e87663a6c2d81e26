"""Stage 4, listing: listings made, ended (time, payment, appeal) and the red list."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import (
    EAST,
    LOAN,
    NONE,
    NORTH,
    TRAFFIC,
    acts_of,
    build,
    everyone_in,
)

from sim.model.events import CHOSEN, FALSE_RECORD, INVOLUNTARY, NOT_LISTED
from sim.model.stages.listing import (
    delist,
    expire,
    list_new,
    repair_wrong_records,
    repay,
    update_redlist,
)
from sim.model.stages.sanction import sanction_and_reward
from sim.model.stages.score import apply_records


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


def test_a_reoffence_while_listed_renews_the_listing_without_listing_again() -> None:
    model = build()
    citizens, rules = model.citizens, model.rules
    everyone_in(model, NORTH)
    acts = acts_of([0], [LOAN], [LOAN], recorded=True)
    list_new(citizens, rules, acts, NONE)
    expire(citizens, rules)
    assert citizens.listing_months_left[0] == 5
    again = list_new(citizens, rules, acts, NONE)
    assert again.size == 0
    assert citizens.listing_months_left[0] == 6 and citizens.times_listed[0] == 1
    assert citizens.listing_level[0] == 1


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


@pytest.mark.parametrize("last_behaviour_months", [1, 7, 40])
def test_a_wrong_record_lists_for_the_schemes_duration_not_the_last_behaviours(
    last_behaviour_months: int,
) -> None:
    # The last behaviour of the small scenario is skip_insurance; give it its own duration.
    model = build(
        schemes__strict__blacklist_duration_months=6,
        schemes__strict__blacklist_duration_by_behaviour={"skip_insurance": last_behaviour_months},
    )
    citizens, rules = model.citizens, model.rules
    everyone_in(model, NORTH)
    wrong = np.array([0])
    citizens.score[0] = 560.0  # one wrong deduction of 100 takes it below the threshold
    apply_records(citizens, rules, acts_of([], [], [], recorded=True), wrong, 100.0)
    list_new(citizens, rules, acts_of([], [], [], recorded=True), wrong)
    assert citizens.blacklisted[0] and citizens.listing_cause[0] == FALSE_RECORD
    assert citizens.listing_months_left[0] == 6
