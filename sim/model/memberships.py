"""Queries of list memberships: who is on a blacklist, what binds where, what a list costs.

Read-only helpers over the agents' `list_mask` and `spells` and the compiled lists, used by
more than one stage (behave, migrate, lists, metrics); they live below the stages so that
the stages stay peers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.bitmasks import mask_of, rows_with
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
) -> np.ndarray:
    """Expected discounted burden (months of income) of the lists a detected act would add.

    For every blacklist the act would put the agent on (by the behaviour, with the list's
    listing probability, or by the score it would leave), the list's discounted length times
    the monthly burden of a listing made in the agent's city. Lists already held are not
    counted again; overlaps between lists' sanctions, the cap, and extension of lists
    already held are not foreseen (an agent expects the lists' burdens to add up).
    `behaviour` is each agent's behaviour ([agents]).
    """
    cost = np.zeros(agents.size)
    if lists.size == 0 or agents.size == 0:
        return cost
    actor = population.actor_index
    no_scheme = len(rules.scheme_names)
    by_score_lists = lists.score_scheme < no_scheme
    present = np.zeros(lists.triggers.shape[1], dtype=bool)
    present[behaviour] = True
    relevant = lists.triggers[:, present].any(axis=1) | by_score_lists
    open_lists = (lists.start_month <= step) & lists.subjects[:, actor] & lists.blacklist
    open_lists &= relevant
    if not open_lists.any():
        return cost
    city = population.city[agents]
    burden = lists.binding(step).fresh_burden[:, :, actor]  # [L, C]
    scheme = rules.city_scheme[city]
    running = rules.scheme_active(step)[city]
    started = rules.behaviour_start[behaviour] <= step
    held_masks = population.list_mask[agents]
    score_column = lists.duration_months.shape[1] - 1
    for list_index in np.flatnonzero(open_lists):
        by_act = lists.triggers[list_index, behaviour] & started
        if by_score_lists[list_index]:
            rows = slice(None)  # every agent: views, not copies, of their arrays
            below = (
                running
                & (scheme == lists.score_scheme[list_index])
                & (after < lists.score_threshold[list_index])
            )
            chance = np.where(below, 1.0, np.where(by_act, lists.probability[list_index], 0.0))
            column = np.where(by_act, behaviour, score_column)
        else:
            rows = np.flatnonzero(by_act)
            if rows.size == 0:
                continue
            chance = np.full(rows.size, lists.probability[list_index])
            column = behaviour[rows]
        held = (held_masks[rows] >> np.uint64(list_index)) & np.uint64(1)
        value = lists.listing_value[list_index, column]
        list_city = city[rows]
        cost[rows] += (
            chance
            * (held == 0)
            * lists.operates[list_index, list_city]
            * registered[rows]
            * value
            * burden[list_index, list_city]
        )
    return cost
