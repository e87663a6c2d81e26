"""Stage 9b, collect for the agencies' lists: members, flows, restrictions, rewards, escapes.

Columns by list end in `__<list>`, by sanction in `__<sanction>`, by preferential policy in
`__<policy>`; `*_people` and money are scaled to real people by `people_per_agent` (firms are
counted as firm agents). docs/output.md lists every column.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from sim.model.bitmasks import bits, mask_of, rows_with, sums_by_bit
from sim.model.events import FALSE_RECORD
from sim.model.spells import agent_groups, merge_by_agent

if TYPE_CHECKING:
    from sim.model.events import StepEvents
    from sim.model.list_rules import ListTables
    from sim.model.population import Population
    from sim.model.rules import RuleTables

QUINTILES = 5


def list_members(population: Population, lists: ListTables) -> np.ndarray:
    """[L] members of each list: its spells, and for a red list by score, its bit holders."""
    counts = np.bincount(population.spells.list, minlength=lists.size)
    by_score = np.flatnonzero(lists.red_by_score)
    if by_score.size:
        held = population.list_mask[rows_with(population.list_mask, mask_of(list(by_score)))]
        for list_index in by_score:
            bit = np.uint64(1) << np.uint64(list_index)
            counts[list_index] = np.count_nonzero(held & bit)
    return counts


def multi_listed(population: Population, rules: RuleTables) -> int:
    """Agents on two or more blacklists (a scheme's own and those of [lists]), from the spells."""
    spells = population.spells
    rows = np.flatnonzero(rules.lists.blacklist[spells.list])
    agents, starts, _ = agent_groups(spells.agent[rows])
    count = np.diff(np.append(starts, rows.size))
    return int(((count + population.blacklisted[agents]) >= 2).sum())


def sanctions_borne(population: Population, rules: RuleTables, events: StepEvents, kind: str):
    """(agents, masks): every agent bearing a sanction this month and the set it bears."""
    lists = rules.lists
    scheme_listed = np.flatnonzero(population.blacklisted)
    scheme_masks = lists.scheme_sanctions[rules.city_scheme[population.listing_city[scheme_listed]]]
    paid = events.list_transfers[kind] if events.list_transfers else None
    if paid is None or paid.burdened.size == 0:
        return scheme_listed, scheme_masks
    return merge_by_agent(scheme_listed, scheme_masks, paid.burdened, paid.sanctions, np.bitwise_or)


def list_blocked_purchases(
    citizens: Population, rules: RuleTables, events: StepEvents
) -> dict[str, float]:
    """Ticket purchases the lists block this month beyond the schemes' own (agents)."""
    paid = events.list_transfers["citizen"] if events.list_transfers else None
    if paid is None or paid.burdened.size == 0:
        return {}
    lists = rules.lists
    scheme_listed = citizens.blacklisted[paid.burdened]
    own = np.where(
        scheme_listed,
        lists.scheme_sanctions[rules.city_scheme[citizens.listing_city[paid.burdened]]],
        np.uint64(0),
    )
    added = bits(paid.sanctions & ~own, len(lists.sanction_names)).sum(axis=0)
    blocked = added * lists.sanction_blocked
    return {
        "flight_purchases_blocked": float(blocked[lists.sanction_flights].sum()),
        "train_purchases_blocked": float(blocked[lists.sanction_trains].sum()),
    }


def rating_columns(
    firms: Population, rules: RuleTables, events: StepEvents, people_per_agent: float
) -> dict[str, float]:
    """Firms by grade, and the month's yuan of grade limits and advantages (no ratings: {})."""
    ratings = rules.ratings
    if ratings.size == 0:
        return {}
    counts = np.bincount(firms.rating[firms.rating >= 0], minlength=ratings.size)
    rated = counts.sum()
    row = {
        f"firms_rated__{name}": float(count / rated) if rated else 0.0
        for name, count in zip(ratings.names, counts, strict=True)
    }
    graded = (events.rating_transfers or {}).get("firm")
    row["firm_rating_cost_yuan"] = (graded.cost_yuan if graded else 0.0) * people_per_agent
    row["firm_rating_reward_yuan"] = (graded.reward_yuan if graded else 0.0) * people_per_agent
    return row


FLOWS = ("new", "extended", "expired", "paid", "repaired", "corrected", "left")


@lru_cache(maxsize=16)
def _list_keys(names: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """Per list, its members' column names and its flows' (FLOWS order), built once."""
    return tuple(
        (
            (f"list_citizens__{name}", f"list_people__{name}", f"list_firms__{name}"),
            tuple(f"list_{flow}__{name}" for flow in FLOWS),
        )
        for name in names
    )


def list_columns(
    populations: dict[str, Population],
    rules: RuleTables,
    events: StepEvents,
    people_per_agent: float,
) -> dict[str, float]:
    """The month's list columns (empty when the scenario has no [lists])."""
    lists = rules.lists
    if lists.size == 0:
        return {}
    citizens, firms = populations["citizen"], populations["firm"]
    row: dict[str, float] = {}
    members = {
        kind: list_members(population, lists)
        for kind, population in (("citizen", citizens), ("firm", firms))
    }
    changes = [events.list_changes[kind] for kind in ("citizen", "firm")]
    flows = sum(np.stack([getattr(c, flow) for flow in FLOWS], axis=1) for c in changes)  # [L, F]
    citizens_on, firms_on = members["citizen"].tolist(), members["firm"].tolist()
    for index, (keys, flow_keys) in enumerate(_list_keys(lists.names)):
        row[keys[0]] = citizens_on[index]
        row[keys[1]] = float(citizens_on[index]) * people_per_agent
        row[keys[2]] = firms_on[index]
        row.update(zip(flow_keys, flows[index].tolist(), strict=True))
    several = multi_listed(citizens, rules)
    row["multi_listed_share"] = several / citizens.size if citizens.size else 0.0
    row["multi_listed_people"] = several * people_per_agent
    several_firms = multi_listed(firms, rules)
    row["firms_multi_listed_share"] = several_firms / firms.size if firms.size else 0.0
    repairs = sum(int(c.repaired.sum()) for c in changes)
    corrections = sum(int(c.corrected.sum()) for c in changes)
    row["list_repairs"] = repairs
    row["months_to_repair"] = (
        sum(c.months_to_repair for c in changes) / repairs if repairs else float("nan")
    )
    row["list_corrections"] = corrections
    row["months_to_correction"] = (
        sum(c.months_to_correction for c in changes) / corrections if corrections else float("nan")
    )
    row["wrongful_listing_months"] = int(
        sum(
            int(((p.spells.cause == FALSE_RECORD) & lists.blacklist[p.spells.list]).sum())
            for p in (citizens, firms)
        )
    )
    agents, masks = sanctions_borne(citizens, rules, events, "citizen")
    borne = (
        bits(masks, len(lists.sanction_names)).sum(axis=0)
        if agents.size
        else np.zeros(len(lists.sanction_names))
    )
    for k, name in enumerate(lists.sanction_names):
        if lists.sanction_actor[k] == citizens.actor_index:
            row[f"restricted_people__{name}"] = float(borne[k]) * people_per_agent
    moves = events.moves["citizen"]
    row["list_members_moved"] = moves.list_members_moved
    row["list_escaped"] = moves.list_escaped
    row.update(reward_columns(citizens, rules, events, people_per_agent))
    return row


def reward_columns(
    citizens: Population, rules: RuleTables, events: StepEvents, people_per_agent: float
) -> dict[str, float]:
    """Red lists' rewards this month by preferential policy and income quintile; members.

    Members: each red list's citizens by income quintile (`red_list_quintiles`).
    """
    lists = rules.lists
    paid = events.list_transfers["citizen"] if events.list_transfers else None
    by_policy = np.zeros((len(lists.policy_names), QUINTILES))
    by_quintile = np.zeros(QUINTILES)
    if paid is not None and paid.rewarded.size:
        income = citizens.income[paid.rewarded]
        quintile = citizens.income_quintile[paid.rewarded]
        values = lists.reward_value[:, citizens.actor_index]
        paying = np.flatnonzero(values > 0)
        income_by_bit = sums_by_bit(paid.reward_masks, paying, quintile, QUINTILES, income)
        np.add.at(by_policy, lists.reward_policy[paying], values[paying, None] * income_by_bit)
        by_quintile = np.bincount(quintile, weights=paid.reward_yuan, minlength=QUINTILES)
    used = sorted(set(lists.reward_policy[np.flatnonzero(lists.reward_value[:, 0] > 0)]))
    row = {
        f"list_reward_yuan__{lists.policy_names[p]}": float(by_policy[p].sum()) * people_per_agent
        for p in used
    }
    for q in range(QUINTILES):
        row[f"list_reward_yuan__q{q + 1}"] = float(by_quintile[q]) * people_per_agent
    for p in used:
        for q in range(QUINTILES):
            row[f"list_reward_yuan__{lists.policy_names[p]}__q{q + 1}"] = (
                float(by_policy[p, q]) * people_per_agent
            )
    row.update(red_list_quintiles(citizens, lists, people_per_agent))
    return row


def red_list_quintiles(
    citizens: Population, lists: ListTables, people_per_agent: float
) -> dict[str, float]:
    """People on each red list by income quintile (`red_list_people__<list>__q<k>`)."""
    red = np.flatnonzero(~lists.blacklist)
    if red.size == 0:
        return {}
    members = rows_with(citizens.list_mask, mask_of(list(red)))  # the others add nothing
    counts = sums_by_bit(
        citizens.list_mask[members], red, citizens.income_quintile[members], QUINTILES
    )
    row = {}
    for position, list_index in enumerate(red):
        for q in range(QUINTILES):
            row[f"red_list_people__{lists.names[list_index]}__q{q + 1}"] = (
                float(counts[position, q]) * people_per_agent
            )
    return row
