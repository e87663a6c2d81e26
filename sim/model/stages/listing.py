"""Stage 4, list: blacklist and red list.

A recorded act lists an agent when its behaviour is serious in the city's scheme, or when the
record leaves the score below the blacklist threshold. A listing lasts the scheme's duration
in months, or forever when the scheme is permanent ("once untrustworthy, always restricted");
each re-offence recorded while listed extends it by the scheme's extension and raises its
sanction level (the escalation).
A listing for a repayable debt ends when the debtor pays (chance a month grows with means);
one caused by a wrong record ends when the appeal succeeds. When a listing ends, the score
is lifted to at least the blacklist threshold. Red-listed: registered, scheme running, score
at or above the red-list threshold, and not blacklisted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.events import CHOSEN, FALSE_RECORD, INVOLUNTARY, Acts
from sim.model.spells import sorted_unique
from sim.model.transitions import clip_scores, delist

if TYPE_CHECKING:
    from sim.model.population import Population
    from sim.model.rules import RuleTables
    from sim.scenario.schema import Scenario


def expire(population: Population, rules: RuleTables) -> np.ndarray:
    """Count down expiring listings; end those whose time is up. Returns the ended."""
    listed = np.flatnonzero(population.blacklisted)
    expiring = listed[~population.listing_permanent[listed]]
    population.listing_months_left[expiring] -= 1
    ended = expiring[population.listing_months_left[expiring] <= 0]
    delist(population, rules, ended)
    return ended


def repay(
    rng: np.random.Generator, population: Population, rules: RuleTables, scenario: Scenario
) -> np.ndarray:
    """Listed debtors who pay this month and are delisted. Returns the payers."""
    listed = np.flatnonzero(population.blacklisted & ~population.listing_permanent)
    behaviour = population.listing_behaviour[listed]
    scheme = rules.city_scheme[population.listing_city[listed]]
    eligible = (
        (behaviour >= 0)
        & rules.repayable[np.maximum(behaviour, 0)]
        & rules.delist_on_payment[scheme]
        & (population.listing_cause[listed] != FALSE_RECORD)
    )
    candidates = listed[eligible]
    income = population.income[candidates]
    means = np.clip(1.0 - scenario.income_shocks.subsistence_yuan / income, 0.0, 1.0)
    chance = scenario.decision.repayment_propensity * means
    payers = candidates[rng.random(candidates.size) < chance]
    delist(population, rules, payers)
    return payers


def repair_wrong_records(
    rng: np.random.Generator, population: Population, rules: RuleTables, scenario: Scenario
) -> np.ndarray:
    """Wrong records repaired on appeal: points restored, false listings ended."""
    wronged = np.flatnonzero(population.false_record_points > 0)
    chance = scenario.records.appeal_success_per_month
    repaired = wronged[rng.random(wronged.size) < chance]
    population.score[repaired] += population.false_record_points[repaired]
    population.false_record_points[repaired] = 0.0
    clip_scores(population, rules, repaired)
    falsely_listed = repaired[population.listing_cause[repaired] == FALSE_RECORD]
    delist(population, rules, falsely_listed)
    return repaired


def list_new(
    population: Population,
    rules: RuleTables,
    acts: Acts,
    wrongly_recorded: np.ndarray,
) -> np.ndarray:
    """Blacklist agents whose records trigger a listing this step. Returns the newly listed."""
    recorded = acts.recorded & acts.violation
    agents = acts.agent[recorded]
    behaviour = acts.behaviour[recorded]
    scheme = rules.city_scheme[population.city[agents]]
    triggers = rules.serious[scheme, behaviour] | (
        population.score[agents] < rules.blacklist_threshold[scheme]
    )
    wrong_scheme = rules.city_scheme[population.city[wrongly_recorded]]
    wrong_triggers = population.score[wrongly_recorded] < rules.blacklist_threshold[wrong_scheme]
    agents = np.concatenate([wrongly_recorded[wrong_triggers], agents[triggers]])
    behaviour = np.concatenate(
        [np.full(int(wrong_triggers.sum()), -1, dtype=np.int64), behaviour[triggers]]
    )
    cause = np.concatenate(
        [
            np.full(int(wrong_triggers.sum()), FALSE_RECORD, dtype=np.int8),
            np.where(acts.involuntary[recorded][triggers], INVOLUNTARY, CHOSEN).astype(np.int8),
        ]
    )
    fresh = ~population.blacklisted[agents]
    again = ~fresh & (cause != FALSE_RECORD)
    extend(population, rules, agents[again], behaviour[again])
    agents, behaviour, cause = agents[fresh], behaviour[fresh], cause[fresh]
    # An agent with several triggers keeps the last one: true records follow wrong ones.
    city = population.city[agents]
    scheme = rules.city_scheme[city]
    population.blacklisted[agents] = True
    # A wrong record (behaviour -1) takes the scheme's own duration, the table's last column.
    column = np.where(behaviour >= 0, behaviour, len(rules.behaviour_names))
    population.listing_months_left[agents] = rules.duration_months[scheme, column]
    population.listing_permanent[agents] = rules.permanent[scheme]
    population.listing_city[agents] = city
    population.listing_behaviour[agents] = behaviour
    population.listing_cause[agents] = cause
    newly_listed = sorted_unique(agents)
    population.times_listed[newly_listed] += 1
    population.redlisted[newly_listed] = False
    return newly_listed


def extend(
    population: Population, rules: RuleTables, reoffenders: np.ndarray, behaviour: np.ndarray
) -> None:
    """Each recorded re-offence of a listed agent renews its listing, extends and escalates it.

    Under the listing's scheme, the months left become at least the behaviour's duration (the
    new act's own listing) plus `extension_months`, and the level its `escalation` multiplies
    (sanction stage) rises by one. k re-offences in one month: at least the longest of their
    durations, plus k extensions, level + k.
    """
    if reoffenders.size == 0:
        return
    agents, which, count = np.unique(reoffenders, return_inverse=True, return_counts=True)
    held_by = rules.city_scheme[population.listing_city[agents]]
    renewed = np.zeros(agents.size, dtype=np.int64)
    np.maximum.at(renewed, which, rules.duration_months[held_by[which], behaviour])
    left = np.maximum(population.listing_months_left[agents], renewed)
    population.listing_months_left[agents] = left + count * rules.extension_months[held_by]
    population.listing_level[agents] += count.astype(np.int32)


def update_redlist(population: Population, rules: RuleTables, step: int) -> None:
    """Recompute who is red-listed (registration is checked only for those above threshold)."""
    threshold = np.where(
        rules.scheme_active(step), rules.redlist_threshold[rules.city_scheme], np.inf
    )  # [C]
    limit = threshold[0] if np.all(threshold == threshold[0]) else threshold[population.city]
    candidates = np.flatnonzero((population.score >= limit) & ~population.blacklisted)
    registered = rules.registered_rows(population, candidates, step)
    population.redlisted[:] = False
    population.redlisted[candidates[registered]] = True
