"""Stage 4b and 5b, the agencies' lists: listings made and ended, sanctions and rewards borne.

Beside each scheme's own blacklist (stage `listing`), a scenario's [lists] list agents on
their own triggers. An agent may be on several lists at once (`list_mask`, one bit a list;
details in the sparse `spells` table). Each month, in this order:

1. Spells end: expired (months left reach 0; never for permanent lists), paid (a listing for
   a repayable debt on a list that delists on payment, with the same monthly chance as the
   scheme's listings), repaired (credit repair: after `waiting_months`, at `success_per_month`,
   for a one-off cost; not for unpaid debts nor wrong records), corrected (a listing caused
   by a wrong record ends when the appeal repairs the record).
2. New listings: a detected violation (a pro-social act for a red list) by a registered
   subject in a city where the list operates lists it with the list's `listing_probability`;
   a record that leaves the score of the list's scheme below its threshold lists it too
   (cause `false_record` when only a wrong record was recorded). A re-offence while listed
   renews the listing to at least the act's duration, adds `extension_months` and raises its
   level (escalation). Wrong records do not extend.
3. Red lists: an agent on any blacklist leaves every red list ("not clean") and cannot join;
   a red list by score holds the registered clean subjects whose score is at or above its
   threshold, for as long as it is.

Sanctions combine as a union: an agent bears each distinct sanction of the listings that
bind it once (a travel ban from two lists is one ban), shame once if any of them is
published, plus each list's escalation on its own base burden; with
`combined_burden_cap_income_share` the month's total is capped. A listing binds where its
list is national, in the city that made it, and wherever a memorandum in force covers the
list, the city that made it and the city the member lives in (cross-recognition); the
memorandum adds its own sanctions there. Red lists pay the union of their rewards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.bitmasks import CHUNK_ROWS, mask_of, rows_with, unioned
from sim.model.events import (
    CHOSEN,
    FALSE_RECORD,
    INVOLUNTARY,
    NO_LIST_TRANSFERS,
    SCORE_TRIGGER,
    Acts,
    ListChanges,
    ListTransfers,
)
from sim.model.ladders import rungs_reached
from sim.model.memberships import on_blacklist_rows
from sim.model.spells import agent_groups, merge_by_agent, sorted_unique
from sim.model.transitions import add_in_order

if TYPE_CHECKING:
    from sim.model.list_rules import ListTables
    from sim.model.population import Population
    from sim.model.rules import RuleTables
    from sim.scenario.schema import Scenario


def end_spells(
    rng: np.random.Generator,
    population: Population,
    rules: RuleTables,
    lists: ListTables,
    scenario: Scenario,
    step: int,
    appealed: np.ndarray,
    changes: ListChanges,
) -> None:
    """End the spells whose time is up, that are paid, repaired or corrected (in that order)."""
    spells = population.spells
    if spells.size == 0:
        return
    ticking = np.flatnonzero(~spells.permanent)
    spells.months_left[ticking] -= 1
    alive = np.ones(spells.size, dtype=bool)
    expired = ticking[spells.months_left[ticking] <= 0]
    alive[expired] = False
    behaviour = spells.behaviour.astype(np.int64)
    debt = (behaviour >= 0) & rules.repayable[np.maximum(behaviour, 0)]
    honest = spells.cause != FALSE_RECORD
    black = lists.blacklist[spells.list]
    payable = np.flatnonzero(
        alive & black & debt & honest & lists.delist_on_payment[spells.list] & ~spells.permanent
    )
    paid = payable[:0]
    if payable.size:
        income = population.income[spells.agent[payable]]
        means = np.clip(1.0 - scenario.income_shocks.subsistence_yuan / income, 0.0, 1.0)
        chance = scenario.decision.repayment_propensity * means
        paid = payable[rng.random(payable.size) < chance]
        alive[paid] = False
    waited = step - spells.start >= lists.repair_waiting_months[spells.list]
    eligible = np.flatnonzero(
        alive & (lists.repair_chance[spells.list] > 0) & waited & ~debt & honest & black
    )
    repaired = eligible[:0]
    if eligible.size:
        repaired = eligible[rng.random(eligible.size) < lists.repair_chance[spells.list[eligible]]]
        alive[repaired] = False
        agents = spells.agent[repaired]
        cost = lists.repair_cost[spells.list[repaired]] * population.income[agents]
        add_in_order(population.repair_cost_yuan, agents, cost)
        changes.months_to_repair += float((step - spells.start[repaired]).sum())
    corrected = expired[:0]
    if appealed.size:
        corrected = np.flatnonzero(alive & ~honest & np.isin(spells.agent, appealed))
        changes.months_to_correction += float((step - spells.start[corrected]).sum())
    _end_many(
        population,
        [(expired, "expired"), (paid, "paid"), (repaired, "repaired"), (corrected, "corrected")],
        step,
        changes,
    )


LEFT_RED_LIST = ("not_clean", "no_longer_eligible")  # counted as `left`; other ends by name


def _end_many(
    population: Population,
    endings: list[tuple[np.ndarray, str]],
    step: int,
    changes: ListChanges,
) -> None:
    """End several disjoint sets of spells in one pass, counting each by list and reason."""
    spells = population.spells
    for rows, how in endings:
        if rows.size:
            counter = getattr(changes, "left" if how in LEFT_RED_LIST else how)
            counter += np.bincount(spells.list[rows], minlength=counter.size)
    spells.end_many(endings, step, population.list_mask)


def list_on_records(
    rng: np.random.Generator,
    population: Population,
    rules: RuleTables,
    lists: ListTables,
    acts: Acts,
    wrongly_recorded: np.ndarray,
    step: int,
    changes: ListChanges,
) -> None:
    """Make this month's listings by detected acts and by scores; extend on re-offence."""
    if lists.size == 0:
        return
    actor = population.actor_index
    open_lists = (lists.start_month <= step) & lists.subjects[:, actor]
    found = [
        _listed_by_acts(rng, population, rules, lists, acts, step, open_lists),
        _listed_by_score(population, rules, lists, acts, wrongly_recorded, step, open_lists),
    ]
    agent, which, behaviour, cause = (np.concatenate(parts) for parts in zip(*found, strict=True))
    if agent.size == 0:
        return
    held = ((population.list_mask[agent] >> which.astype(np.uint64)) & np.uint64(1)) == 1
    black = lists.blacklist[which]
    clean = ~on_blacklist_rows(population, lists, agent)
    again = held & black & (cause != FALSE_RECORD)
    _extend(population, lists, agent[again], which[again], behaviour[again], changes)
    renew = held & ~black
    _renew(population, lists, agent[renew], which[renew], behaviour[renew])
    fresh = ~held & (black | clean)
    agent, which, behaviour, cause = agent[fresh], which[fresh], behaviour[fresh], cause[fresh]
    # One spell per (agent, list): of several triggers, the last one found is kept.
    key = agent * 64 + which
    _, last = np.unique(key[::-1], return_index=True)
    keep = key.size - 1 - last
    agent, which, behaviour, cause = agent[keep], which[keep], behaviour[keep], cause[keep]
    column = lists.duration_column(behaviour)
    population.spells.add(
        agent=agent,
        list=which,
        city=population.city[agent],
        behaviour=behaviour,
        cause=cause,
        months_left=lists.duration_months[which, column],
        permanent=lists.permanent[which],
        level=0,
        start=step,
    )
    np.bitwise_or.at(population.list_mask, agent, np.uint64(1) << which.astype(np.uint64))
    changes.new += np.bincount(which, minlength=lists.size)


Listings = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # agent, list, behaviour, cause


def _listed_by_acts(
    rng: np.random.Generator,
    population: Population,
    rules: RuleTables,
    lists: ListTables,
    acts: Acts,
    step: int,
    open_lists: np.ndarray,
) -> Listings:
    """(agent, list, behaviour, cause) for every act that lists its agent."""
    empty = _no_listings()
    triggered = np.flatnonzero(open_lists & lists.triggers.any(axis=1))
    if triggered.size == 0 or acts.agent.size == 0:
        return empty
    agents = acts.agent
    registered = rules.registered_rows(population, agents, step)
    seen = registered & (acts.detected | acts.prosocial)
    seen &= rules.behaviour_start[acts.behaviour] <= step
    city = population.city[agents]
    parts = [empty]
    for list_index in triggered:
        rows = np.flatnonzero(
            seen & lists.triggers[list_index, acts.behaviour] & lists.operates[list_index, city]
        )
        if lists.probability[list_index] < 1.0:
            rows = rows[rng.random(rows.size) < lists.probability[list_index]]
        parts.append(
            (
                agents[rows],
                np.full(rows.size, list_index, dtype=np.int64),
                acts.behaviour[rows],
                np.where(acts.involuntary[rows], INVOLUNTARY, CHOSEN).astype(np.int8),
            )
        )
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def _listed_by_score(
    population: Population,
    rules: RuleTables,
    lists: ListTables,
    acts: Acts,
    wrongly_recorded: np.ndarray,
    step: int,
    open_lists: np.ndarray,
) -> Listings:
    """(agent, list, behaviour, cause) for every record that leaves a score below a list's."""
    by_score = lists.score_scheme < len(rules.scheme_names)
    scored = np.flatnonzero(open_lists & lists.blacklist & by_score)
    recorded = acts.recorded & acts.violation
    if scored.size == 0 or not (recorded.any() or wrongly_recorded.size):
        return _no_listings()
    truly = acts.agent[recorded]
    agents = sorted_unique(np.concatenate([truly, wrongly_recorded]))
    involuntary = np.zeros(population.size, dtype=bool)
    involuntary[truly[acts.involuntary[recorded]]] = True
    chosen = np.zeros(population.size, dtype=bool)
    chosen[truly[~acts.involuntary[recorded]]] = True
    cause = np.where(
        chosen[agents], CHOSEN, np.where(involuntary[agents], INVOLUNTARY, FALSE_RECORD)
    ).astype(np.int8)
    city = population.city[agents]
    scheme = rules.city_scheme[city]
    running = rules.scheme_active(step)[city]
    parts = [_no_listings()]
    for list_index in scored:
        rows = np.flatnonzero(
            running
            & (scheme == lists.score_scheme[list_index])
            & lists.operates[list_index, city]
            & (population.score[agents] < lists.score_threshold[list_index])
        )
        parts.append(
            (
                agents[rows],
                np.full(rows.size, list_index, dtype=np.int64),
                np.full(rows.size, SCORE_TRIGGER, dtype=np.int64),
                cause[rows],
            )
        )
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def _no_listings() -> Listings:
    empty = np.empty(0, dtype=np.int64)
    return empty, empty, empty, empty.astype(np.int8)


def _extend(
    population: Population,
    lists: ListTables,
    agents: np.ndarray,
    which: np.ndarray,
    behaviour: np.ndarray,
    changes: ListChanges,
) -> None:
    """Renew, extend and escalate the listings of re-offenders (k re-offences: k extensions)."""
    if agents.size == 0:
        return
    spells = population.spells
    rows = spells.rows_of(agents, which)
    unique_rows, inverse, count = np.unique(rows, return_inverse=True, return_counts=True)
    column = lists.duration_column(behaviour)
    renewed = np.zeros(unique_rows.size, dtype=np.int64)
    np.maximum.at(renewed, inverse, lists.duration_months[which, column])
    list_of = spells.list[unique_rows]
    left = np.maximum(spells.months_left[unique_rows], renewed)
    spells.months_left[unique_rows] = left + count * lists.extension_months[list_of]
    spells.level[unique_rows] += count.astype(np.int16)
    changes.extended += np.bincount(list_of, weights=count, minlength=lists.size).astype(np.int64)


def _renew(
    population: Population,
    lists: ListTables,
    agents: np.ndarray,
    which: np.ndarray,
    behaviour: np.ndarray,
) -> None:
    """A member who repeats a red list's pro-social act keeps it at least its full length."""
    if agents.size == 0:
        return
    spells = population.spells
    rows = spells.rows_of(agents, which)
    column = lists.duration_column(behaviour)
    spells.months_left[rows] = np.maximum(
        spells.months_left[rows], lists.duration_months[which, column]
    )


def update_red_lists(
    population: Population,
    rules: RuleTables,
    lists: ListTables,
    step: int,
    changes: ListChanges,
    chunk: int = CHUNK_ROWS,
) -> None:
    """Blacklisted agents leave every red list; red lists by score take their eligible.

    A red list by score is a state, not a set of spells: its members are exactly the clean,
    registered subjects whose score of its scheme is at or above its threshold, recomputed
    each month as one bit of `list_mask` (joins count as `new`, leavers as `left`), `chunk`
    agents at a time.
    """
    red = ~lists.blacklist
    if not red.any():
        return
    spells = population.spells
    not_clean = np.flatnonzero(
        on_blacklist_rows(population, lists, spells.agent) & red[spells.list]
    )
    _end_many(population, [(not_clean, "not_clean")], step, changes)
    by_score = np.flatnonzero(lists.red_by_score)
    if by_score.size == 0:
        return
    actor = population.actor_index
    score_bits = mask_of(list(by_score))
    running = rules.scheme_active(step)
    ladders = []  # per scheme: (thresholds ascending, OR of the lowest k lists' bits, [C] bits)
    for scheme in sorted_unique(lists.score_scheme[by_score]):
        # the scheme's red lists from the lowest threshold up: a score at or above the k-th
        # lowest threshold qualifies for the k lowest (one search per agent, not one per list)
        of_scheme = by_score[lists.score_scheme[by_score] == scheme]
        of_scheme = of_scheme[np.argsort(lists.score_threshold[of_scheme], kind="stable")]
        bits = np.uint64(1) << of_scheme.astype(np.uint64)
        prefix = np.concatenate([[np.uint64(0)], np.bitwise_or.accumulate(bits)])
        usable = lists.operates[of_scheme] & running[None, :]  # [lists, C]
        usable &= (rules.city_scheme == scheme)[None, :]
        usable &= (lists.start_month[of_scheme] <= step)[:, None]
        usable &= lists.subjects[of_scheme, actor][:, None]
        by_city = np.bitwise_or.reduce(np.where(usable, bits[:, None], np.uint64(0)), axis=0)
        ladders.append((lists.score_threshold[of_scheme], prefix, by_city))
    # each agent's membership depends on its own row only: a chunk of rows at a time
    for start in range(0, population.size, chunk):
        rows = slice(start, start + chunk)
        _requalify(population, rules, lists, step, changes, rows, score_bits, ladders)


def _requalify(
    population: Population,
    rules: RuleTables,
    lists: ListTables,
    step: int,
    changes: ListChanges,
    rows: slice,
    score_bits: np.uint64,
    ladders: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> None:
    """Red lists by score of the agents in `rows`: their bits and the month's flows."""
    by_score = np.flatnonzero(lists.red_by_score)
    # only agents that hold a red list by score or reach its lowest threshold can change
    reaching = population.score[rows] >= lists.score_threshold[by_score].min()
    reaching[rows_with(population.list_mask[rows], score_bits)] = True
    agents = np.flatnonzero(reaching) + rows.start
    held = population.list_mask[agents] & score_bits
    city = population.city[agents]
    registered = rules.registered_rows(population, agents, step)
    clean = ~on_blacklist_rows(population, lists, agents) & registered
    qualified = np.zeros(agents.size, dtype=np.uint64)
    for thresholds, prefix, by_city in ladders:
        rank = rungs_reached(thresholds, population.score[agents])
        qualified |= prefix[rank] & by_city[city]
    qualified = np.where(clean, qualified, np.uint64(0))
    changed = np.flatnonzero(held != qualified)
    if changed.size:
        before, after = held[changed], qualified[changed]
        for list_index in by_score:
            bit = np.uint64(1) << np.uint64(list_index)
            changes.new[list_index] += int(np.count_nonzero(after & ~before & bit))
            changes.left[list_index] += int(np.count_nonzero(before & ~after & bit))
        moved = agents[changed]
        population.list_mask[moved] = (population.list_mask[moved] & ~score_bits) | after


def list_transfers(
    population: Population,
    rules: RuleTables,
    lists: ListTables,
    step: int,
) -> ListTransfers:
    """Charge the lists' sanctions and pay their rewards (union rule, optional cap).

    The cap, when set, bounds the month's burden of the scheme's listing and the lists'
    together; the scheme's listing is charged in full first (stage `sanction`), the lists
    add at most what is left under the cap.
    """
    spells = population.spells
    if spells.size == 0 and not lists.red_by_score.any():
        return NO_LIST_TRANSFERS
    actor = population.actor_index
    binding = lists.binding(step)
    here = population.city[spells.agent]
    binds = binding.binds[spells.list, spells.city, here]
    black = lists.blacklist[spells.list]
    rows = np.flatnonzero(binds & black)
    # rows ascend and the table is sorted by agent: reduce per agent without sorting
    agents, starts, _ = agent_groups(spells.agent[rows])
    carried = binding.sanctions[spells.list[rows], spells.city[rows], here[rows]]
    masks = np.bitwise_or.reduceat(carried, starts) if rows.size else carried
    scheme_listed = population.blacklisted[agents]
    scheme = rules.city_scheme[population.listing_city[agents]]
    own = np.where(scheme_listed, lists.scheme_sanctions[scheme], np.uint64(0))
    listed_of = spells.list[rows]
    published = (
        np.logical_or.reduceat(lists.published[listed_of], starts) if rows.size else listed_of > 0
    )
    share = lists.mask_cost(masks & ~own, actor)
    share += lists.shame * (published & ~(scheme_listed & rules.published[scheme]))
    escalated = np.flatnonzero(spells.level[rows] > 0)
    if escalated.size:
        of = listed_of[escalated]
        base = lists.mask_cost(lists.own_sanctions[of], actor) + lists.shame * lists.published[of]
        owner = np.searchsorted(starts, escalated, side="right") - 1
        np.add.at(share, owner, lists.escalation[of] * spells.level[rows][escalated] * base)
    if np.isfinite(lists.burden_cap):
        level = population.listing_level[agents]
        scheme_share = np.where(
            scheme_listed,
            rules.listing_burden[scheme, actor] * (1.0 + rules.escalation[scheme] * level),
            0.0,
        )
        share = np.minimum(share, np.maximum(lists.burden_cap - scheme_share, 0.0))
    cost = share * population.income[agents]
    population.sanction_cost_yuan[agents] += cost
    population.months_listed[agents[~scheme_listed]] += 1
    red_rows = np.flatnonzero(binds & ~black)
    rewarded, reward_masks = red_list_rewards(population, lists, red_rows)
    reward = lists.reward_cost(reward_masks, actor) * population.income[rewarded]
    population.rewards_yuan[rewarded] += reward
    return ListTransfers(agents, masks | own, cost, rewarded, reward, reward_masks)


def red_list_rewards(
    population: Population, lists: ListTables, red_rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(agents, reward masks) of the members of red lists: by spells (`red_rows`) and by score."""
    spells = population.spells
    agents, starts, _ = agent_groups(spells.agent[red_rows])
    owned = lists.own_rewards[spells.list[red_rows]]
    masks = np.bitwise_or.reduceat(owned, starts) if red_rows.size else owned
    by_score = np.flatnonzero(lists.red_by_score)
    if by_score.size == 0:
        return agents, masks
    holders = rows_with(population.list_mask, mask_of(list(by_score)))
    rewards_of = np.where(lists.red_by_score, lists.own_rewards, np.uint64(0))
    scored = np.empty(holders.size, dtype=np.uint64)
    for start in range(0, holders.size, CHUNK_ROWS):  # bounded temporaries of the lookup
        part = slice(start, start + CHUNK_ROWS)
        scored[part] = unioned(population.list_mask[holders[part]], rewards_of)
    # the (few) members by spells into the (many) holders
    return merge_by_agent(holders, scored, agents, masks, np.bitwise_or)
