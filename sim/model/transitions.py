"""State changes that more than one stage makes: score bounds, listing ends, running totals.

They live below the stages so that the stages stay peers (listing and migrate both end
listings; score, listing and migrate all clip scores; detect and lists add to agents'
running totals of yuan).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.events import NOT_LISTED

if TYPE_CHECKING:
    from sim.model.population import Population
    from sim.model.rules import RuleTables


def clip_scores(population: Population, rules: RuleTables, agents: np.ndarray) -> None:
    """Keep the given agents' scores within their scheme's bounds."""
    scheme = rules.city_scheme[population.city[agents]]
    population.score[agents] = np.clip(
        population.score[agents], rules.min_score[scheme], rules.max_score[scheme]
    )


def delist(population: Population, rules: RuleTables, agents: np.ndarray) -> None:
    """End the listings of `agents`, lifting their scores to the blacklist threshold."""
    if agents.size == 0:
        return
    threshold = rules.blacklist_threshold[rules.city_scheme[population.city[agents]]]
    population.score[agents] = np.maximum(population.score[agents], threshold)
    clip_scores(population, rules, agents)  # a threshold may lie above max_score
    population.blacklisted[agents] = False
    population.listing_permanent[agents] = False
    population.listing_level[agents] = 0
    population.listing_cause[agents] = NOT_LISTED
    population.listing_behaviour[agents] = -1


def add_in_order(target: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """`np.add.at(target, rows, values)`, bit for bit, without ufunc.at's slow mixed-type path.

    Each row's values are added in their order in `rows`, a round per repetition (every
    row's first occurrence, then its second, ...), each sum taken in the wider of the two
    types and stored in the target's, as `np.add.at` does. A float32 total with float64
    amounts is about twenty times faster this way.
    """
    rows = np.asarray(rows)
    values = np.broadcast_to(values, rows.shape)
    while rows.size:
        order = np.arange(rows.size)
        stamp = np.empty(target.size, dtype=np.int64)
        stamp[rows[::-1]] = order[::-1]  # repeated rows: the earliest occurrence is written last
        first = stamp[rows] == order
        taken = rows[first]
        target[taken] = target[taken] + values[first]
        rows, values = rows[~first], values[~first]
