"""Queries of list memberships: who is on a blacklist, what binds where, what a list costs.

Read-only helpers over the agents' `list_mask` and `spells` and the compiled lists, used by
more than one stage (behave, migrate, lists, metrics); they live below the stages so that
the stages stay peers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.bitmasks import CHUNK_ROWS, mask_of, rows_with
from sim.model.spells import agent_groups

if TYPE_CHECKING:
    from sim.model.list_rules import ListTables
    from sim.model.population import Population
    from sim.model.rules import RuleTables


def on_blacklist_rows(population: Population, lists: ListTables, agents: np.ndarray) -> np.ndarray:
    """[agents] bool: on a scheme's blacklist or on any blacklist of [lists]."""
    return population.blacklisted[agents] | ((population.list_mask[agents] & lists.black_bits) != 0)


def on_blacklist(population: Population, lists: ListTables) -> np.ndarray:
    """[n] bool: on a scheme's blacklist or on any list of kind blacklist."""
    if lists.size == 0:
        return population.blacklisted
    listed = population.blacklisted.copy()
    listed[rows_with(population.list_mask, lists.black_bits)] = True
    return listed


def on_red_list(population: Population, lists: ListTables) -> np.ndarray:
    """[n] bool: on a scheme's red list or on any list of kind red list."""
    if lists.size == 0:
        return population.redlisted
    listed = population.redlisted.copy()
    listed[rows_with(population.list_mask, mask_of(list(np.flatnonzero(~lists.blacklist))))] = True
    return listed


def bound_by_lists(
    population: Population, lists: ListTables, agents: np.ndarray, step: int
) -> np.ndarray:
    """[agents] bool: bound, where each lives now, by at least one blacklist spell."""
    spells = population.spells
    if spells.size == 0 or agents.size == 0:
        return np.zeros(agents.size, dtype=bool)
    rows = np.flatnonzero(np.isin(spells.agent, agents) & lists.blacklist[spells.list])
    here = population.city[spells.agent[rows]]
    binds = lists.binding(step).binds[spells.list[rows], spells.city[rows], here]
    bound = np.zeros(population.size, dtype=bool)
    bound[spells.agent[rows[binds]]] = True
    return bound[agents]


def bound_sanctions(
    population: Population, lists: ListTables, agents: np.ndarray, step: int
) -> np.ndarray:
    """[agents] uint64: the sanctions each bears, where it lives now, by its list spells."""
    spells = population.spells
    masks = np.zeros(population.size, dtype=np.uint64)
    rows = np.flatnonzero(lists.blacklist[spells.list])
    if rows.size:
        here = population.city[spells.agent[rows]]
        binding = lists.binding(step)
        binds = binding.binds[spells.list[rows], spells.city[rows], here]
        carried = np.where(
            binds, binding.sanctions[spells.list[rows], spells.city[rows], here], np.uint64(0)
        )
        holders, starts, _ = agent_groups(spells.agent[rows])  # rows ascend: sorted by agent
        masks[holders] = np.bitwise_or.reduceat(carried, starts)
    return masks[agents]


def list_penalty(
    population: Population,
    rules: RuleTables,
    lists: ListTables,
    agents: np.ndarray,
    behaviour: np.ndarray,
    after: np.ndarray,
    registered: np.ndarray,
    step: int,
    chunk: int = CHUNK_ROWS,
) -> np.ndarray:
    """Expected discounted burden (months of income) of the lists a detected act would add.

    For every blacklist the act would put the agent on (by the behaviour, with the list's
    listing probability, or by the score it would leave), the list's discounted length times
    the monthly burden of a listing made in the agent's city. Lists already held are not
    counted again; overlaps between lists' sanctions, the cap, and extension of lists
    already held are not foreseen (an agent expects the lists' burdens to add up).
    `behaviour` is each agent's behaviour ([agents]).

    Computed over (agent, list) pairs, `chunk` agents at a time: each agent's pairs are the
    open lists its behaviour triggers (once scored) and every open list by score, in
    ascending list order, and its burdens are added in that order (as a pass per list would).
    """
    cost = np.zeros(agents.size)
    if lists.size == 0 or agents.size == 0:
        return cost
    actor = population.actor_index
    by_score = lists.score_scheme < len(rules.scheme_names)
    open_lists = (lists.start_month <= step) & lists.subjects[:, actor] & lists.blacklist
    # [2B, L]: the lists weighed for a behaviour b, before (row 2b) and once (2b + 1) scored
    triggered = lists.triggers.T
    weighed = np.stack([by_score | ~by_score & triggered & scored for scored in (False, True)])
    weighed = weighed.transpose(1, 0, 2).reshape(-1, lists.size) & open_lists
    if not weighed.any():
        return cost
    pair_lists = np.flatnonzero(weighed) % lists.size  # row-major: ascending lists per row
    first = np.concatenate([[0], np.cumsum(weighed.sum(axis=1))])
    key = 2 * behaviour + (rules.behaviour_start[behaviour] <= step)
    for start in range(0, agents.size, chunk):
        rows = slice(start, start + chunk)
        cost[rows] = _pair_burdens(
            population,
            rules,
            lists,
            agents[rows],
            behaviour[rows],
            after[rows],
            registered[rows],
            key[rows],
            pair_lists,
            first,
            step,
        )
    return cost


def _pair_burdens(
    population: Population,
    rules: RuleTables,
    lists: ListTables,
    agents: np.ndarray,
    behaviour: np.ndarray,
    after: np.ndarray,
    registered: np.ndarray,
    key: np.ndarray,
    pair_lists: np.ndarray,
    first: np.ndarray,
    step: int,
) -> np.ndarray:
    """`list_penalty` of a chunk of agents, its rows keyed into the weighed lists' table."""
    counts = first[key + 1] - first[key]
    row = np.repeat(np.arange(agents.size), counts)
    offset = np.arange(row.size) - np.repeat(np.cumsum(counts) - counts, counts)
    which = pair_lists[first[key][row] + offset]
    del offset
    own = behaviour[row]
    city = population.city[agents][row]
    by_act = lists.triggers[which, own] & (rules.behaviour_start[own] <= step)
    by_score = lists.score_scheme[which] < len(rules.scheme_names)
    below = by_score & rules.scheme_active(step)[city]
    below &= rules.city_scheme[city] == lists.score_scheme[which]
    below &= after[row] < lists.score_threshold[which]
    chance = np.where(below, 1.0, np.where(by_act, lists.probability[which], 0.0))
    column = np.where(by_act, own, lists.duration_months.shape[1] - 1)
    held = (population.list_mask[agents][row] >> which.astype(np.uint64)) & np.uint64(1)
    burden = lists.binding(step).fresh_burden[:, :, population.actor_index]  # [L, C]
    term = (
        chance
        * (held == 0)
        * lists.operates[which, city]
        * registered[row]
        * lists.listing_value[which, column]
        * burden[which, city]
    )
    return np.bincount(row, weights=term, minlength=agents.size)
