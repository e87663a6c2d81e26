"""Stages 0 and 7b, govern: departments act, legitimacy and awareness move.

Stage 0 (`run_departments`), before citizens and firms decide. Each department d of city c
draws this month's budget pressure P (lognormal, mean `budget_pressure_mean`) and keeps each
of its promises with probability

    expit((integrity_d + scored x w x (points_kept - points_broken) / 10 - P) / noise)

(a logit choice between keeping at cost P and breaking; a kept promise is worth its points'
difference in the performance assessment when the second system scores). Broken supplier
payments add `payment_yuan` each to arrears, repaid at `arrears_repaid_per_month`. The
second system's score moves 1/memory of the way back to its base, then adds the month's
points, counting a share `manipulation_share` of broken promises as kept. Enforcement effort
moves toward (1 + scored x w x enforcement_in_assessment) x (1 + P_mean) / (1 + P), at most
`effort_max`: effort is a choice with a cost, cut when the budget is tight. Detection in
the city is multiplied by its departments' mean effort.

Stage 7b (`update_legitimacy`, `spread_awareness`), after learning. Legitimacy L_c moves
`adjustment_per_month` of the way toward

    initial - promise_weight x visibility x (1 - kept share) - fairness_weight x unfair share

where visibility is 1 when departments are scored and published (else
`unpublished_visibility`) and the unfair share is the share of the city's blacklisted
citizens listed for poverty or by a wrong record. Unaware agents learn that the scheme
applies to them when listed, from listed neighbours and from publication.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

from sim.model.events import FALSE_RECORD, INVOLUNTARY
from sim.model.memberships import on_blacklist

if TYPE_CHECKING:
    from sim.model.government import Government
    from sim.model.population import Population
    from sim.model.rules import RuleTables
    from sim.scenario.schema import Scenario

POINTS_PER_ASSESSMENT_UNIT = 10.0  # points of the second system worth one assessment unit


def run_departments(rng: np.random.Generator, government: Government, scenario: Scenario) -> None:
    """Stage 0: promises kept or broken, the second system's scores, arrears and effort."""
    from sim.model.government import MonthOfDepartments

    if government.size == 0:
        return
    rules = scenario.departments
    n = government.size
    mean, sigma = rules.budget_pressure_mean, rules.budget_pressure_sigma
    pressure = mean * np.exp(sigma * rng.standard_normal(n) - sigma**2 / 2)
    scored = rules.scored
    stake = (
        rules.assessment_weight
        * (rules.points_kept - rules.points_broken)
        / POINTS_PER_ASSESSMENT_UNIT
        if scored
        else 0.0
    )
    keep = expit((government.integrity + stake - pressure) / rules.decision_noise)
    promises = rng.poisson(rules.promises_per_month, n)
    kept = rng.binomial(promises, keep)
    broken = promises - kept
    payments_broken = rng.binomial(broken, rules.payment_share)
    hidden = rng.binomial(broken, rules.manipulation_share) if scored else np.zeros_like(broken)
    reported_kept = kept + hidden
    government.month = MonthOfDepartments(promises, kept, reported_kept, payments_broken)
    government.arrears_yuan *= 1.0 - rules.arrears_repaid_per_month
    government.arrears_yuan += payments_broken * rules.payment_yuan
    if scored:
        score = government.score
        score += (rules.score_base - score) / rules.score_memory_months
        score += rules.points_kept * reported_kept + rules.points_broken * (
            promises - reported_kept
        )
        if rules.blacklist_threshold is not None:
            government.listed = score < rules.blacklist_threshold
    boost = 1.0 + (rules.assessment_weight * rules.enforcement_in_assessment if scored else 0.0)
    target = np.minimum(boost * (1.0 + mean) / (1.0 + pressure), rules.effort_max)
    government.effort += rules.effort_adjustment_per_month * (target - government.effort)


def decision_shift(
    government: Government, scenario: Scenario
) -> tuple[np.ndarray, np.ndarray] | None:
    """([C] multiplier of intrinsic terms, [C] shift of the peer share), or None at strength 0."""
    legitimacy = scenario.legitimacy
    if legitimacy.strength == 0:
        return None
    gap = government.legitimacy - legitimacy.initial
    multiplier = np.maximum(1.0 + legitimacy.strength * gap, 0.0).astype(np.float32)
    shift = (-legitimacy.strength * gap / 2.0).astype(np.float32)
    return multiplier, shift


def unfair_share(citizens: Population, rules: RuleTables) -> np.ndarray:
    """[C] share of each city's blacklisted citizens listed for poverty or by a wrong record.

    Counts the scheme's blacklist and the agencies' blacklists alike: a citizen counts once,
    as unfair if any of its listings is involuntary or wrong.
    """
    listed = np.flatnonzero(on_blacklist(citizens, rules.lists))  # ascending rows
    cause = citizens.listing_cause[listed]
    unfair = citizens.blacklisted[listed] & ((cause == INVOLUNTARY) | (cause == FALSE_RECORD))
    spells = citizens.spells
    if spells.size and listed.size:
        black = rules.lists.blacklist[spells.list]
        wrong = spells.agent[
            black & ((spells.cause == INVOLUNTARY) | (spells.cause == FALSE_RECORD))
        ]
        position = np.minimum(np.searchsorted(listed, wrong), listed.size - 1)
        unfair[position[listed[position] == wrong]] = True
    n_cities = len(rules.city_names)
    city = citizens.city[listed]
    members = np.bincount(city, minlength=n_cities)
    unfair_members = np.bincount(city[unfair], minlength=n_cities)
    return np.where(members > 0, unfair_members / np.maximum(members, 1), 0.0)


def update_legitimacy(
    government: Government, citizens: Population, rules: RuleTables, scenario: Scenario
) -> None:
    """Stage 7b: legitimacy moves toward what promise-keeping and fair listing justify."""
    legitimacy = scenario.legitimacy
    n_cities = len(rules.city_names)
    departments = scenario.departments
    visible = departments.scored and departments.published
    visibility = 1.0 if visible else legitimacy.unpublished_visibility
    broken = 1.0 - government.keep_rate(n_cities)
    target = (
        legitimacy.initial
        - legitimacy.promise_weight * visibility * broken
        - legitimacy.fairness_weight * unfair_share(citizens, rules)
    )
    target = np.clip(target, 0.0, 1.0)
    government.legitimacy += legitimacy.adjustment_per_month * (target - government.legitimacy)


def publishing_cities(rules: RuleTables, scenario: Scenario, step: int) -> np.ndarray:
    """[C] bool: lists of this city are published this month (everywhere, once national)."""
    publishes = rules.published[rules.city_scheme] & rules.scheme_active(step)
    lists = rules.lists
    if lists.size:
        open_lists = lists.published & (lists.start_month <= step)
        publishes = publishes | (lists.operates & open_lists[:, None]).any(axis=0)
    website = scenario.rollout.national_website_month
    if website is not None and step >= website and publishes.any():
        publishes = np.ones_like(publishes)
    return publishes


def spread_awareness(
    rng: np.random.Generator,
    population: Population,
    rules: RuleTables,
    scenario: Scenario,
    step: int,
) -> None:
    """Stage 7b: unaware agents learn the scheme applies to them (own, peers, publication)."""
    unaware = np.flatnonzero(~population.aware)
    if unaware.size == 0:
        return
    awareness = scenario.awareness
    listed = on_blacklist(population, rules.lists)
    peers = population.peers.share(listed)[unaware]
    published = publishing_cities(rules, scenario, step)[population.city[unaware]]
    stays = (
        (1.0 - awareness.monthly_rate)
        * (1.0 - awareness.peer_rate * peers)
        * (1.0 - awareness.publication_rate * published)
    )
    learns = listed[unaware] | (rng.random(unaware.size) >= stays)
    population.aware[unaware[learns]] = True
